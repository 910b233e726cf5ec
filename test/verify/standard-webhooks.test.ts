// Signatures are made by the reference library, `standardwebhooks` (Webhook#sign), never by the
// code under test. https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md

import { test } from 'node:test';
import assert from 'node:assert/strict';
import jsonata from 'jsonata';
import { Webhook } from 'standardwebhooks';
import { isHookrouteError } from '../../src/errors.js';
import { standardWebhooks } from '../../src/verify/standard-webhooks.js';
import type { SchemeOptions, VerifyRequest, VerifyResult } from '../../src/verify/types.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const NOW_S = NOW / 1000;
const key = (label: string): string => `whsec_${Buffer.from(label.padEnd(24, '.')).toString('base64')}`;
const SECRET = key('current signing key');
const OLD = key('old signing key');
const NEW = key('new signing key');
const THIRD = key('third signing key');
const MSG_ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
const BODY = '{"type":"user.created","timestamp":"2024-05-01T12:00:00Z","data":{"name":"João","city":"São Paulo"}}';
const RAW = Buffer.from(BODY, 'utf8');

function headersFor(secret: string, seconds: number = NOW_S, id = MSG_ID, payload: string | Buffer = BODY): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': new Webhook(secret).sign(id, new Date(seconds * 1000), payload),
  };
}
const sigOf = (headers: Record<string, string>): string => headers['webhook-signature'] ?? '';

const options = (secrets: string[]): SchemeOptions => ({ secrets, toleranceMs: 300_000 });
const request = (rawBody: Buffer, headers: VerifyRequest['headers']): VerifyRequest => ({ rawBody, headers, now: NOW });

function assertFails(result: VerifyResult, reason: RegExp, ...forbidden: string[]): void {
  assert.ok(!result.ok, 'expected the request to be refused');
  assert.match(result.reason, reason);
  for (const text of forbidden) assert.ok(!result.reason.includes(text), 'the reason leaks a secret or signature');
}

function flipChar(text: string, index: number): string {
  return text.slice(0, index) + (text[index] === 'a' ? 'b' : 'a') + text.slice(index + 1);
}

test('standard-webhooks: a message signed by the standardwebhooks library verifies', () => {
  assert.deepEqual(standardWebhooks.create(options([SECRET]))(request(RAW, headersFor(SECRET))), { ok: true });
});

test('standard-webhooks: a secret without the whsec_ prefix is base64 too', () => {
  const bare = SECRET.slice('whsec_'.length);
  assert.deepEqual(standardWebhooks.create(options([bare]))(request(RAW, headersFor(SECRET))), { ok: true });
});

test('standard-webhooks: one byte of the body changed fails', () => {
  const headers = headersFor(SECRET);
  const tampered = Buffer.from(RAW);
  tampered.writeUInt8(tampered.readUInt8(9) ^ 0x01, 9);
  assertFails(standardWebhooks.create(options([SECRET]))(request(tampered, headers)), /^signature does not match the secret$/, SECRET, sigOf(headers).slice(3));
});

test('standard-webhooks: one character of the signature flipped fails', () => {
  const headers = headersFor(SECRET);
  const result = standardWebhooks.create(options([SECRET]))(request(RAW, { ...headers, 'webhook-signature': flipChar(sigOf(headers), 10) }));
  assertFails(result, /does not match/, SECRET, sigOf(headers).slice(3));
});

test('standard-webhooks: the signed id and timestamp cannot be changed', () => {
  const verifier = standardWebhooks.create(options([SECRET]));
  const headers = headersFor(SECRET, NOW_S - 100);
  assertFails(verifier(request(RAW, { ...headers, 'webhook-id': 'msg_other' })), /does not match/);
  assertFails(verifier(request(RAW, { ...headers, 'webhook-timestamp': String(NOW_S) })), /does not match/);
});

test('standard-webhooks: a signature made with another secret fails', () => {
  const result = standardWebhooks.create(options([SECRET]))(request(RAW, headersFor(THIRD)));
  assertFails(result, /does not match/, SECRET, SECRET.slice(6), sigOf(headersFor(SECRET)).slice(3));
});

test('standard-webhooks: each missing header fails with its name; malformed ones fail, never throw', () => {
  const verifier = standardWebhooks.create(options([SECRET]));
  const headers = headersFor(SECRET);
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const without = { ...headers, [name]: undefined };
    assertFails(verifier(request(RAW, without)), new RegExp(`^missing header ${name}$`));
  }
  assertFails(verifier(request(RAW, { ...headers, 'webhook-timestamp': '2024-05-01' })), /^malformed webhook-timestamp header/);
  assertFails(verifier(request(RAW, { ...headers, 'webhook-signature': sigOf(headers).slice(3) })), /^malformed webhook-signature header/);
  assertFails(verifier(request(RAW, { ...headers, 'webhook-signature': 'v1,not base64!' })), /^malformed webhook-signature header/);
  // Only an asymmetric (v1a) signature: nothing this scheme can check.
  assertFails(verifier(request(RAW, { ...headers, 'webhook-signature': `v1a,${sigOf(headers).slice(3)}` })), /^malformed webhook-signature header/);
});

test('standard-webhooks: a stale timestamp and a future one beyond tolerance fail; within tolerance passes', () => {
  const verifier = standardWebhooks.create(options([SECRET]));
  assertFails(verifier(request(RAW, headersFor(SECRET, NOW_S - 412))), new RegExp(`^timestamp ${NOW_S - 412} is 412s old \\(tolerance 300s\\)$`));
  assertFails(verifier(request(RAW, headersFor(SECRET, NOW_S + 600))), /is 600s in the future \(tolerance 300s\)$/);
  assert.deepEqual(verifier(request(RAW, headersFor(SECRET, NOW_S + 250))), { ok: true });
});

test('standard-webhooks: rotated secrets: either of [old, new] passes, a third fails', () => {
  const verifier = standardWebhooks.create(options([OLD, NEW]));
  assert.deepEqual(verifier(request(RAW, headersFor(OLD))), { ok: true });
  assert.deepEqual(verifier(request(RAW, headersFor(NEW))), { ok: true });
  assertFails(verifier(request(RAW, headersFor(THIRD))), /^signature does not match any of 2 secrets$/, OLD, NEW, OLD.slice(6), NEW.slice(6));
});

test("standard-webhooks: several signatures in the header (the sender's own rotation): any one may match", () => {
  const verifier = standardWebhooks.create(options([SECRET]));
  const both = `${sigOf(headersFor(OLD))} ${sigOf(headersFor(SECRET))}`;
  assert.deepEqual(verifier(request(RAW, { ...headersFor(SECRET), 'webhook-signature': both })), { ok: true });
  const neither = `${sigOf(headersFor(OLD))} ${sigOf(headersFor(THIRD))}`;
  assertFails(verifier(request(RAW, { ...headersFor(SECRET), 'webhook-signature': neither })), /does not match/);
});

test('standard-webhooks: non-ASCII bodies are verified over the raw bytes', () => {
  const verifier = standardWebhooks.create(options([SECRET]));
  const headers = headersFor(SECRET);
  assert.deepEqual(verifier(request(Buffer.from(BODY, 'utf8'), headers)), { ok: true });
  assertFails(verifier(request(Buffer.from(BODY, 'latin1'), headers)), /does not match/);
  // The library agrees that these are the bytes it signed.
  assert.doesNotThrow(() => new Webhook(SECRET).verify(RAW, { ...headersFor(SECRET, Math.floor(Date.now() / 1000)) }));
});

test('standard-webhooks: the envelope reads type, webhook-id and data', async () => {
  const preset = standardWebhooks.envelope;
  assert.ok(preset);
  const bindings = { body: JSON.parse(BODY) as unknown, headers: headersFor(SECRET), query: {} };
  assert.equal(await jsonata(preset.event).evaluate({}, bindings), 'user.created');
  assert.equal(await jsonata(preset.id ?? '').evaluate({}, bindings), MSG_ID);
  assert.deepEqual(await jsonata(preset.data).evaluate({}, bindings), { name: 'João', city: 'São Paulo' });
});

test('standard-webhooks: check() reports bad options without quoting the secret; create() refuses them', () => {
  assert.deepEqual(standardWebhooks.check(options([SECRET])), []);
  const problems = standardWebhooks.check(options(['whsec_not*base64', 'whsec_']));
  assert.equal(problems.length, 2);
  for (const p of problems) assert.ok(!p.includes('not*base64'), 'a problem quotes the secret');
  assert.throws(() => standardWebhooks.create(options(['whsec_not*base64'])), (e: unknown) => isHookrouteError(e, 'HR_CONFIG_INVALID'));
});
