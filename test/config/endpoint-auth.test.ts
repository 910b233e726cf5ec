import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/diagnostics.js';
import { compileRoutesText } from '../../src/config/load.js';

// Load-time checks of an endpoint's authentication keys (src/config/compile-endpoints.ts).

function problems(yaml: string): { line: number; code: string; message: string }[] {
  try {
    compileRoutesText('/tmp/routes.yaml', yaml, { env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.diagnostics.map((d) => ({ line: d.line, code: d.code, message: d.message }));
    throw error;
  }
  return [];
}

test('tolerance on a scheme without a signed timestamp is an error, not a silent no-op', () => {
  const found = problems(`
endpoints:
  - path: /github
    verify: github
    secret: a-github-secret
    tolerance: 1m
routes: []
`);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.equal(found[0]?.code, 'HR_CONFIG_INVALID');
  assert.equal(found[0]?.line, 6);
  assert.match(found[0]?.message ?? '', /`tolerance` applies only to schemes with a signed timestamp/);
  assert.ok(!(found[0]?.message ?? '').includes('a-github-secret'));
});

test('tolerance on stripe, slack and standard-webhooks is accepted', () => {
  for (const [scheme, secret] of [['stripe', 'whsec_abc123'], ['slack', 'slack-secret'], ['standard-webhooks', 'whsec_c2VjcmV0']]) {
    assert.deepEqual(problems(`
endpoints:
  - path: /x
    verify: ${scheme}
    secret: ${secret}
    tolerance: 1m
routes: []
`), [], scheme);
  }
});
