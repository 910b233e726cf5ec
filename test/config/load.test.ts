import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, formatDiagnostic, type Diagnostic } from '../../src/config/diagnostics.js';
import { compileRoutesText, loadRoutesFile } from '../../src/config/load.js';
import { tempDir, writeRoutes } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';

// YAML through the real loader: every problem located at file:line:col, all of them at once.

const FILE = '/srv/hooks/routes.yaml';

function problems(text: string, env: Record<string, string> = {}): readonly Diagnostic[] {
  try {
    compileRoutesText(FILE, text, { env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.ok(error.diagnostics.length > 0);
    return error.diagnostics;
  }
  assert.fail('the file loaded, but it should not have');
}

function only(text: string, env: Record<string, string> = {}): Diagnostic {
  const all = problems(text, env);
  assert.equal(all.length, 1, all.map(formatDiagnostic).join('\n'));
  return all[0] as Diagnostic;
}

function at(d: Diagnostic | undefined, line: number, col?: number): void {
  assert.ok(d !== undefined);
  assert.equal(d.file, FILE);
  assert.equal(d.line, line, formatDiagnostic(d));
  if (col !== undefined) assert.equal(d.col, col, formatDiagnostic(d));
}

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

test('a good file loads, and the bundled example too', async () => {
  const s = compileRoutesText(FILE, lines(
    'routes:',
    '  - name: teste',
    '    event: teste',
    '    actions:',
    '      - log: logs/teste.jsonl',
  ), { env: {} });
  assert.deepEqual(s.routes.map((r) => r.name), ['teste']);
  assert.deepEqual([...s.endpoints.keys()], ['/webhook']);
  assert.equal(s.dir, '/srv/hooks');
  assert.equal(s.server.data, '/srv/hooks/data');

  const example = await loadRoutesFile(path.join(repoRoot, 'routes.example.yaml'), { env: {} });
  assert.ok(example.routes.length > 0);
  assert.ok(example.tests.length > 0);
});

test('bad YAML is a diagnostic at its line and column', () => {
  const nested = only(lines(
    'routes:',
    '  - name: a',
    '    event: teste: outra',
    '    actions:',
    '      - log: x.jsonl',
  ));
  assert.equal(nested.code, 'HR_CONFIG_YAML');
  at(nested, 3, 12);

  const tab = only(lines('routes:', '  - name: a', '\tevent: teste'));
  assert.equal(tab.code, 'HR_CONFIG_YAML');
  at(tab, 3, 1);

  const twice = only(lines(
    'routes:',
    '  - name: a',
    '    event: teste',
    '    event: outra',
    '    actions:',
    '      - log: x.jsonl',
  ));
  assert.equal(twice.code, 'HR_CONFIG_YAML');
  at(twice, 4, 5);
  assert.match(formatDiagnostic(twice), /^\/srv\/hooks\/routes\.yaml:4:5: /);
});

test('an unknown key is located on its own line, with a "did you mean"', () => {
  const all = problems(lines(
    'routes:',
    '  - name: a',
    '    event: teste',
    '    actions:',
    '      - log: x.jsonl',
    '  - name: b',
    '    evnt: teste',
    '    actions:',
    '      - log: y.jsonl',
  ));
  // The misspelt key is reported, and so is the key it should have been (at its map).
  assert.deepEqual(all.map((d) => d.code).sort(), ['HR_CONFIG_INVALID', 'HR_CONFIG_UNKNOWN_KEY'], all.map(formatDiagnostic).join('\n'));
  const d = all.find((x) => x.code === 'HR_CONFIG_UNKNOWN_KEY') as Diagnostic;
  at(d, 7, 5);
  assert.equal(d.path, 'routes[1].evnt');
  assert.match(d.message, /"evnt"/);
  assert.match(d.message, /did you mean "event"\?/);

  // The same inside an action, checked against that action type's own keys.
  const action = only(lines(
    'routes:',
    '  - name: a',
    '    event: teste',
    '    actions:',
    '      - run: [echo, oi]',
    '        timout: 5s',
  ));
  assert.equal(action.code, 'HR_CONFIG_UNKNOWN_KEY');
  at(action, 6, 9);
  assert.match(action.message, /did you mean "timeout"\?/);

  const top = only(lines('rotues: []', 'routes: []'));
  assert.equal(top.code, 'HR_CONFIG_UNKNOWN_KEY');
  at(top, 1, 1);
  assert.match(top.message, /did you mean "routes"\?/);
});

test('wrong types are located at the value and say what is expected', () => {
  const all = problems(lines(
    'server:',
    '  port: "abc"',
    '  durability: fast',
    'routes:',
    '  - name: a',
    '    event: 5',
    '    concurrency: many',
    '    actions:',
    '      - log: x.jsonl',
    '        timeout: banana',
  ));
  const by = (p: string): Diagnostic | undefined => all.find((d) => d.path === p);
  at(by('server.port'), 2, 9);
  assert.match(by('server.port')?.message ?? '', /"abc".*integer/);
  at(by('server.durability'), 3, 15);
  assert.match(by('server.durability')?.message ?? '', /normal or full/);
  at(by('routes[0].event'), 6, 12);
  assert.match(by('routes[0].event')?.message ?? '', /string or a list of strings/);
  at(by('routes[0].concurrency'), 7, 18);
  at(by('routes[0].actions[0].timeout'), 10, 18);
  assert.equal(by('routes[0].actions[0].timeout')?.code, 'HR_CONFIG_DURATION');
  assert.match(by('routes[0].actions[0].timeout')?.message ?? '', /"banana" is not a duration/);
  assert.equal(all.length, 5, all.map(formatDiagnostic).join('\n'));

  const noActions = only(lines('routes:', '  - name: a', '    event: teste'));
  assert.match(noActions.message, /missing required key "actions"/);
  at(noActions, 2);
});

test('a bad JSONata expression in `when` is located at its line, inside the expression', () => {
  const plain = only(lines(
    'routes:',
    '  - name: a',
    '    event: teste',
    '    when: total > (',
    '    actions:',
    '      - log: x.jsonl',
  ));
  assert.equal(plain.code, 'HR_CONFIG_EXPRESSION');
  assert.equal(plain.path, 'routes[0].when');
  // The expression starts at column 11; the error is inside it, not at the key.
  at(plain, 4);
  assert.ok(plain.col > 11 && plain.col <= 11 + 'total > ('.length, formatDiagnostic(plain));

  const quoted = only(lines(
    'routes:',
    '  - name: a',
    '    event: teste',
    `    when: "$contains(email, '@') and ]"`,
    '    actions:',
    '      - log: x.jsonl',
  ));
  assert.equal(quoted.code, 'HR_CONFIG_EXPRESSION');
  // The quote is at column 11, the expression at 12; "]" is its 27th character.
  at(quoted, 4, 12 + `$contains(email, '@') and `.length);

  const template = only(lines(
    'routes:',
    '  - name: a',
    '    event: teste',
    '    actions:',
    '      - run: [echo, "{{ nome ]] }}"]',
  ));
  assert.equal(template.code, 'HR_CONFIG_EXPRESSION');
  at(template, 5);
  assert.ok(template.col > 22 && template.col < 35, formatDiagnostic(template));
});

test('a duplicate route name is an error at the second one', () => {
  const d = only(lines(
    'routes:',
    '  - name: deploy',
    '    event: push',
    '    actions:',
    '      - log: x.jsonl',
    '  - name: deploy',
    '    event: push',
    '    actions:',
    '      - log: y.jsonl',
  ));
  at(d, 6, 11);
  assert.equal(d.path, 'routes[1].name');
  assert.match(d.message, /"deploy".*routes\[0\]/);
});

test('${VAR} comes from the environment: missing without default is an error naming it; a default works', () => {
  const text = lines(
    'endpoints:',
    '  - path: /webhook',
    '    token: ${HR_TEST_TOKEN}',
    'routes:',
    '  - name: crm',
    '    event: teste',
    '    actions:',
    '      - forward: ${HR_TEST_CRM:-http://127.0.0.1:9/hooks}',
    '        headers: { Authorization: "Bearer ${HR_TEST_CRM_TOKEN:-demo}" }',
  );
  const all = problems(text);
  const missing = all.filter((d) => d.code === 'HR_CONFIG_ENV_MISSING');
  assert.equal(missing.length, 1, all.map(formatDiagnostic).join('\n'));
  at(missing[0], 3, 12);
  assert.match(missing[0]?.message ?? '', /HR_TEST_TOKEN/);

  const s = compileRoutesText(FILE, text, { env: { HR_TEST_TOKEN: 's3cr3t-token' } });
  assert.ok(s.secrets.includes('s3cr3t-token'), 'a token from the environment is a secret');
  const forward = s.routes[0]?.actions[0]?.compiled as { url: { source: string }; headers: unknown };
  assert.equal(forward.url.source, 'http://127.0.0.1:9/hooks');

  const set = compileRoutesText(FILE, text, { env: { HR_TEST_TOKEN: 's3cr3t-token', HR_TEST_CRM: 'https://crm.example.com/x' } });
  assert.equal((set.routes[0]?.actions[0]?.compiled as { url: { source: string } }).url.source, 'https://crm.example.com/x');

  // $${VAR} is a literal ${VAR}.
  const literal = compileRoutesText(FILE, lines(
    'routes:',
    '  - name: a',
    '    event: teste',
    '    actions:',
    '      - run: [echo, "$${HOME}"]',
  ), { env: {} });
  assert.equal((literal.routes[0]?.actions[0]?.compiled as { argv: { source: string }[] }).argv[1]?.source, '${HOME}');
});

test('several problems are reported at once, in file order', () => {
  const all = problems(lines(
    'routes:',                                   // 1
    '  - name: a',                               // 2
    '    evnt: teste',                           // 3 unknown key
    '    event: teste',                          // 4
    '    when: "1 +"',                           // 5 bad expression
    '    actions:',                              // 6
    '      - run: [echo, "{{ x ]] }}"]',         // 7 bad template
    '        timeout: banana',                   // 8 bad duration
    '      - logg: x.jsonl',                     // 9 no action type
    '  - name: a',                               // 10 duplicate name
    '    event: teste',                          // 11
    '    actions: []',                           // 12 no actions
    '  - name: c',                               // 13
    '    event: teste',                          // 14
    '    actions:',                              // 15
    '      - forward: http://127.0.0.1:9/x',      // 16
    '        headers: { X-Token: "${HR_TEST_NOPE}" }', // 17 missing variable
  ));
  assert.deepEqual(all.map((d) => d.line), [3, 5, 7, 8, 9, 10, 12, 17], all.map(formatDiagnostic).join('\n'));
  assert.deepEqual(all.map((d) => d.code), [
    'HR_CONFIG_UNKNOWN_KEY', 'HR_CONFIG_EXPRESSION', 'HR_CONFIG_EXPRESSION', 'HR_CONFIG_DURATION',
    'HR_CONFIG_INVALID', 'HR_CONFIG_INVALID', 'HR_CONFIG_INVALID', 'HR_CONFIG_ENV_MISSING',
  ]);
  // The error's message is every diagnostic, one per line, as `check` prints them.
  const error = (() => {
    try {
      compileRoutesText(FILE, 'routes:\n  - name: a\n    evnt: x\n    event: x\n    actions: []\n', { env: {} });
    } catch (e) {
      return e as ConfigError;
    }
    return undefined;
  })();
  assert.equal(error?.message.split('\n').length, 2);
});

test('the compiled snapshot is frozen', () => {
  const s = compileRoutesText(FILE, lines(
    'routes:',
    '  - name: a',
    '    event: [teste, outro]',
    '    actions:',
    '      - log: x.jsonl',
    '        record: { id: "{{ id }}" }',
  ), { env: {} });
  assert.ok(Object.isFrozen(s));
  assert.ok(Object.isFrozen(s.server));
  assert.ok(Object.isFrozen(s.admin));
  assert.ok(Object.isFrozen(s.routes));
  assert.ok(Object.isFrozen(s.routes[0]));
  assert.ok(Object.isFrozen(s.routes[0]?.actions));
  assert.ok(Object.isFrozen(s.routes[0]?.actions[0]));
  assert.ok(Object.isFrozen(s.tests));
  assert.throws(() => {
    (s.routes as unknown as unknown[]).push({});
  }, TypeError);
  assert.throws(() => {
    (s.server as { port: number }).port = 1;
  }, TypeError);
});

test('loadRoutesFile reads from disk; a missing file is a located error', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, lines('routes:', '  - name: a', '    event: teste', '    actions:', '      - log: x.jsonl'));
  const s = await loadRoutesFile(file, { env: {} });
  assert.equal(s.file, file);
  assert.equal(s.dir, dir);

  await assert.rejects(loadRoutesFile(path.join(dir, 'nope.yaml'), { env: {} }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.diagnostics[0]?.code, 'HR_CONFIG_READ');
    assert.match(error.diagnostics[0]?.message ?? '', /no such file/);
    return true;
  });
});
