import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET_HEADERS, withoutSecrets } from '../../src/verify/redact-headers.js';

test('withoutSecrets: drops credential and signature headers, keeps the rest, leaves the input alone', () => {
  const headers = {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-hub-signature-256': 'sha256=abc',
    authorization: 'Bearer t',
    cookie: 'a=b',
    'stripe-signature': 't=1,v1=abc',
    'webhook-signature': 'v1,abc',
    'x-forwarded-for': ['1.2.3.4', '5.6.7.8'],
  };
  const copy = withoutSecrets(headers);
  assert.deepEqual(copy, {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-forwarded-for': ['1.2.3.4', '5.6.7.8'],
  });
  assert.equal(headers.authorization, 'Bearer t');
  assert.notEqual(copy, headers);
});

test("withoutSecrets: `extra` drops an hmac endpoint's own header, whatever its case", () => {
  const copy = withoutSecrets({ 'x-paystack-signature': 'f00', 'x-other': '1', 'X-Webhook-Token': 't' }, ['X-Paystack-Signature']);
  assert.deepEqual(copy, { 'x-other': '1' });
});

test('SECRET_HEADERS: holds every header the design names', () => {
  for (const name of [
    'authorization', 'x-webhook-token', 'x-hub-signature', 'x-hub-signature-256', 'x-gitlab-token', 'stripe-signature',
    'x-slack-signature', 'x-shopify-hmac-sha256', 'webhook-signature', 'cookie', 'proxy-authorization',
  ]) {
    assert.ok(SECRET_HEADERS.has(name), name);
  }
});
