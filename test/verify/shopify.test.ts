// No Shopify sender library is installed, so the header is computed here with node:crypto from
// Shopify's documented recipe, independently of the code under test:
//   X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(key = app client secret, message = raw body bytes))
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https ("Validate the origin of your webhook")

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import jsonata from 'jsonata';
import { isHookrouteError } from '../../src/errors.js';
import { shopify } from '../../src/verify/shopify.js';
import type { SchemeOptions, VerifyRequest, VerifyResult } from '../../src/verify/types.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const SECRET = 'shpss_0123456789abcdef';
const BODY = '{"id":820982911946154508,"email":"joão@example.com","note":"entrega em São Paulo"}';
const RAW = Buffer.from(BODY, 'utf8');
const HEADER = 'x-shopify-hmac-sha256';

/** Shopify's recipe, written from its docs (not from src/verify). */
const shopifySign = (secret: string, raw: Buffer): string => createHmac('sha256', secret).update(raw).digest('base64');

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

test('shopify: a body signed with the documented recipe verifies', () => {
  assert.deepEqual(shopify.create(options([SECRET]))(request(RAW, { [HEADER]: shopifySign(SECRET, RAW) })), { ok: true });
});

test('shopify: one byte of the body changed fails', () => {
  const signature = shopifySign(SECRET, RAW);
  const tampered = Buffer.from(RAW);
  tampered.writeUInt8(tampered.readUInt8(7) ^ 0x01, 7);
  assertFails(shopify.create(options([SECRET]))(request(tampered, { [HEADER]: signature })), /^signature does not match the secret$/, SECRET, signature);
});

test('shopify: one character of the signature flipped fails', () => {
  const signature = shopifySign(SECRET, RAW);
  assertFails(shopify.create(options([SECRET]))(request(RAW, { [HEADER]: flipChar(signature, 10) })), /does not match/, SECRET, signature);
});

test('shopify: a signature made with another secret fails', () => {
  const result = shopify.create(options([SECRET]))(request(RAW, { [HEADER]: shopifySign('other', RAW) }));
  assertFails(result, /does not match/, SECRET, shopifySign(SECRET, RAW));
});

test('shopify: a missing header fails with its name; a hex or garbage value is malformed', () => {
  const verifier = shopify.create(options([SECRET]));
  assertFails(verifier(request(RAW, { 'x-shopify-topic': 'orders/create' })), /^missing header x-shopify-hmac-sha256$/);
  const hex = createHmac('sha256', SECRET).update(RAW).digest('hex');
  assertFails(verifier(request(RAW, { [HEADER]: hex })), /does not match/); // hex digits are base64 too, but never equal
  assertFails(verifier(request(RAW, { [HEADER]: 'not base64!' })), /^malformed x-shopify-hmac-sha256 header/);
});

test('shopify: rotated secrets: either of [old, new] passes, a third fails', () => {
  const verifier = shopify.create(options(['old-secret', 'new-secret']));
  assert.deepEqual(verifier(request(RAW, { [HEADER]: shopifySign('old-secret', RAW) })), { ok: true });
  assert.deepEqual(verifier(request(RAW, { [HEADER]: shopifySign('new-secret', RAW) })), { ok: true });
  assertFails(verifier(request(RAW, { [HEADER]: shopifySign('third-secret', RAW) })), /^signature does not match any of 2 secrets$/, 'old-secret', 'new-secret');
});

test('shopify: non-ASCII bodies are verified over the raw bytes', () => {
  const verifier = shopify.create(options([SECRET]));
  const signature = shopifySign(SECRET, RAW);
  assert.deepEqual(verifier(request(Buffer.from(BODY, 'utf8'), { [HEADER]: signature })), { ok: true });
  assertFails(verifier(request(Buffer.from(BODY, 'latin1'), { [HEADER]: signature })), /does not match/);
});

test("shopify: the envelope reads Shopify's delivery headers", async () => {
  const preset = shopify.envelope;
  assert.ok(preset);
  const headers = { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' };
  const bindings = { body: JSON.parse(BODY) as unknown, headers, query: {} };
  assert.equal(await jsonata(preset.event).evaluate({}, bindings), 'orders/create');
  assert.equal(await jsonata(preset.id ?? '').evaluate({}, bindings), headers['x-shopify-webhook-id']);
  assert.deepEqual(await jsonata(preset.data).evaluate({}, bindings), JSON.parse(BODY));
});

test('shopify: check() reports bad options and create() refuses them', () => {
  assert.deepEqual(shopify.check(options([SECRET])), []);
  assert.equal(shopify.check({ ...options([SECRET]), encoding: 'hex' }).length, 1);
  assert.throws(() => shopify.create(options([])), (e: unknown) => isHookrouteError(e, 'HR_CONFIG_INVALID'));
});
