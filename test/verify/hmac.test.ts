// The generic scheme, exercised with the recipes of real senders that have no preset. No sender
// library is installed, so each header is computed here with node:crypto from the sender's docs,
// independently of the code under test:
// - Typeform: `Typeform-Signature: sha256=` + base64(HMAC-SHA256(secret, raw body))
//   https://www.typeform.com/developers/webhooks/secure-your-webhooks/
// - Paystack: `x-paystack-signature:` hex(HMAC-SHA512(secret key, raw body))
//   https://paystack.com/docs/payments/webhooks/#verify-event-origin
// - GitHub's legacy header: `X-Hub-Signature: sha1=` + hex(HMAC-SHA1(secret, raw body))
//   https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
// - Linear: `Linear-Signature:` hex(HMAC-SHA256(signing secret, raw body))
//   https://linear.app/developers/webhooks#securing-webhooks

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { isHookrouteError } from '../../src/errors.js';
import { hmac } from '../../src/verify/hmac.js';
import type { SchemeOptions, VerifyRequest, VerifyResult } from '../../src/verify/types.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const SECRET = 'generic-secret-0123456789';
const BODY = '{"event_type":"form_response","form_response":{"answers":[{"text":"João"}]}}';
const RAW = Buffer.from(BODY, 'utf8');

const typeform = (secret: string, raw: Buffer): string => `sha256=${createHmac('sha256', secret).update(raw).digest('base64')}`;
const paystack = (secret: string, raw: Buffer): string => createHmac('sha512', secret).update(raw).digest('hex');
const githubSha1 = (secret: string, raw: Buffer): string => `sha1=${createHmac('sha1', secret).update(raw).digest('hex')}`;
const linear = (secret: string, raw: Buffer): string => createHmac('sha256', secret).update(raw).digest('hex');

const TYPEFORM: Omit<SchemeOptions, 'secrets'> = { toleranceMs: 300_000, header: 'Typeform-Signature', encoding: 'base64', prefix: 'sha256=' };
const PAYSTACK: Omit<SchemeOptions, 'secrets'> = { toleranceMs: 300_000, header: 'x-paystack-signature', algorithm: 'sha512' };
const GITHUB_SHA1: Omit<SchemeOptions, 'secrets'> = { toleranceMs: 300_000, header: 'x-hub-signature', algorithm: 'sha1', encoding: 'hex', prefix: 'sha1=' };
const LINEAR: Omit<SchemeOptions, 'secrets'> = { toleranceMs: 300_000, header: 'linear-signature' };

const request = (rawBody: Buffer, headers: VerifyRequest['headers']): VerifyRequest => ({ rawBody, headers, now: NOW });

function assertFails(result: VerifyResult, reason: RegExp, ...forbidden: string[]): void {
  assert.ok(!result.ok, 'expected the request to be refused');
  assert.match(result.reason, reason);
  for (const text of forbidden) assert.ok(!result.reason.includes(text), 'the reason leaks a secret or signature');
}

function flipChar(text: string, index: number): string {
  return text.slice(0, index) + (text[index] === 'a' ? 'b' : 'a') + text.slice(index + 1);
}

function flipByte(buf: Buffer, index: number): Buffer {
  const copy = Buffer.from(buf);
  copy.writeUInt8(copy.readUInt8(index) ^ 0x01, index);
  return copy;
}

const CASES = [
  { name: 'typeform (sha256, base64, prefix)', options: TYPEFORM, header: 'typeform-signature', sign: typeform },
  { name: 'paystack (sha512, hex)', options: PAYSTACK, header: 'x-paystack-signature', sign: paystack },
  { name: 'github legacy (sha1, hex, prefix)', options: GITHUB_SHA1, header: 'x-hub-signature', sign: githubSha1 },
  { name: 'linear (defaults: sha256, hex)', options: LINEAR, header: 'linear-signature', sign: linear },
] as const;

for (const c of CASES) {
  const verifierFor = (secrets: string[]) => hmac.create({ ...c.options, secrets });

  test(`hmac ${c.name}: valid; changed body, flipped signature and wrong secret fail`, () => {
    const verifier = verifierFor([SECRET]);
    const signature = c.sign(SECRET, RAW);
    assert.deepEqual(verifier(request(RAW, { [c.header]: signature })), { ok: true });
    assertFails(verifier(request(flipByte(RAW, 4), { [c.header]: signature })), /^signature does not match the secret$/, SECRET, signature);
    assertFails(verifier(request(RAW, { [c.header]: flipChar(signature, signature.length - 12) })), /does not match/, SECRET, signature);
    assertFails(verifier(request(RAW, { [c.header]: c.sign('wrong-secret', RAW) })), /does not match/, SECRET, 'wrong-secret', signature);
  });

  test(`hmac ${c.name}: missing header fails with its (lower-cased) name`, () => {
    assertFails(verifierFor([SECRET])(request(RAW, {})), new RegExp(`^missing header ${c.header}$`));
  });

  test(`hmac ${c.name}: rotated secrets: either of [old, new] passes, a third fails`, () => {
    const verifier = verifierFor(['old-secret', 'new-secret']);
    assert.deepEqual(verifier(request(RAW, { [c.header]: c.sign('old-secret', RAW) })), { ok: true });
    assert.deepEqual(verifier(request(RAW, { [c.header]: c.sign('new-secret', RAW) })), { ok: true });
    assertFails(verifier(request(RAW, { [c.header]: c.sign('third-secret', RAW) })), /^signature does not match any of 2 secrets$/, 'old-secret', 'new-secret');
  });

  test(`hmac ${c.name}: non-ASCII bodies are verified over the raw bytes`, () => {
    const verifier = verifierFor([SECRET]);
    const signature = c.sign(SECRET, RAW);
    assert.deepEqual(verifier(request(Buffer.from(BODY, 'utf8'), { [c.header]: signature })), { ok: true });
    assertFails(verifier(request(Buffer.from(BODY, 'latin1'), { [c.header]: signature })), /does not match/);
  });
}

test('hmac: a value without the expected prefix fails, even if the rest is right', () => {
  const verifier = hmac.create({ ...GITHUB_SHA1, secrets: [SECRET] });
  const signature = githubSha1(SECRET, RAW);
  assertFails(verifier(request(RAW, { 'x-hub-signature': signature.slice('sha1='.length) })), /^malformed x-hub-signature header \(expected sha1=<hex>\)$/);
  assertFails(verifier(request(RAW, { 'x-hub-signature': `SHA1=${signature.slice(5)}` })), /^malformed/);
});

test('hmac: hex is compared case-insensitively, base64 as sent', () => {
  const hexVerifier = hmac.create({ ...LINEAR, secrets: [SECRET] });
  assert.deepEqual(hexVerifier(request(RAW, { 'linear-signature': linear(SECRET, RAW).toUpperCase() })), { ok: true });
  assertFails(hexVerifier(request(RAW, { 'linear-signature': 'xyz' })), /^malformed linear-signature header/);
  const b64Verifier = hmac.create({ ...TYPEFORM, secrets: [SECRET] });
  const signature = typeform(SECRET, RAW);
  assertFails(b64Verifier(request(RAW, { 'typeform-signature': `sha256=${signature.slice(7).toLowerCase()}` })), /does not match/); // still base64, other bytes
  assertFails(b64Verifier(request(RAW, { 'typeform-signature': 'sha256=%%%' })), /^malformed typeform-signature header \(expected sha256=<base64>\)$/);
});

test('hmac: check() names each bad option; create() refuses them', () => {
  assert.deepEqual(hmac.check({ ...LINEAR, secrets: [SECRET] }), []);
  assert.match(hmac.check({ toleranceMs: 1, secrets: [SECRET] }).join('\n'), /hmac needs `header`/);
  assert.match(hmac.check({ ...LINEAR, secrets: [SECRET], algorithm: 'md5' }).join('\n'), /`algorithm` "md5" is not supported \(use sha256, sha1, sha512\)/);
  assert.match(hmac.check({ ...LINEAR, secrets: [SECRET], header: 'bad header' }).join('\n'), /not a valid header name/);
  const badEncoding = { ...LINEAR, secrets: [SECRET], encoding: 'latin1' } as unknown as SchemeOptions;
  assert.match(hmac.check(badEncoding).join('\n'), /`encoding` "latin1" is not supported/);
  assert.equal(hmac.check({ ...LINEAR, secrets: [] }).length, 1);
  assert.throws(() => hmac.create({ toleranceMs: 1, secrets: [SECRET] }), (e: unknown) => isHookrouteError(e, 'HR_CONFIG_INVALID'));
  assert.equal(hmac.envelope, undefined);
});
