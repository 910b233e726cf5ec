// Stripe-Signature headers are made by Stripe's own library: stripe.webhooks.generateTestHeaderString
// (no network is used). https://docs.stripe.com/webhooks#verify-manually

import { test } from 'node:test';
import assert from 'node:assert/strict';
import jsonata from 'jsonata';
import Stripe from 'stripe';
import { isHookrouteError } from '../../src/errors.js';
import { stripe as stripeScheme } from '../../src/verify/stripe.js';
import type { SchemeOptions, VerifyRequest, VerifyResult } from '../../src/verify/types.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const NOW_S = NOW / 1000;
const SECRET = 'whsec_stripe0123456789';
const BODY = '{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"customer.created","data":{"object":{"name":"João"}}}';
const RAW = Buffer.from(BODY, 'utf8');
const HEADER = 'stripe-signature';
const client = new Stripe('sk_test_x');

const sign = (secret: string, timestamp = NOW_S, payload = BODY): string =>
  client.webhooks.generateTestHeaderString({ payload, secret, timestamp });
const v1Of = (header: string): string => header.split(',').find((p) => p.startsWith('v1='))?.slice(3) ?? '';

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

test('stripe: a header made by the stripe library verifies', () => {
  assert.deepEqual(stripeScheme.create(options([SECRET]))(request(RAW, { [HEADER]: sign(SECRET) })), { ok: true });
});

test('stripe: one byte of the body changed fails', () => {
  const header = sign(SECRET);
  const tampered = Buffer.from(RAW);
  tampered.writeUInt8(tampered.readUInt8(10) ^ 0x01, 10);
  assertFails(stripeScheme.create(options([SECRET]))(request(tampered, { [HEADER]: header })), /^signature does not match the secret$/, SECRET, v1Of(header));
});

test('stripe: one character of the signature flipped fails', () => {
  const header = sign(SECRET);
  const flipped = header.replace(/v1=([0-9a-f]+)/, (_, hex: string) => `v1=${flipChar(hex, 12)}`);
  assert.notEqual(flipped, header);
  assertFails(stripeScheme.create(options([SECRET]))(request(RAW, { [HEADER]: flipped })), /does not match/, SECRET, v1Of(header));
});

test('stripe: the signed timestamp cannot be changed without breaking the signature', () => {
  const header = sign(SECRET, NOW_S - 1000);
  const moved = header.replace(/^t=\d+/, `t=${NOW_S}`);
  assertFails(stripeScheme.create(options([SECRET]))(request(RAW, { [HEADER]: moved })), /does not match/);
});

test('stripe: a header signed with another secret fails', () => {
  const result = stripeScheme.create(options([SECRET]))(request(RAW, { [HEADER]: sign('whsec_other') }));
  assertFails(result, /does not match/, SECRET, 'whsec_other', v1Of(sign(SECRET)));
});

test('stripe: a missing header fails with its name; malformed headers fail, never throw', () => {
  const verifier = stripeScheme.create(options([SECRET]));
  assertFails(verifier(request(RAW, {})), /^missing header stripe-signature$/);
  const v1 = v1Of(sign(SECRET));
  for (const value of [`v1=${v1}`, `t=${NOW_S}`, `t=abc,v1=${v1}`, `t=${NOW_S},v1=xyz`, `t=1,t=2,v1=${v1}`, 'garbage', ',,,']) {
    assertFails(verifier(request(RAW, { [HEADER]: value })), /^malformed stripe-signature header/, v1);
  }
});

test('stripe: a stale timestamp and a future one beyond tolerance fail; within tolerance passes', () => {
  const verifier = stripeScheme.create(options([SECRET]));
  assertFails(verifier(request(RAW, { [HEADER]: sign(SECRET, NOW_S - 412) })), new RegExp(`^timestamp ${NOW_S - 412} is 412s old \\(tolerance 300s\\)$`));
  assertFails(verifier(request(RAW, { [HEADER]: sign(SECRET, NOW_S + 301) })), /is 301s in the future \(tolerance 300s\)$/);
  assert.deepEqual(verifier(request(RAW, { [HEADER]: sign(SECRET, NOW_S - 299) })), { ok: true });
  assert.deepEqual(verifier(request(RAW, { [HEADER]: sign(SECRET, NOW_S + 299) })), { ok: true });
});

test('stripe: rotated secrets: either of [old, new] passes, a third fails', () => {
  const verifier = stripeScheme.create(options(['whsec_old', 'whsec_new']));
  assert.deepEqual(verifier(request(RAW, { [HEADER]: sign('whsec_old') })), { ok: true });
  assert.deepEqual(verifier(request(RAW, { [HEADER]: sign('whsec_new') })), { ok: true });
  assertFails(verifier(request(RAW, { [HEADER]: sign('whsec_third') })), /^signature does not match any of 2 secrets$/, 'whsec_old', 'whsec_new');
});

test("stripe: any of several v1 signatures may match (Stripe's own secret roll)", () => {
  const verifier = stripeScheme.create(options([SECRET]));
  const header = `t=${NOW_S},v1=${v1Of(sign('whsec_previous'))},v1=${v1Of(sign(SECRET))},v0=ignored`;
  assert.deepEqual(verifier(request(RAW, { [HEADER]: header })), { ok: true });
  const none = `t=${NOW_S},v1=${v1Of(sign('whsec_a'))},v1=${v1Of(sign('whsec_b'))}`;
  assertFails(verifier(request(RAW, { [HEADER]: none })), /does not match/);
});

test('stripe: non-ASCII bodies are verified over the raw bytes', () => {
  const verifier = stripeScheme.create(options([SECRET]));
  const header = sign(SECRET);
  assert.deepEqual(verifier(request(Buffer.from(BODY, 'utf8'), { [HEADER]: header })), { ok: true });
  assertFails(verifier(request(Buffer.from(BODY, 'latin1'), { [HEADER]: header })), /does not match/);
});

test("stripe: the envelope reads the Event's type, id and the whole body", async () => {
  const preset = stripeScheme.envelope;
  assert.ok(preset);
  const bindings = { body: JSON.parse(BODY) as unknown, headers: {}, query: {} };
  assert.equal(await jsonata(preset.event).evaluate({}, bindings), 'customer.created');
  assert.equal(await jsonata(preset.id ?? '').evaluate({}, bindings), 'evt_1NG8Du2eZvKYlo2CUI79vXWy');
  assert.deepEqual(await jsonata(preset.data).evaluate({}, bindings), JSON.parse(BODY));
});

test('stripe: check() reports bad options and create() refuses them', () => {
  assert.deepEqual(stripeScheme.check(options([SECRET])), []);
  assert.equal(stripeScheme.check({ secrets: [SECRET], toleranceMs: 0 }).length, 1);
  assert.equal(stripeScheme.check({ ...options([SECRET]), algorithm: 'sha1' }).length, 1);
  assert.throws(() => stripeScheme.create(options([])), (e: unknown) => isHookrouteError(e, 'HR_CONFIG_INVALID'));
});
