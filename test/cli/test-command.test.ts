import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeRoutes } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';

// `hookroute test` as a user runs it: the real CLI in a child process, real files.

const SECRET = 'tok-do-not-print-8731';

async function routes(t: TestContext): Promise<{ dir: string; file: string; marker: string }> {
  const dir = await tempDir(t);
  const marker = path.join(dir, 'marker');
  const file = await writeRoutes(dir, `
routes:
  - name: registrar
    event: usuario_registrado
    when: $contains(email, "@")
    actions:
      - name: touch
        run: [${JSON.stringify(process.execPath)}, "-e", "require('fs').writeFileSync(process.argv[1], process.argv[2])", ${JSON.stringify(marker)}, "{{ nome }}"]
        env: { USER_ID: "{{ id }}" }
      - name: crm
        forward: http://127.0.0.1:9/users/{{ nome }}
        headers: { Authorization: "Bearer \${WEBHOOK_TOKEN}", X-User: "{{ id }}" }
        body: { user: "{{ id }}", name: "{{ nome }}" }
      - name: arquivo
        log: logs/usuarios.jsonl
        record: { id: "{{ id }}", email: "{{ email }}" }
`);
  return { dir, file, marker };
}

const DATA = { id: 123, nome: 'João Silva', email: 'joao@example.com' };

test('test --event --data prints the rendered actions and runs nothing', async (t) => {
  const { dir, file, marker } = await routes(t);
  const r = await runCli(['test', file, '--event', 'usuario_registrado', '--data', JSON.stringify(DATA)], { cwd: dir, env: { WEBHOOK_TOKEN: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /nothing was executed/);
  const shown = parse(r.stdout) as { event: string; routes: { route: string; actions: Record<string, any>[] }[] };
  assert.equal(shown.event, 'usuario_registrado');
  assert.deepEqual(shown.routes.map((x) => x.route), ['registrar']);
  const [run, forward, log] = shown.routes[0]?.actions ?? [];
  assert.equal(run?.['run'], 'touch');
  assert.deepEqual(run?.['argv'].slice(3), [marker, 'João Silva']);
  assert.deepEqual(run?.['env'], { USER_ID: '123' });
  assert.equal(forward?.['url'], 'http://127.0.0.1:9/users/Jo%C3%A3o%20Silva');
  assert.equal(forward?.['headers']['X-User'], '123');
  assert.deepEqual(forward?.['body'], { user: 123, name: 'João Silva' });
  assert.equal(log?.['path'], 'logs/usuarios.jsonl');
  assert.deepEqual(log?.['record'], { id: 123, email: 'joao@example.com' });

  assert.equal(existsSync(marker), false, 'a dry run must not run the program');
  assert.equal(existsSync(path.join(dir, 'logs')), false, 'a dry run must not write the log');
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
});

test('test --run runs the actions; --data @file reads the data from a file', async (t) => {
  const { dir, file, marker } = await routes(t);
  await writeFile(path.join(dir, 'sample.json'), JSON.stringify(DATA));
  const r = await runCli(['test', file, '--event', 'usuario_registrado', '--data', '@sample.json', '--run'], { cwd: dir, env: { WEBHOOK_TOKEN: SECRET } });
  // The forward goes to a closed port, so the route fails there; the program ran before it.
  assert.equal(await readFile(marker, 'utf8'), 'João Silva');
  assert.doesNotMatch(r.stdout, /nothing was executed/);
  const shown = parse(r.stdout) as { routes: { actions: Record<string, any>[] }[] };
  const [run, forward] = shown.routes[0]?.actions ?? [];
  assert.equal(run?.['result']?.outcome, 'ok');
  assert.notEqual(forward?.['result']?.outcome, 'ok');
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));

  const dry = await runCli(['test', file, '--event', 'usuario_registrado', '--data', '@sample.json'], { cwd: dir, env: { WEBHOOK_TOKEN: SECRET } });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /João Silva/);

  const notJson = await runCli(['test', file, '--event', 'x', '--data', '{nope'], { cwd: dir, env: { WEBHOOK_TOKEN: SECRET } });
  assert.equal(notJson.code, 1);
  assert.match(notJson.stderr, /--data is not valid JSON/);
});

test('test: an event no route takes says so, and a `when` that is false skips the route', async (t) => {
  const { dir, file, marker } = await routes(t);
  const r = await runCli(['test', file, '--event', 'usuario_registrado', '--data', '{"id": 7, "email": "sem-arroba"}'], { cwd: dir, env: { WEBHOOK_TOKEN: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no route matched/);
  assert.equal(existsSync(marker), false);
});

test("test: the bundled example's own tests pass (from the repository and from a copy)", async (t) => {
  const here = await runCli(['test', 'routes.example.yaml'], { cwd: repoRoot });
  assert.equal(here.code, 0, here.stdout + here.stderr);
  assert.match(here.stdout, /4 passed, 0 failed/);
  assert.doesNotMatch(here.stdout, /not ok/);

  const dir = await tempDir(t);
  await cp(path.join(repoRoot, 'routes.example.yaml'), path.join(dir, 'routes.yaml'));
  await cp(path.join(repoRoot, 'examples'), path.join(dir, 'examples'), { recursive: true });
  // No file named: ./routes.yaml in the working folder.
  const copy = await runCli(['test'], { cwd: dir });
  assert.equal(copy.code, 0, copy.stdout + copy.stderr);
  assert.match(copy.stdout, /4 passed, 0 failed/);
});

test('test: a routes file with a failing test exits 1 and names it', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, `
routes:
  - name: eco
    event: teste
    actions:
      - run: [echo, "{{ mensagem }}"]
      - log: logs/teste.jsonl
tests:
  - name: passes
    event: teste
    data: { mensagem: oi }
    expect:
      routes: [eco]
      actions:
        eco:
          - { argv: [echo, oi] }
          - { path: logs/teste.jsonl }
  - name: expects the wrong argument
    event: teste
    data: { mensagem: oi }
    expect:
      actions:
        eco:
          - { argv: [echo, tchau] }
          - {}
  - name: expects a route that does not fire
    event: outro
    expect:
      routes: [eco]
`);
  const r = await runCli(['test', file], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok - passes$/m);
  assert.match(r.stdout, /^not ok - expects the wrong argument \(.*routes\.yaml:\d+\)$/m);
  assert.match(r.stdout, /tchau/);
  assert.match(r.stdout, /^not ok - expects a route that does not fire/m);
  assert.match(r.stdout, /1 passed, 2 failed/);
});

test('test: a secret in a forward header is redacted from the output, also with --json', async (t) => {
  const { dir, file } = await routes(t);
  for (const extra of [[], ['--json']]) {
    const r = await runCli(['test', file, '--event', 'usuario_registrado', '--data', JSON.stringify(DATA), ...extra], { cwd: dir, env: { WEBHOOK_TOKEN: SECRET } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Authorization/);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
  }
  // A secret in a file's own test failure message is redacted too.
  const failing = await writeRoutes(dir, `
routes:
  - name: crm
    event: teste
    actions:
      - forward: http://127.0.0.1:9/x
        headers: { X-Token: "\${WEBHOOK_TOKEN}" }
tests:
  - name: wrong header on purpose
    event: teste
    expect:
      actions:
        crm:
          - { headers: { X-Token: nope } }
`, 'failing.yaml');
  const r = await runCli(['test', failing], { cwd: dir, env: { WEBHOOK_TOKEN: SECRET } });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /not ok - wrong header on purpose/);
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
});
