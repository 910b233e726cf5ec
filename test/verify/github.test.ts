// GitHub signatures are made by GitHub's own library, @octokit/webhooks-methods (`sign`), never
// by the code under test. https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { sign, verify } from '@octokit/webhooks-methods';
import jsonata from 'jsonata';
import { isHookrouteError } from '../../src/errors.js';
import { github } from '../../src/verify/github.js';
import type { SchemeOptions, VerifyRequest, VerifyResult } from '../../src/verify/types.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const SECRET = 'github-secret-0123456789';
const BODY = '{"action":"opened","sender":{"name":"João","city":"São Paulo"}}';
const RAW = Buffer.from(BODY, 'utf8');
const HEADER = 'x-hub-signature-256';

const options = (secrets: string[]): SchemeOptions => ({ secrets, toleranceMs: 300_000 });
const request = (rawBody: Buffer, headers: VerifyRequest['headers']): VerifyRequest => ({ rawBody, headers, now: NOW });

function assertFails(result: VerifyResult, reason: RegExp, ...forbidden: string[]): void {
  assert.ok(!result.ok, 'expected the request to be refused');
  assert.match(result.reason, reason);
  for (const text of forbidden) assert.ok(!result.reason.includes(text), 'the reason leaks a secret or signature');
}

function flipByte(buf: Buffer, index: number): Buffer {
  const copy = Buffer.from(buf);
  copy.writeUInt8(copy.readUInt8(index) ^ 0x01, index);
  return copy;
}

function flipChar(text: string, index: number): string {
  return text.slice(0, index) + (text[index] === 'a' ? 'b' : 'a') + text.slice(index + 1);
}

test('github: a body signed by @octokit/webhooks-methods verifies', async () => {
  const signature = await sign(SECRET, BODY);
  assert.deepEqual(github.create(options([SECRET]))(request(RAW, { [HEADER]: signature })), { ok: true });
});

test("github: the test vector from GitHub's docs verifies", () => {
  // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
  const verifier = github.create(options(["It's a Secret to Everybody"]));
  const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  assert.deepEqual(verifier(request(Buffer.from('Hello, World!'), { [HEADER]: signature })), { ok: true });
});

test('github: one byte of the body changed fails', async () => {
  const signature = await sign(SECRET, BODY);
  const result = github.create(options([SECRET]))(request(flipByte(RAW, 5), { [HEADER]: signature }));
  assertFails(result, /^signature does not match the secret$/, SECRET, signature.slice(7));
});

test('github: one character of the signature flipped fails', async () => {
  const signature = await sign(SECRET, BODY);
  const result = github.create(options([SECRET]))(request(RAW, { [HEADER]: flipChar(signature, 20) }));
  assertFails(result, /does not match/, SECRET, signature.slice(7));
});

test('github: a signature made with another secret fails, and the reason holds neither secret', async () => {
  const signature = await sign('another-secret', BODY);
  const expected = await sign(SECRET, BODY);
  const result = github.create(options([SECRET]))(request(RAW, { [HEADER]: signature }));
  assertFails(result, /does not match/, SECRET, 'another-secret', expected.slice(7));
});

test('github: a missing signature header fails with its name', () => {
  const result = github.create(options([SECRET]))(request(RAW, { 'x-github-event': 'push' }));
  assertFails(result, /^missing header x-hub-signature-256$/, SECRET);
});

test('github: malformed headers fail with a reason, never throw', async () => {
  const verifier = github.create(options([SECRET]));
  const hex = (await sign(SECRET, BODY)).slice(7);
  for (const value of [hex, `sha1=${hex}`, 'sha256=', 'sha256=zz', `sha256=${hex}x`, '']) {
    const result = verifier(request(RAW, { [HEADER]: value }));
    assert.equal(result.ok, false, `accepted ${JSON.stringify(value)}`);
  }
  assertFails(verifier(request(RAW, { [HEADER]: 'sha256=not-hex' })), /^malformed x-hub-signature-256 header/);
});

test('github: upper-case hex is accepted (normalised)', async () => {
  const signature = await sign(SECRET, BODY);
  const upper = `sha256=${signature.slice(7).toUpperCase()}`;
  assert.deepEqual(github.create(options([SECRET]))(request(RAW, { [HEADER]: upper })), { ok: true });
});

test('github: rotated secrets: either of [old, new] passes, a third fails', async () => {
  const verifier = github.create(options(['old-secret', 'new-secret']));
  for (const secret of ['old-secret', 'new-secret']) {
    assert.deepEqual(verifier(request(RAW, { [HEADER]: await sign(secret, BODY) })), { ok: true }, secret);
  }
  const third = verifier(request(RAW, { [HEADER]: await sign('third-secret', BODY) }));
  assertFails(third, /^signature does not match any of 2 secrets$/, 'old-secret', 'new-secret', 'third-secret');
});

test('github: non-ASCII bodies are verified over the raw bytes', async () => {
  const signature = await sign(SECRET, BODY); // octokit signs the UTF-8 bytes of the string
  const verifier = github.create(options([SECRET]));
  assert.deepEqual(verifier(request(Buffer.from(BODY, 'utf8'), { [HEADER]: signature })), { ok: true });
  // The same text in another encoding is other bytes: it must not verify.
  assertFails(verifier(request(Buffer.from(BODY, 'latin1'), { [HEADER]: signature })), /does not match/);
});

test('github: a repeated header uses its first value', async () => {
  const good = await sign(SECRET, BODY);
  const bad = await sign('attacker', BODY);
  const verifier = github.create(options([SECRET]));
  assert.deepEqual(verifier(request(RAW, { [HEADER]: [good, bad] })), { ok: true });
  assert.equal(verifier(request(RAW, { [HEADER]: [bad, good] })).ok, false);
});

test('github: a real push payload from @octokit/webhooks-examples verifies and fills the envelope', async () => {
  const require = createRequire(import.meta.url);
  const definitions = require('@octokit/webhooks-examples') as { name: string; examples: Record<string, unknown>[] }[];
  const push = definitions.find((d) => d.name === 'push')?.examples[0];
  assert.ok(push, 'no push example in @octokit/webhooks-examples');
  const body = JSON.stringify(push);
  const signature = await sign(SECRET, body);
  assert.equal(await verify(SECRET, body, signature), true); // octokit agrees with itself
  const headers = {
    [HEADER]: signature,
    'x-github-event': 'push',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'content-type': 'application/json',
  };
  assert.deepEqual(github.create(options([SECRET]))(request(Buffer.from(body), headers)), { ok: true });

  const preset = github.envelope;
  assert.ok(preset);
  const bindings = { body: JSON.parse(body) as unknown, headers, query: {} };
  assert.equal(await jsonata(preset.event).evaluate({}, bindings), 'push');
  assert.equal(await jsonata(preset.id ?? '').evaluate({}, bindings), '72d3162e-cc78-11e3-81ab-4c9367dc0958');
  const data = (await jsonata(preset.data).evaluate({}, bindings)) as Record<string, unknown>;
  assert.equal(data['ref'], push['ref']);
  assert.ok(data['repository'] !== undefined && data['commits'] !== undefined);
});

test('github: check() reports bad options and create() refuses them', () => {
  assert.deepEqual(github.check(options([SECRET])), []);
  assert.equal(github.check(options([])).length, 1);
  assert.equal(github.check(options([''])).length, 1);
  assert.equal(github.check({ ...options([SECRET]), header: 'x-other' }).length, 1);
  assert.throws(() => github.create(options([])), (e: unknown) => isHookrouteError(e, 'HR_CONFIG_INVALID'));
});
