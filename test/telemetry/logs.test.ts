import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { eventually, postJson, startInProcess, tempDir, writeRoutes } from '../helpers/daemon.js';
import { fixture, repoRoot } from '../helpers/paths.js';

// The log a person or a log shipper reads: JSON lines, one per delivery and per action
// outcome, a start-up summary, warnings about exposed listeners, and --log-level honoured.

type Line = Record<string, any>;

function lines(text: string): Line[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => {
    try {
      return JSON.parse(l) as Line;
    } catch {
      throw new Error(`not a JSON log line: ${l}`);
    }
  });
}

const node = JSON.stringify(process.execPath);
const echo = JSON.stringify(fixture('bin', 'echo-args.js'));
const fails = JSON.stringify(fixture('bin', 'exit-3.js'));
const MARKER = 'stdout-marker-7f3a';

const ROUTES = `
endpoints:
  - path: /open
  - path: /secure
    token: a-long-shared-token
routes:
  - name: shout
    event: hello
    actions:
      - name: echo
        run: [${node}, ${echo}, "${MARKER}", "{{ who }}"]
      - name: tell
        forward: \${TARGET}
  - name: broken
    event: breaks
    actions:
      - name: boom
        run: [${node}, ${fails}]
        retry: { attempts: 1 }
`;

/** A local HTTP target for forward actions that answers 204. */
async function target(t: TestContext): Promise<string> {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A keep-alive connection (the forward's) must not hold the close open.
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const address = server.address() as net.AddressInfo;
  return `http://127.0.0.1:${address.port}/hook`;
}

test('one line per delivery and one per action outcome, without command output', async (t) => {
  const dir = await tempDir(t);
  const { url, logs } = await startInProcess(t, await writeRoutes(dir, ROUTES), { TARGET: await target(t) });
  const accepted = await postJson(`${url}/open`, { evento: 'hello', dados: { who: 'ana' } });
  assert.equal(accepted.status, 202);
  const id = accepted.body.id as string;
  const failed = await postJson(`${url}/open`, { evento: 'breaks', dados: {} });
  const failedId = failed.body.id as string;

  const outcomes = await eventually(() => {
    const found = lines(logs()).filter((l) => l.delivery !== undefined && l.outcome !== undefined);
    return found.length >= 3 ? found : undefined;
  }, 15_000, 'three action outcome lines');

  const deliveries = lines(logs()).filter((l) => l.delivery === id && l.event !== undefined);
  assert.equal(deliveries.length, 1, 'exactly one delivery line');
  assert.deepEqual(
    { level: deliveries[0]?.level, endpoint: deliveries[0]?.endpoint, event: deliveries[0]?.event, routes: deliveries[0]?.routes },
    { level: 30, endpoint: '/open', event: 'hello', routes: ['shout'] },
  );

  const echoed = outcomes.find((l) => l.delivery === id && l.action === 'echo');
  assert.ok(echoed !== undefined);
  assert.equal(echoed.route, 'shout');
  assert.equal(echoed.attempt, 1);
  assert.equal(echoed.outcome, 'ok');
  assert.equal(echoed.exitCode, 0);
  assert.equal(typeof echoed.durationMs, 'number');
  assert.equal(echoed.level, 30);

  const told = outcomes.find((l) => l.delivery === id && l.action === 'tell');
  assert.ok(told !== undefined);
  assert.equal(told.outcome, 'ok');
  assert.equal(told.status, 204);
  assert.equal(told.attempt, 1);
  assert.equal(typeof told.durationMs, 'number');

  const boom = outcomes.find((l) => l.delivery === failedId);
  assert.ok(boom !== undefined);
  assert.deepEqual({ route: boom.route, action: boom.action, attempt: boom.attempt, outcome: boom.outcome, exitCode: boom.exitCode },
    { route: 'broken', action: 'boom', attempt: 1, outcome: 'failed', exitCode: 3 });
  assert.equal(boom.level, 50, 'a dead action is an error line');
  assert.equal(outcomes.filter((l) => l.delivery === id).length, 2, 'one line per action outcome');

  assert.ok(!logs().includes(MARKER), 'command output is in the log by default');
  assert.ok(!logs().includes('partial work'), 'a failed command\'s stdout is in the log by default');
});

test('logOutput: true puts a command\'s stdout in its outcome line', async (t) => {
  const dir = await tempDir(t);
  const { url, logs } = await startInProcess(t, await writeRoutes(dir, ROUTES), { TARGET: await target(t) }, { logOutput: true });
  const { body } = await postJson(`${url}/open`, { evento: 'hello', dados: { who: 'ana' } });
  const echoed = await eventually(() => lines(logs()).find((l) => l.delivery === body.id && l.action === 'echo'), 15_000, 'the echo outcome');
  assert.equal(echoed.output, JSON.stringify([MARKER, 'ana']));
});

test('the start-up line sums up endpoints with their auth, routes, actions, journal and admin', async (t) => {
  const dir = await tempDir(t);
  const { server, url, adminUrl, logs } = await startInProcess(t, await writeRoutes(dir, ROUTES), { TARGET: 'http://127.0.0.1:9/' });
  const summary = lines(logs()).find((l) => typeof l.msg === 'string' && l.msg.startsWith('hookroute listening on'));
  assert.ok(summary !== undefined, logs());
  assert.equal(summary.msg, `hookroute listening on ${url}`);
  assert.deepEqual(summary.endpoints, ['POST /open (auth: none)', 'POST /secure (auth: token)']);
  assert.equal(summary.routes, 2);
  assert.equal(summary.actions, 3);
  assert.equal(summary.journal, server.journal()?.path);
  assert.ok(String(summary.journal).startsWith(dir), String(summary.journal));
  assert.equal(summary.admin, adminUrl);
  assert.equal(summary.routesFile, path.join(dir, 'routes.yaml'));
  // On loopback with the admin listener on loopback, nothing to warn about.
  assert.deepEqual(lines(logs()).filter((l) => l.level >= 40), []);
});

test('exposed listeners are warned about: an endpoint without auth, an admin without a token', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, `admin:\n  host: 0.0.0.0\n${ROUTES}`);
  const { logs } = await startInProcess(t, file, { TARGET: 'http://127.0.0.1:9/' }, { host: '0.0.0.0' });
  const warnings = lines(logs()).filter((l) => l.level === 40).map((l) => l.msg as string);
  assert.ok(warnings.some((m) => /endpoint \/open has no authentication and listens on 0\.0\.0\.0/.test(m)), warnings.join('\n'));
  assert.ok(!warnings.some((m) => /endpoint \/secure/.test(m)), 'an endpoint with a token is not warned about');
  assert.ok(warnings.some((m) => /admin listener is on 0\.0\.0\.0 without admin\.token/.test(m)), warnings.join('\n'));

  const guarded = await tempDir(t);
  const quiet = await startInProcess(t, await writeRoutes(guarded, `admin:\n  host: 0.0.0.0\n  token: an-admin-token-value\n${ROUTES.replace('  - path: /open\n', '  - path: /open\n    token: another-token-1\n')}`),
    { TARGET: 'http://127.0.0.1:9/' }, { host: '0.0.0.0' });
  assert.deepEqual(lines(quiet.logs()).filter((l) => l.level >= 40).map((l) => l.msg), []);
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `hookroute serve` as a process on known ports (at --log-level warn there is no start-up line to read them from). */
async function serveChild(t: TestContext, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ url: string; output: () => string; stop: () => Promise<number | string> }> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/src/cli/bin.js'), 'serve', ...args, '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(adminPort)], {
    cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    assert.equal(child.exitCode, null, `hookroute exited:\n${output}`);
    return (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status === 200 ? true : undefined;
  }, 15_000, `hookroute to listen:\n${output}`);
  return { url, output: () => output, stop: () => (child.kill('SIGTERM'), exited) };
}

test('--log-level warn hides info lines and keeps warnings and errors', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, ROUTES);
  const child = await serveChild(t, dir, [file, '--log-level', 'warn'], { TARGET: 'http://127.0.0.1:9/' });
  assert.equal((await postJson(`${child.url}/open`, { evento: 'nobody-routes-this', dados: {} })).status, 202);
  assert.equal((await postJson(`${child.url}/secure`, { evento: 'hello', dados: {} })).status, 401);
  const { body } = await postJson(`${child.url}/open`, { evento: 'breaks', dados: {} });
  await eventually(() => (child.output().includes(body.id) ? true : undefined), 15_000, 'the failed action line');
  assert.equal(await child.stop(), 0);

  const logged = lines(child.output());
  assert.deepEqual(logged.filter((l) => l.level < 40), [], 'info lines at --log-level warn');
  assert.ok(logged.some((l) => l.level === 40 && l.msg === 'request refused' && l.endpoint === '/secure'));
  assert.ok(logged.some((l) => l.level === 50 && l.delivery === body.id && l.outcome === 'failed'));
});

test('--log-level warn also silences the notice about serving the bundled example', async (t) => {
  const empty = await tempDir(t);
  const data = await tempDir(t);
  const child = await serveChild(t, empty, ['--data', data, '--log-level', 'warn']);
  assert.equal(await child.stop(), 0);
  assert.deepEqual(lines(child.output()).filter((l) => l.level < 40), []);

  const chatty = await serveChild(t, empty, ['--data', data]);
  assert.equal(await chatty.stop(), 0);
  assert.ok(lines(chatty.output()).some((l) => l.level === 30 && /serving the bundled example/.test(l.msg)), chatty.output());
});
