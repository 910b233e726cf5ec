import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { eventually, postJson, startInProcess, tempDir, writeRoutes, type InProcess } from '../helpers/daemon.js';
import { fixture, repoRoot } from '../helpers/paths.js';

// The public listener end to end: a real daemon on port 0, real HTTP, real processes and files.

const bin = (name: string): string => JSON.stringify(fixture('bin', name));

async function serve(t: TestContext, yaml: string, env: NodeJS.ProcessEnv = {}): Promise<InProcess & { dir: string }> {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, yaml);
  const daemon = await startInProcess(t, file, env);
  return { ...daemon, dir };
}

async function jsonLines(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
}

/** Polls until the log file has `n` lines, and returns them. */
function linesOf(file: string, n = 1): Promise<any[]> {
  return eventually(async () => {
    if (!existsSync(file)) return undefined;
    const lines = await jsonLines(file);
    return lines.length >= n ? lines : undefined;
  }, 10_000, `${n} line(s) in ${file}`);
}

interface Attempt { n: number; outcome: string; error?: string; output?: string; exitCode?: number; signal?: string }
interface Detail { id: string; status: string; runs: { route: string; status: string; jobs: { name: string; status: string; attemptsLog: Attempt[] }[] }[] }

async function detail(adminUrl: string, id: string): Promise<Detail> {
  const response = await fetch(`${adminUrl}/api/deliveries/${id}`);
  assert.equal(response.status, 200);
  return (await response.json()) as Detail;
}

/** The delivery once every one of its runs has finished (done, dead or superseded). */
function finished(adminUrl: string, id: string, timeoutMs = 10_000): Promise<Detail> {
  return eventually(async () => {
    const d = await detail(adminUrl, id);
    return d.runs.every((r) => ['done', 'dead', 'superseded'].includes(r.status)) ? d : undefined;
  }, timeoutMs, `delivery ${id} to finish`);
}

function assertError(res: { status: number; body: any }, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(typeof res.body, 'object');
  assert.equal(typeof res.body.error, 'string');
  assert.ok(res.body.error.length > 0);
  assert.equal(res.body.code, code);
}

const TESTE_ROUTES = `
routes:
  - name: teste
    event: teste
    actions:
      - log: logs/teste.jsonl
`;

test("the seed guide's curl is accepted with 202 and its log line is written", async (t) => {
  const d = await serve(t, TESTE_ROUTES);
  const res = await postJson(`${d.url}/webhook`, { evento: 'teste', dados: { mensagem: 'Hello Webhook' } });
  assert.equal(res.status, 202);
  assert.equal(typeof res.body.id, 'string');
  assert.deepEqual(res.body, { id: res.body.id, event: 'teste', routes: ['teste'] });
  const [line] = await linesOf(path.join(d.dir, 'logs', 'teste.jsonl'));
  assert.equal(line.id, res.body.id);
  assert.equal(line.event, 'teste');
  assert.deepEqual(line.data, { mensagem: 'Hello Webhook' });
  assert.ok(!Number.isNaN(Date.parse(line.received)));
});

test('the English twin {"event", "data"} works the same', async (t) => {
  const d = await serve(t, TESTE_ROUTES);
  const res = await postJson(`${d.url}/webhook`, { event: 'teste', data: { mensagem: 'Hello Webhook' } });
  assert.equal(res.status, 202);
  assert.deepEqual(res.body, { id: res.body.id, event: 'teste', routes: ['teste'] });
  const [line] = await linesOf(path.join(d.dir, 'logs', 'teste.jsonl'));
  assert.deepEqual(line.data, { mensagem: 'Hello Webhook' });
});

test('the bundled example, served from a copy, acts on the seed curl', async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(repoRoot, 'routes.example.yaml'), path.join(dir, 'routes.example.yaml'));
  await cp(path.join(repoRoot, 'examples'), path.join(dir, 'examples'), { recursive: true });
  const d = await startInProcess(t, path.join(dir, 'routes.example.yaml'));
  const res = await postJson(`${d.url}/webhook`, { evento: 'teste', dados: { mensagem: 'Hello Webhook' } });
  assert.equal(res.status, 202);
  assert.deepEqual(res.body, { id: res.body.id, event: 'teste', routes: ['teste'] });
  // The example's log path is relative to its own folder: the copy's, not the repository's.
  const [line] = await linesOf(path.join(dir, 'logs', 'teste.jsonl'));
  assert.equal(line.id, res.body.id);
  assert.deepEqual(line.data, { mensagem: 'Hello Webhook' });
  // ... and its echo ran with the message as one argument.
  const done = await finished(d.adminUrl, res.body.id);
  const eco = done.runs[0]?.jobs.find((j) => j.name === 'eco');
  assert.equal(eco?.status, 'done');
  assert.equal(eco?.attemptsLog.at(-1)?.output, 'recebido: Hello Webhook\n');
  assert.ok(existsSync(path.join(dir, 'data')), 'the journal lives next to the copied file');
});

test('bad requests are refused with their status and a JSON {error, code}', async (t) => {
  const d = await serve(t, `
server: { bodyLimit: 1kb }
routes:
  - name: teste
    event: teste
    actions:
      - log: logs/teste.jsonl
`);
  const post = (body: string, contentType: string, url = `${d.url}/webhook`) =>
    postJson(url, body, { 'content-type': contentType });

  assertError(await post('{"evento": "teste", ', 'application/json'), 400, 'HR_BODY_NOT_JSON');
  assertError(await post('', 'application/json'), 400, 'HR_BODY_NOT_JSON');
  assertError(await post('[{"evento": "teste"}]', 'application/json'), 400, 'HR_BODY_NOT_OBJECT');
  assertError(await post('"teste"', 'application/json'), 400, 'HR_BODY_NOT_OBJECT');
  assertError(await post('{"dados": {"mensagem": "sem nome"}}', 'application/json'), 400, 'HR_NO_EVENT_NAME');
  assertError(await post('{"evento": "", "dados": {}}', 'application/json'), 400, 'HR_NO_EVENT_NAME');
  assertError(await post('{"evento": 42, "dados": {}}', 'application/json'), 400, 'HR_NO_EVENT_NAME');
  assertError(await post('{"evento": "teste"}', 'text/plain'), 415, 'HR_UNSUPPORTED_MEDIA_TYPE');
  const big = JSON.stringify({ evento: 'teste', dados: { fill: 'x'.repeat(2048) } });
  assertError(await post(big, 'application/json'), 413, 'HR_BODY_TOO_LARGE');

  const unknown = await post('{"evento": "teste"}', 'application/json', `${d.url}/nope`);
  assertError(unknown, 404, 'HR_UNKNOWN_ENDPOINT');
  assert.match(unknown.body.error, /\/webhook/, 'the answer lists the endpoints served');
  const getUnknown = await fetch(`${d.url}/nope`);
  assert.equal(getUnknown.status, 404);
  const getBody = (await getUnknown.json()) as { error: string; code: string };
  assert.equal(getBody.code, 'HR_UNKNOWN_ENDPOINT');
  assert.match(getBody.error, /\/webhook/);

  // Nothing above was accepted: no line was written.
  const form = await post(`payload=${encodeURIComponent(JSON.stringify({ evento: 'teste', dados: { via: 'form' } }))}`, 'application/x-www-form-urlencoded');
  assert.equal(form.status, 202, JSON.stringify(form.body));
  assert.deepEqual(form.body.routes, ['teste']);
  const lines = await linesOf(path.join(d.dir, 'logs', 'teste.jsonl'));
  assert.equal(lines.length, 1);
  assert.deepEqual(lines[0].data, { via: 'form' });
  assert.equal(lines[0].id, form.body.id);

  const health = await fetch(`${d.url}/healthz`);
  assert.equal(health.status, 200);
});

test('one event fires every matching route in file order; a false `when` skips its route', async (t) => {
  const d = await serve(t, `
routes:
  - name: zeta-todos-pedidos
    event: pedido.*
    actions:
      - log: logs/zeta.jsonl
  - name: alpha-so-criado
    event: [pedido.criado, pedido.cancelado]
    actions:
      - log: logs/alpha.jsonl
  - name: mid-grandes
    event: pedido.criado
    when: total > 100
    actions:
      - log: logs/mid.jsonl
  - name: outro
    event: usuario.*
    actions:
      - log: logs/outro.jsonl
`);
  const small = await postJson(`${d.url}/webhook`, { evento: 'pedido.criado', dados: { numero: 1, total: 50 } });
  assert.equal(small.status, 202);
  assert.deepEqual(small.body.routes, ['zeta-todos-pedidos', 'alpha-so-criado']);

  const large = await postJson(`${d.url}/webhook`, { evento: 'pedido.criado', dados: { numero: 2, total: 500 } });
  assert.equal(large.status, 202);
  assert.deepEqual(large.body.routes, ['zeta-todos-pedidos', 'alpha-so-criado', 'mid-grandes']);

  const paid = await postJson(`${d.url}/webhook`, { evento: 'pedido.pago', dados: { numero: 3, total: 500 } });
  assert.deepEqual(paid.body.routes, ['zeta-todos-pedidos']);

  const none = await postJson(`${d.url}/webhook`, { evento: 'nada.disso', dados: {} });
  assert.equal(none.status, 202);
  assert.deepEqual(none.body, { id: none.body.id, event: 'nada.disso', routes: [] });

  const numbers = (lines: any[]) => lines.map((l) => l.data.numero).sort();
  assert.deepEqual(numbers(await linesOf(path.join(d.dir, 'logs', 'zeta.jsonl'), 3)), [1, 2, 3]);
  assert.deepEqual(numbers(await linesOf(path.join(d.dir, 'logs', 'alpha.jsonl'), 2)), [1, 2]);
  assert.deepEqual(numbers(await linesOf(path.join(d.dir, 'logs', 'mid.jsonl'), 1)), [2]);
  await finished(d.adminUrl, none.body.id);
  assert.equal(existsSync(path.join(d.dir, 'logs', 'outro.jsonl')), false);
});

interface Captured { method: string; url: string; headers: IncomingMessage['headers']; body: string }

async function receiver(t: TestContext, status = 200): Promise<{ url: string; requests: Captured[] }> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A keep-alive connection (the forward's) must not hold the close open.
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

test('forward sends a typed JSON body, templated headers and URL-encoded URL values', async (t) => {
  const target = await receiver(t);
  const d = await serve(t, `
routes:
  - name: crm
    event: usuario_registrado
    actions:
      - forward: ${target.url}/users/{{ nome }}?email={{ email }}&tag={{ tag }}
        headers:
          X-User-Id: "{{ id }}"
          X-Event: "{{ $event }}"
          Authorization: "Bearer \${CRM_TOKEN}"
        body:
          user: "{{ id }}"
          name: "{{ nome }}"
          tags: "{{ tags }}"
          active: "{{ active }}"
          missing: "{{ nada }}"
          greeting: "Olá {{ nome }}"
`, { CRM_TOKEN: 'crm-secret-123' });
  const data = { id: 123, nome: 'João Silva', email: 'joao+x@example.com', tag: 'a&b=c/d?e#f', tags: ['a', 'b'], active: true };
  const res = await postJson(`${d.url}/webhook`, { evento: 'usuario_registrado', dados: data });
  assert.equal(res.status, 202);
  const done = await finished(d.adminUrl, res.body.id);
  assert.equal(done.runs[0]?.status, 'done', JSON.stringify(done));
  assert.equal(target.requests.length, 1);
  const got = target.requests[0] as Captured;
  assert.equal(got.method, 'POST');
  assert.equal(got.url, `/users/Jo%C3%A3o%20Silva?email=joao%2Bx%40example.com&tag=a%26b%3Dc%2Fd%3Fe%23f`);
  const query = new URL(got.url, 'http://x').searchParams;
  assert.equal(query.get('email'), data.email);
  assert.equal(query.get('tag'), data.tag);
  assert.equal(got.headers['x-user-id'], '123');
  assert.equal(got.headers['x-event'], 'usuario_registrado');
  assert.equal(got.headers['authorization'], 'Bearer crm-secret-123');
  assert.match(String(got.headers['content-type']), /^application\/json/);
  assert.equal(got.headers['x-hookroute-delivery'], res.body.id);
  const body = JSON.parse(got.body) as Record<string, unknown>;
  assert.deepEqual(body, { user: 123, name: 'João Silva', tags: ['a', 'b'], active: true, greeting: 'Olá João Silva' });
  assert.equal(typeof body['user'], 'number');
  // The forwarded token never reaches the daemon's log.
  assert.doesNotMatch(d.logs(), /crm-secret-123/);
});

test('forward without a body passes the received body on byte for byte', async (t) => {
  const target = await receiver(t);
  const d = await serve(t, `
routes:
  - name: relay
    event: teste
    actions:
      - forward: ${target.url}/relay
`);
  const raw = '{"evento":"teste",  "dados": {"n": 1.50, "s": "João"}}';
  const res = await postJson(`${d.url}/webhook`, raw);
  assert.equal(res.status, 202);
  await finished(d.adminUrl, res.body.id);
  assert.equal(target.requests[0]?.body, raw);
  assert.match(String(target.requests[0]?.headers['content-type']), /^application\/json/);
});

test('a payload value reaches the program as exactly one argument, never as shell text', async (t) => {
  const home = await tempDir(t, 'hookroute-home-');
  const canary = path.join(home, 'canary');
  await writeFile(canary, 'still here');
  const d = await serve(t, `
routes:
  - name: argv
    event: teste
    actions:
      - name: list
        run: [${bin('echo-args.js')}, "{{ valor }}", "prefixo-{{ valor }}"]
        env: { HOME: ${JSON.stringify(home)} }
      - name: string
        run: "${fixture('bin', 'echo-args.js')} {{ valor }} --flag"
        env: { HOME: ${JSON.stringify(home)} }
`);
  const valor = `João; rm -rf ~ $(id) \`id\` && touch ${path.join(home, 'pwned')} | cat "$HOME" 'x' \n*`;
  const res = await postJson(`${d.url}/webhook`, { evento: 'teste', dados: { valor } });
  assert.equal(res.status, 202);
  const done = await finished(d.adminUrl, res.body.id);
  const jobs = done.runs[0]?.jobs ?? [];
  const list = jobs.find((j) => j.name === 'list')?.attemptsLog.at(-1);
  const str = jobs.find((j) => j.name === 'string')?.attemptsLog.at(-1);
  assert.equal(list?.outcome, 'ok', list?.error);
  assert.equal(str?.outcome, 'ok', str?.error);
  assert.deepEqual(JSON.parse(list?.output ?? ''), [valor, `prefixo-${valor}`]);
  assert.deepEqual(JSON.parse(str?.output ?? ''), [valor, '--flag']);
  assert.equal(await readFile(canary, 'utf8'), 'still here');
  assert.equal(existsSync(path.join(home, 'pwned')), false);
});

test('an undefined template value fails the action, naming the expression, and the program never runs', async (t) => {
  const dir = await tempDir(t);
  const marker = path.join(dir, 'ran');
  const d = await serve(t, `
routes:
  - name: deploy
    event: push
    actions:
      - name: deploy
        run: [${JSON.stringify(process.execPath)}, "-e", "require('fs').writeFileSync(process.argv[1], 'ran')", ${JSON.stringify(marker)}, "{{ branch }}"]
      - name: after
        log: logs/after.jsonl
`);
  const res = await postJson(`${d.url}/webhook`, { evento: 'push', dados: { repo: 'octo/app' } });
  assert.equal(res.status, 202);
  assert.deepEqual(res.body.routes, ['deploy']);
  const done = await finished(d.adminUrl, res.body.id);
  const run = done.runs[0];
  assert.equal(run?.status, 'dead');
  const job = run?.jobs.find((j) => j.name === 'deploy');
  assert.equal(job?.status, 'dead');
  const attempt = job?.attemptsLog.at(-1);
  assert.notEqual(attempt?.outcome, 'ok');
  assert.match(attempt?.error ?? '', /branch/);
  assert.equal(existsSync(marker), false, 'the program must not run with a missing argument');
  // A failed action stops the route's later actions.
  assert.equal(existsSync(path.join(d.dir, 'logs', 'after.jsonl')), false);

  // The same route with the value present does run: the marker proves the command line works.
  const ok = await postJson(`${d.url}/webhook`, { evento: 'push', dados: { branch: 'main' } });
  const okDone = await finished(d.adminUrl, ok.body.id);
  assert.equal(okDone.runs[0]?.status, 'done', JSON.stringify(okDone));
  assert.equal(await readFile(marker, 'utf8'), 'ran');
});

test('respond: wait answers 200 with results, 502 when an action fails, 202 pending when slow', async (t) => {
  // Generous: waitTimeout must outlast a process start on a loaded machine, and the slow action
  // must outlast waitTimeout by far.
  const slow = `${JSON.stringify(process.execPath)}, "-e", "setTimeout(() => console.log('slow done'), 6000)"`;
  const d = await serve(t, `
server: { shutdownTimeout: 10s }
endpoints:
  - path: /webhook
  - path: /wait
    respond: wait
    waitTimeout: 3s
routes:
  - name: eco
    event: eco
    actions:
      - name: echo
        run: [${bin('echo-args.js')}, "{{ msg }}"]
  - name: falha
    event: falha
    actions:
      - name: exit3
        run: [${bin('exit-3.js')}]
  - name: lento
    event: lento
    actions:
      - name: slow
        run: [${slow}]
`);
  const ok = await postJson(`${d.url}/wait`, { evento: 'eco', dados: { msg: 'olá' } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.event, 'eco');
  assert.deepEqual(ok.body.routes, ['eco']);
  assert.equal(ok.body.results.length, 1);
  const [eco] = ok.body.results;
  assert.equal(eco.route, 'eco');
  assert.equal(eco.status, 'done');
  assert.equal(eco.actions[0].action, 'echo');
  assert.equal(eco.actions[0].outcome, 'ok');
  assert.equal(eco.actions[0].exitCode, 0);
  assert.deepEqual(JSON.parse(eco.actions[0].output), ['olá']);

  const failed = await postJson(`${d.url}/wait`, { evento: 'falha', dados: {} });
  assert.equal(failed.status, 502, JSON.stringify(failed.body));
  const action = failed.body.results[0].actions[0];
  assert.equal(action.outcome, 'failed');
  assert.equal(action.exitCode, 3);
  assert.match(action.output, /partial work/);
  assert.match(action.error, /database is locked/);

  const pending = await postJson(`${d.url}/wait`, { evento: 'lento', dados: {} });
  assert.equal(pending.status, 202, JSON.stringify(pending.body));
  assert.equal(pending.body.pending, true);
  assert.deepEqual(pending.body.routes, ['lento']);
  // The work goes on after the answer.
  const done = await finished(d.adminUrl, pending.body.id, 20_000);
  assert.equal(done.runs[0]?.status, 'done');
  assert.equal(done.runs[0]?.jobs[0]?.attemptsLog.at(-1)?.output, 'slow done\n');

  // No route matched: nothing to wait for.
  const none = await postJson(`${d.url}/wait`, { evento: 'ninguem', dados: {} });
  assert.equal(none.status, 200, JSON.stringify(none.body));
  assert.deepEqual(none.body.routes, []);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a hanging command is killed at its timeout, with its whole process group', async (t) => {
  const dir = await tempDir(t);
  const quick = path.join(dir, 'quick.json');
  const slow = path.join(dir, 'slow.json');
  const d = await serve(t, `
routes:
  - name: trava
    event: trava
    actions:
      - name: hang
        run: [${bin('hang.js')}, ${JSON.stringify(quick)}]
        timeout: 300ms
  - name: trava-depois
    event: trava
    actions:
      - name: hang-started
        run: [${bin('hang.js')}, ${JSON.stringify(slow)}]
        timeout: 2s
`);
  const started = Date.now();
  const res = await postJson(`${d.url}/webhook`, { evento: 'trava', dados: {} });
  assert.equal(res.status, 202);
  assert.deepEqual(res.body.routes, ['trava', 'trava-depois']);
  const done = await finished(d.adminUrl, res.body.id);
  assert.ok(Date.now() - started < 9_000, 'the timeouts stopped them well before the test gave up');
  for (const run of done.runs) {
    assert.equal(run.status, 'dead', run.route);
    const attempt = run.jobs[0]?.attemptsLog.at(-1);
    assert.equal(attempt?.outcome, 'timeout', run.route);
    assert.match(attempt?.error ?? '', /timed out/);
  }
  // With 2 s it surely started its grandchild: both are gone, the process group was killed.
  const pidFiles = [slow, ...(existsSync(quick) ? [quick] : [])];
  for (const file of pidFiles) {
    const pids = JSON.parse(await readFile(file, 'utf8')) as { child: number; grandchild: number };
    await eventually(() => (!alive(pids.child) && !alive(pids.grandchild) ? true : undefined), 5_000, 'the hung processes to be gone');
  }
});

test('GET /healthz answers 200 on the public listener', async (t) => {
  const d = await serve(t, TESTE_ROUTES);
  const res = await fetch(`${d.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
});
