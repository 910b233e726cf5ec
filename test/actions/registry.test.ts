import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionSpecFor, actionSpecs } from '../../src/actions/registry.js';

test('each spec is found by its type key, and only its own keys are in its schema', () => {
  assert.deepEqual(actionSpecs.map((s) => s.type), ['run', 'forward', 'log']);
  assert.equal(actionSpecFor({ run: 'x', name: 'n' })?.type, 'run');
  assert.equal(actionSpecFor({ forward: 'https://x.test' })?.type, 'forward');
  assert.equal(actionSpecFor({ log: 'x.jsonl', record: {} })?.type, 'log');
  assert.equal(actionSpecFor({ name: 'nothing' }), undefined);
  for (const spec of actionSpecs) {
    assert.ok(spec.type in spec.schema.properties);
    for (const [key, property] of Object.entries(spec.schema.properties)) {
      assert.equal(typeof (property as { description?: unknown }).description, 'string', `${spec.type}.${key}`);
    }
  }
  assert.deepEqual(
    actionSpecs.map((s) => [s.defaultAttempts, s.defaultTimeoutMs]),
    [[1, 30_000], [5, 10_000], [1, 5000]],
  );
});
