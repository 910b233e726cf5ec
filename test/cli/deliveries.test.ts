import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { eventually, postJson, startInProcess, tempDir, writeRoutes } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';

// `hookroute deliveries`, `show` and `replay` as real processes against a running daemon's admin
// listener: a target that never recovers leaves a dead delivery; once it is back, replay delivers.

const run = promisify(execFile);
const bin = path.join(repoRoot, 'dist/src/cli/bin.js');

async function hookroute(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [bin, ...args], { cwd: repoRoot, timeout: 60_000 });
  return stdout;
}

interface Detail { status: string; runs: { jobs: { attemptsLog: { n: number; outcome: string; status?: number }[] }[] }[] }

test('a dead delivery is listed, shown with its attempts, and delivered by replay ID and replay --dead', async (t) => {
  let healthy = false;
  const received: string[] = [];
  const crm = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(body);
      res.writeHead(healthy ? 200 : 500).end(healthy ? 'ok' : 'down');
    });
  });
  await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    crm.closeAllConnections();
    crm.close(() => resolve());
  }));

  const dir = await tempDir(t);
  const routes = await writeRoutes(dir, `
routes:
  - name: to-crm
    event: signup
    actions:
      - name: notify crm
        forward: http://127.0.0.1:${(crm.address() as AddressInfo).port}/hook
        retry: { attempts: 2, backoff: 50ms }
`);
  const { url, adminUrl } = await startInProcess(t, routes, {}, { data: path.join(dir, 'data') });
  const detail = async (id: string): Promise<Detail> => (await (await fetch(`${adminUrl}/api/deliveries/${id}`)).json()) as Detail;
  const becomes = (id: string, status: string): Promise<Detail> =>
    eventually(async () => {
      const d = await detail(id);
      return d.status === status ? d : undefined;
    }, 20_000, `${id} to be ${status}`);

  const first = await postJson(`${url}/webhook`, { event: 'signup', data: { n: 1 } });
  const second = await postJson(`${url}/webhook`, { event: 'signup', data: { n: 2 } });
  const [a, b] = [first.body.id as string, second.body.id as string];
  await becomes(a, 'dead');
  await becomes(b, 'dead');
  assert.equal(received.length, 4, 'two attempts each');

  // Independent invocations run side by side: each is a whole node process start.
  const failure = (args: string[], message: RegExp): Promise<void> =>
    assert.rejects(hookroute(...args), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, message);
      return true;
    });
  const [listed, json, none] = await Promise.all([
    hookroute('deliveries', '--status', 'dead', '--admin', adminUrl),
    hookroute('deliveries', '--status', 'dead', '--json', '--admin', adminUrl),
    hookroute('deliveries', '--status', 'done', '--admin', adminUrl),
    // Failures are explained, with exit code 1.
    failure(['show', 'no-such-id', '--admin', adminUrl], /404/),
    failure(['deliveries', '--admin', 'http://127.0.0.1:1'], /cannot reach the admin listener at http:\/\/127\.0\.0\.1:1/),
  ]);
  assert.match(listed, new RegExp(`^${a}\\s.*\\bdead\\b.*\\bsignup\\b.*\\bto-crm\\b`, 'm'));
  assert.match(listed, new RegExp(`^${b}\\s`, 'm'));
  const asJson = JSON.parse(json) as { id: string; status: string }[];
  assert.deepEqual(asJson.map((d) => d.id).sort(), [a, b].sort());
  assert.match(none, /no deliveries/);

  healthy = true;
  assert.match(await hookroute('replay', a, '--admin', adminUrl), new RegExp(`${a}: 1 route\\(s\\) queued again`));
  const done = await becomes(a, 'done');
  assert.deepEqual(done.runs[0]?.jobs[0]?.attemptsLog.map((x) => [x.n, x.outcome, x.status]), [[1, 'failed', 500], [2, 'failed', 500], [3, 'ok', 200]]);
  assert.equal((await detail(b)).status, 'dead', 'replaying one delivery leaves the others alone');

  const shown = parse(await hookroute('show', a, '--admin', adminUrl)) as {
    delivery: string; status: string; routes: { route: string; actions: { action: string; status: string; attempts: { n: number; outcome: string; httpStatus?: number }[] }[] }[];
  };
  assert.equal(shown.delivery, a);
  assert.equal(shown.status, 'done');
  assert.equal(shown.routes[0]?.route, 'to-crm');
  assert.equal(shown.routes[0]?.actions[0]?.action, 'notify crm');
  assert.deepEqual(shown.routes[0]?.actions[0]?.attempts.map((x) => [x.n, x.outcome, x.httpStatus]), [[1, 'failed', 500], [2, 'failed', 500], [3, 'ok', 200]]);

  assert.match(await hookroute('replay', '--dead', '--admin', adminUrl), /^1 dead deliveries, 1 route\(s\) queued again$/m);
  await becomes(b, 'done');
  const [deadNow, again] = await Promise.all([hookroute('deliveries', '--status', 'dead', '--admin', adminUrl), hookroute('replay', a, '--admin', adminUrl)]);
  assert.match(deadNow, /no deliveries/);
  assert.match(again, /nothing to replay/);
  assert.equal(received.length, 6, 'each replay delivered once');
});
