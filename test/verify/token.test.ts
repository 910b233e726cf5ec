// `token:` endpoints: `Authorization: Bearer <t>` (RFC 6750 §2.1) or `X-Webhook-Token: <t>`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHookrouteError } from '../../src/errors.js';
import { checkTokens, createTokenVerifier } from '../../src/verify/token.js';
import type { VerifyRequest, VerifyResult } from '../../src/verify/types.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const TOKEN = 'tok_0123456789abcdef';
const RAW = Buffer.from('{"evento":"teste","dados":{"nome":"João"}}', 'utf8');
const request = (headers: VerifyRequest['headers'], rawBody = RAW): VerifyRequest => ({ rawBody, headers, now: NOW });

function assertFails(result: VerifyResult, reason: RegExp, ...forbidden: string[]): void {
  assert.ok(!result.ok, 'expected the request to be refused');
  assert.match(result.reason, reason);
  for (const text of forbidden) assert.ok(!result.reason.includes(text), 'the reason leaks a token');
}

test('token: Bearer and X-Webhook-Token are both accepted; the scheme name is case-insensitive', () => {
  const verifier = createTokenVerifier([TOKEN]);
  assert.deepEqual(verifier(request({ authorization: `Bearer ${TOKEN}` })), { ok: true });
  assert.deepEqual(verifier(request({ authorization: `bearer ${TOKEN}` })), { ok: true });
  assert.deepEqual(verifier(request({ 'x-webhook-token': TOKEN })), { ok: true });
});

test('token: a wrong, flipped, truncated or extended token fails without quoting either', () => {
  const verifier = createTokenVerifier([TOKEN]);
  for (const wrong of ['nope', `${TOKEN.slice(0, 5)}X${TOKEN.slice(6)}`, TOKEN.slice(0, -1), `${TOKEN}0`]) {
    assertFails(verifier(request({ authorization: `Bearer ${wrong}` })), /^token does not match the configured token$/, TOKEN, wrong);
    assertFails(verifier(request({ 'x-webhook-token': wrong })), /does not match/, TOKEN, wrong);
  }
});

test('token: missing headers, or an Authorization that is not Bearer, fail with a reason', () => {
  const verifier = createTokenVerifier([TOKEN]);
  assertFails(verifier(request({})), /^missing header authorization \(Bearer\) or x-webhook-token$/);
  const basic = `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`;
  assertFails(verifier(request({ authorization: basic })), /not a Bearer token/, TOKEN);
  assertFails(verifier(request({ authorization: 'Bearer' })), /not a Bearer token/);
  // A non-Bearer Authorization does not hide a valid X-Webhook-Token.
  assert.deepEqual(verifier(request({ authorization: basic, 'x-webhook-token': TOKEN })), { ok: true });
});

test('token: rotated tokens: either of [old, new] passes, a third fails', () => {
  const verifier = createTokenVerifier(['old-token', 'new-token']);
  assert.deepEqual(verifier(request({ authorization: 'Bearer old-token' })), { ok: true });
  assert.deepEqual(verifier(request({ 'x-webhook-token': 'new-token' })), { ok: true });
  assertFails(verifier(request({ authorization: 'Bearer third-token' })), /^token does not match any of 2 configured tokens$/, 'old-token', 'new-token', 'third-token');
});

test('token: non-ASCII tokens compare as bytes; a repeated header uses its first value', () => {
  const verifier = createTokenVerifier(['senha-João']);
  assert.deepEqual(verifier(request({ 'x-webhook-token': 'senha-João' })), { ok: true });
  assert.equal(verifier(request({ 'x-webhook-token': 'senha-Joao' })).ok, false);
  assert.deepEqual(verifier(request({ 'x-webhook-token': ['senha-João', 'x'] })), { ok: true });
  assert.equal(verifier(request({ 'x-webhook-token': ['x', 'senha-João'] })).ok, false);
});

test('token: the token does not cover the body (documented limit)', () => {
  const tampered = Buffer.from(RAW);
  tampered.writeUInt8(tampered.readUInt8(3) ^ 0x01, 3);
  assert.deepEqual(createTokenVerifier([TOKEN])(request({ 'x-webhook-token': TOKEN }, tampered)), { ok: true });
});

test('token: an empty token list or an empty token is refused at load', () => {
  assert.deepEqual(checkTokens([TOKEN]), []);
  assert.equal(checkTokens([]).length, 1);
  assert.equal(checkTokens([TOKEN, '']).length, 1);
  assert.throws(() => createTokenVerifier(['']), (e: unknown) => isHookrouteError(e, 'HR_CONFIG_INVALID'));
});
