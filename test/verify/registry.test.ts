// The registry is the only way in: every scheme is listed, named as its key, fails closed on
// missing secrets, and its envelope preset compiles as JSONata.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import jsonata from 'jsonata';
import { isSchemeName, schemeNames, schemes } from '../../src/verify/registry.js';
import { SECRET_HEADERS } from '../../src/verify/redact-headers.js';

test('registry: lists the seven schemes of the design, each under its own name', () => {
  assert.deepEqual([...schemeNames].sort(), ['github', 'gitlab', 'hmac', 'shopify', 'slack', 'standard-webhooks', 'stripe']);
  for (const name of schemeNames) {
    assert.equal(schemes[name].name, name);
    assert.ok(schemes[name].description.length > 0);
    assert.ok(Object.isFrozen(schemes[name]));
  }
  assert.ok(Object.isFrozen(schemes));
  assert.equal(isSchemeName('github'), true);
  assert.equal(isSchemeName('toString'), false);
  assert.equal(isSchemeName('GitHub'), false);
});

test('registry: exactly Stripe, Slack and Standard Webhooks are timestamped', () => {
  const timestamped = schemeNames.filter((n) => schemes[n].timestamped).sort();
  assert.deepEqual(timestamped, ['slack', 'standard-webhooks', 'stripe']);
});

test('registry: every scheme refuses an endpoint without a secret', () => {
  for (const name of schemeNames) {
    const problems = schemes[name].check({ secrets: [], toleranceMs: 300_000, header: name === 'hmac' ? 'x-sig' : undefined });
    assert.ok(problems.some((p) => p.includes('`secret`')), `${name}: ${problems.join('; ')}`);
    assert.throws(() => schemes[name].create({ secrets: [], toleranceMs: 300_000 }), `${name} built a verifier without secrets`);
  }
});

test("registry: every scheme's signature headers are among the redacted ones", () => {
  for (const name of schemeNames) {
    for (const header of schemes[name].signatureHeaders) {
      assert.equal(header, header.toLowerCase());
      assert.ok(SECRET_HEADERS.has(header), `${name}: ${header} is not redacted`);
    }
  }
});

test('registry: every envelope preset compiles as JSONata; hmac has none', () => {
  for (const name of schemeNames) {
    const preset = schemes[name].envelope;
    if (name === 'hmac') {
      assert.equal(preset, undefined);
      continue;
    }
    assert.ok(preset, `${name} has no envelope preset`);
    for (const source of [preset.event, preset.data, preset.id ?? '$body']) {
      assert.doesNotThrow(() => jsonata(source), `${name}: ${source}`);
    }
  }
});
