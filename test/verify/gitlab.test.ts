// GitLab sends the webhook's secret token verbatim in X-Gitlab-Token; there is no sender library
// installed, and nothing to compute: the header is the token as configured in GitLab.
// https://docs.gitlab.com/ee/user/project/integrations/webhooks.html#validate-payloads-by-using-a-secret-token

import { test } from 'node:test';
import assert from 'node:assert/strict';
import jsonata from 'jsonata';
import { isHookrouteError } from '../../src/errors.js';
import { gitlab } from '../../src/verify/gitlab.js';
import type { SchemeOptions, VerifyRequest, VerifyResult } from '../../src/verify/types.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const TOKEN = 'gitlab-token-0123456789';
const BODY = '{"object_kind":"push","user_name":"João","ref":"refs/heads/main"}';
const RAW = Buffer.from(BODY, 'utf8');
const HEADER = 'x-gitlab-token';

const options = (secrets: string[]): SchemeOptions => ({ secrets, toleranceMs: 300_000 });
const request = (rawBody: Buffer, headers: VerifyRequest['headers']): VerifyRequest => ({ rawBody, headers, now: NOW });

function assertFails(result: VerifyResult, reason: RegExp, ...forbidden: string[]): void {
  assert.ok(!result.ok, 'expected the request to be refused');
  assert.match(result.reason, reason);
  for (const text of forbidden) assert.ok(!result.reason.includes(text), 'the reason leaks a secret');
}

function flipChar(text: string, index: number): string {
  return text.slice(0, index) + (text[index] === 'a' ? 'b' : 'a') + text.slice(index + 1);
}

test('gitlab: the configured token verifies', () => {
  assert.deepEqual(gitlab.create(options([TOKEN]))(request(RAW, { [HEADER]: TOKEN })), { ok: true });
});

test('gitlab: the token does not cover the body, so a changed body still passes (documented limit)', () => {
  // GitLab's token authenticates the sender, not the content; integrity comes from TLS.
  const tampered = Buffer.from(RAW);
  tampered.writeUInt8(tampered.readUInt8(5) ^ 0x01, 5);
  assert.deepEqual(gitlab.create(options([TOKEN]))(request(tampered, { [HEADER]: TOKEN })), { ok: true });
});

test('gitlab: one character of the token flipped fails', () => {
  const result = gitlab.create(options([TOKEN]))(request(RAW, { [HEADER]: flipChar(TOKEN, 3) }));
  assertFails(result, /^token does not match the secret$/, TOKEN);
});

test('gitlab: a wrong token, a prefix of the token and a longer token fail', () => {
  const verifier = gitlab.create(options([TOKEN]));
  for (const token of ['wrong-token', TOKEN.slice(0, -1), `${TOKEN}x`, ` ${TOKEN}`]) {
    assertFails(verifier(request(RAW, { [HEADER]: token })), /does not match/, TOKEN, token.trim());
  }
});

test('gitlab: a missing or empty token header fails with its name', () => {
  const verifier = gitlab.create(options([TOKEN]));
  assertFails(verifier(request(RAW, {})), /^missing header x-gitlab-token$/);
  assertFails(verifier(request(RAW, { [HEADER]: '' })), /^missing header x-gitlab-token$/);
});

test('gitlab: rotated secrets: either of [old, new] passes, a third fails', () => {
  const verifier = gitlab.create(options(['old-token', 'new-token']));
  assert.deepEqual(verifier(request(RAW, { [HEADER]: 'old-token' })), { ok: true });
  assert.deepEqual(verifier(request(RAW, { [HEADER]: 'new-token' })), { ok: true });
  assertFails(verifier(request(RAW, { [HEADER]: 'third-token' })), /^token does not match any of 2 secrets$/, 'old-token', 'new-token', 'third-token');
});

test('gitlab: non-ASCII body and token are compared as bytes', () => {
  const verifier = gitlab.create(options(['senha-de-João']));
  assert.deepEqual(verifier(request(RAW, { [HEADER]: 'senha-de-João' })), { ok: true });
  assert.equal(verifier(request(RAW, { [HEADER]: 'senha-de-Joao' })).ok, false);
});

test('gitlab: a repeated header uses its first value', () => {
  const verifier = gitlab.create(options([TOKEN]));
  assert.deepEqual(verifier(request(RAW, { [HEADER]: [TOKEN, 'x'] })), { ok: true });
  assert.equal(verifier(request(RAW, { [HEADER]: ['x', TOKEN] })).ok, false);
});

test("gitlab: the envelope reads GitLab's delivery headers", async () => {
  // https://docs.gitlab.com/ee/user/project/integrations/webhook_events.html
  const preset = gitlab.envelope;
  assert.ok(preset);
  const headers = { 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e' };
  const bindings = { body: JSON.parse(BODY) as unknown, headers, query: {} };
  assert.equal(await jsonata(preset.event).evaluate({}, bindings), 'Push Hook');
  assert.equal(await jsonata(preset.id ?? '').evaluate({}, bindings), headers['x-gitlab-event-uuid']);
  assert.deepEqual(await jsonata(preset.data).evaluate({}, bindings), JSON.parse(BODY));
});

test('gitlab: check() reports bad options and create() refuses them', () => {
  assert.deepEqual(gitlab.check(options([TOKEN])), []);
  assert.equal(gitlab.check(options([])).length, 1);
  assert.equal(gitlab.check({ ...options([TOKEN]), prefix: 'x' }).length, 1);
  assert.throws(() => gitlab.create(options([''])), (e: unknown) => isHookrouteError(e, 'HR_CONFIG_INVALID'));
});
