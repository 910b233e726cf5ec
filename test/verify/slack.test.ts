// No Slack sender library is installed, so signatures are computed here with node:crypto from
// Slack's documented recipe, independently of the code under test:
//   basestring = "v0:" + X-Slack-Request-Timestamp + ":" + raw body bytes
//   X-Slack-Signature = "v0=" + hex(HMAC-SHA256(key = signing secret, basestring))
// https://api.slack.com/authentication/verifying-requests-from-slack
// The recipe is itself checked against the worked example on that page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import jsonata from 'jsonata';
import { isHookrouteError } from '../../src/errors.js';
import { slack } from '../../src/verify/slack.js';
import type { SchemeOptions, VerifyRequest, VerifyResult } from '../../src/verify/types.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const NOW_S = NOW / 1000;
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const BODY = '{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"message","text":"Olá, João"}}';
const RAW = Buffer.from(BODY, 'utf8');
const SIG = 'x-slack-signature';
const TS = 'x-slack-request-timestamp';

/** Slack's recipe, written from its docs (not from src/verify). */
function slackSign(secret: string, timestamp: number | string, raw: Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(raw).digest('hex')}`;
}
const headersFor = (secret: string, timestamp: number = NOW_S, raw: Buffer = RAW): Record<string, string> => ({
  [SIG]: slackSign(secret, timestamp, raw),
  [TS]: String(timestamp),
});

const options = (secrets: string[]): SchemeOptions => ({ secrets, toleranceMs: 300_000 });
const request = (rawBody: Buffer, headers: VerifyRequest['headers'], now = NOW): VerifyRequest => ({ rawBody, headers, now });

function assertFails(result: VerifyResult, reason: RegExp, ...forbidden: string[]): void {
  assert.ok(!result.ok, 'expected the request to be refused');
  assert.match(result.reason, reason);
  for (const text of forbidden) assert.ok(!result.reason.includes(text), 'the reason leaks a secret or signature');
}

function flipChar(text: string, index: number): string {
  return text.slice(0, index) + (text[index] === 'a' ? 'b' : 'a') + text.slice(index + 1);
}

test("slack: the worked example from Slack's docs verifies (and the test's recipe reproduces it)", () => {
  const body = Buffer.from(
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  );
  const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  assert.equal(slackSign(SECRET, 1531420618, body), signature);
  const result = slack.create(options([SECRET]))(request(body, { [SIG]: signature, [TS]: '1531420618' }, 1531420618_000 + 10_000));
  assert.deepEqual(result, { ok: true });
});

test('slack: a body signed with the documented recipe verifies', () => {
  assert.deepEqual(slack.create(options([SECRET]))(request(RAW, headersFor(SECRET))), { ok: true });
});

test('slack: one byte of the body changed fails', () => {
  const headers = headersFor(SECRET);
  const tampered = Buffer.from(RAW);
  tampered.writeUInt8(tampered.readUInt8(3) ^ 0x01, 3);
  assertFails(slack.create(options([SECRET]))(request(tampered, headers)), /^signature does not match the secret$/, SECRET, headers[SIG]!.slice(3));
});

test('slack: one character of the signature flipped fails', () => {
  const headers = headersFor(SECRET);
  const result = slack.create(options([SECRET]))(request(RAW, { ...headers, [SIG]: flipChar(headers[SIG]!, 15) }));
  assertFails(result, /does not match/, SECRET, headers[SIG]!.slice(3));
});

test('slack: the signed timestamp cannot be changed without breaking the signature', () => {
  const headers = headersFor(SECRET, NOW_S - 1000);
  assertFails(slack.create(options([SECRET]))(request(RAW, { ...headers, [TS]: String(NOW_S) })), /does not match/);
});

test('slack: a signature made with another secret fails', () => {
  assertFails(slack.create(options([SECRET]))(request(RAW, headersFor('other-secret'))), /does not match/, SECRET, 'other-secret');
});

test('slack: missing headers fail with their names; malformed ones fail, never throw', () => {
  const verifier = slack.create(options([SECRET]));
  const headers = headersFor(SECRET);
  assertFails(verifier(request(RAW, { [TS]: headers[TS] })), /^missing header x-slack-signature$/);
  assertFails(verifier(request(RAW, { [SIG]: headers[SIG] })), /^missing header x-slack-request-timestamp$/);
  assertFails(verifier(request(RAW, { ...headers, [TS]: 'yesterday' })), /^malformed x-slack-request-timestamp header/);
  assertFails(verifier(request(RAW, { ...headers, [SIG]: headers[SIG]!.slice(3) })), /^malformed x-slack-signature header/);
  assertFails(verifier(request(RAW, { ...headers, [SIG]: 'v0=xyz' })), /^malformed x-slack-signature header/);
});

test('slack: a stale timestamp and a future one beyond tolerance fail; within tolerance passes', () => {
  const verifier = slack.create(options([SECRET]));
  assertFails(verifier(request(RAW, headersFor(SECRET, NOW_S - 412))), new RegExp(`^timestamp ${NOW_S - 412} is 412s old \\(tolerance 300s\\)$`));
  assertFails(verifier(request(RAW, headersFor(SECRET, NOW_S + 3600))), /is 3600s in the future \(tolerance 300s\)$/);
  assert.deepEqual(verifier(request(RAW, headersFor(SECRET, NOW_S - 300))), { ok: true });
  const strict = slack.create({ secrets: [SECRET], toleranceMs: 60_000 });
  assertFails(strict(request(RAW, headersFor(SECRET, NOW_S - 61))), /61s old \(tolerance 60s\)/);
});

test('slack: rotated secrets: either of [old, new] passes, a third fails', () => {
  const verifier = slack.create(options(['old-secret', 'new-secret']));
  assert.deepEqual(verifier(request(RAW, headersFor('old-secret'))), { ok: true });
  assert.deepEqual(verifier(request(RAW, headersFor('new-secret'))), { ok: true });
  assertFails(verifier(request(RAW, headersFor('third-secret'))), /^signature does not match any of 2 secrets$/, 'old-secret', 'new-secret');
});

test('slack: non-ASCII bodies are verified over the raw bytes', () => {
  const verifier = slack.create(options([SECRET]));
  const headers = headersFor(SECRET);
  assert.deepEqual(verifier(request(Buffer.from(BODY, 'utf8'), headers)), { ok: true });
  assertFails(verifier(request(Buffer.from(BODY, 'latin1'), headers)), /does not match/);
});

test('slack: the envelope fits the Events API (inner event.type, event_id)', async () => {
  const preset = slack.envelope;
  assert.ok(preset);
  const bindings = { body: JSON.parse(BODY) as unknown, headers: {}, query: {} };
  assert.equal(await jsonata(preset.event).evaluate({}, bindings), 'message');
  const outer = { body: { type: 'app_rate_limited', team_id: 'T1' }, headers: {}, query: {} };
  assert.equal(await jsonata(preset.event).evaluate({}, outer), 'app_rate_limited');
  assert.equal(await jsonata(preset.id ?? '').evaluate({}, bindings), 'Ev08MFMKH6');
  assert.deepEqual(await jsonata(preset.data).evaluate({}, bindings), JSON.parse(BODY));
});

test('slack: check() reports bad options and create() refuses them', () => {
  assert.deepEqual(slack.check(options([SECRET])), []);
  assert.equal(slack.check({ secrets: [SECRET], toleranceMs: Number.NaN }).length, 1);
  assert.throws(() => slack.create(options([])), (e: unknown) => isHookrouteError(e, 'HR_CONFIG_INVALID'));
});

test('slack: url_verification is answered with its challenge; other bodies are not handshakes', () => {
  assert.deepEqual(slack.handshake?.({ token: 'x', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' }), {
    challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
  });
  assert.equal(slack.handshake?.(JSON.parse(BODY)), undefined);
  assert.equal(slack.handshake?.(null), undefined);
});
