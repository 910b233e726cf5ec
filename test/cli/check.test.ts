import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeRoutes } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';

// `hookroute check` as a user runs it: the real CLI in a child process.

test('check: the bundled example is ok, exit 0', async () => {
  const r = await runCli(['check', 'routes.example.yaml'], { cwd: repoRoot });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /routes\.example\.yaml: ok\b/);
  assert.equal(r.stderr, '');
});

test('check: a broken file exits 1 with every problem as file:line:col on stderr', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, [
    'routes:',                               // 1
    '  - name: a',                           // 2
    '    evnt: teste',                       // 3
    '    event: teste',                      // 4
    '    when: "total >"',                   // 5
    '    actions:',                          // 6
    '      - run: [echo, "{{ nome }}"]',     // 7
    '        timeout: banana',               // 8
    '  - name: a',                           // 9
    '    event: teste',                      // 10
    '    actions:',                          // 11
    '      - log: x.jsonl',                  // 12
    '',
  ].join('\n'));
  const r = await runCli(['check', file], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /\bok\b/);
  const located = r.stderr.split('\n').filter((l) => l.startsWith(`${file}:`));
  assert.deepEqual(located.map((l) => Number(l.slice(file.length + 1).split(':')[0])), [3, 5, 8, 9], r.stderr);
  for (const l of located) assert.match(l.slice(file.length), /^:\d+:\d+: \S/);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:5: routes\\[0\\]\\.evnt: unknown key "evnt" \\(did you mean "event"\\?`));
  assert.match(r.stderr, /:8:18: routes\[0\]\.actions\[0\]\.timeout: "banana" is not a duration/);
  assert.match(r.stderr, /4 problem\(s\) found; nothing was applied/);
});

test('check: a missing file and a bad YAML file exit 1, located', async (t) => {
  const dir = await tempDir(t);
  const missing = await runCli(['check', path.join(dir, 'nope.yaml')], { cwd: dir });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.yaml:1:1: cannot read the routes file: no such file/);

  const file = await writeRoutes(dir, 'routes:\n  - name: a\n    event: teste: outra\n');
  const yaml = await runCli(['check', file], { cwd: dir });
  assert.equal(yaml.code, 1);
  assert.ok(yaml.stderr.includes(`${file}:3:12: `), yaml.stderr);
});

test('check: a secret from the environment never appears in its output', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, [
    'endpoints:',
    '  - path: /webhook',
    '    token: ${WEBHOOK_TOKEN}',
    '    respond: sometimes',
    'routes: []',
    '',
  ].join('\n'));
  const r = await runCli(['check', file], { cwd: dir, env: { WEBHOOK_TOKEN: 'tok-very-secret-42' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /:4:14: endpoints\[0\]\.respond/);
  assert.doesNotMatch(r.stdout + r.stderr, /tok-very-secret-42/);
});
