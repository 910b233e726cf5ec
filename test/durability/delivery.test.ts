import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { eventually, postJson, startInProcess, tempDir, writeRoutes } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';

// The dispatcher through the real daemon (in-process, real HTTP, real processes, real SQLite):
// retries with their attempts recorded, keyed `latest` concurrency, arrival order, timeouts.

const slowAppend = fixture('bin', 'slow-append.sh');
const hang = fixture('bin', 'hang.js');

interface Attempt { n: number; outcome: string; status?: number; error?: string; signal?: string }
interface Detail {
  id: string;
  status: string;
  runs: { route: string; status: string; jobs: { status: string; attempts: number; attemptsLog: Attempt[] }[] }[];
}

async function lines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

async function detail(adminUrl: string, id: string): Promise<Detail> {
  const r = await fetch(`${adminUrl}/api/deliveries/${encodeURIComponent(id)}`);
  assert.equal(r.status, 200);
  return (await r.json()) as Detail;
}

function settled(adminUrl: string, id: string, status = 'done'): Promise<Detail> {
  return eventually(async () => {
    const d = await detail(adminUrl, id);
    return d.status === status ? d : undefined;
  }, 15_000, `delivery ${id} to be ${status}`);
}

/** A local HTTP target answering with the statuses given, one per request, then 200. */
async function target(t: TestContext, statuses: number[]): Promise<{ url: string; received: { body: string; headers: IncomingMessage['headers'] }[] }> {
  const received: { body: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      res.writeHead(statuses.shift() ?? 200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A keep-alive connection (the forward's) must not hold the close open.
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

test('a forward target that fails twice then recovers: delivered on the third attempt, each attempt recorded', async (t) => {
  const dir = await tempDir(t);
  const crm = await target(t, [500, 500]);
  const routes = await writeRoutes(dir, `
routes:
  - name: to-crm
    event: order
    actions:
      - forward: ${crm.url}
        retry: { attempts: 5, backoff: 100ms }
`);
  const { url, adminUrl } = await startInProcess(t, routes, {}, { data: path.join(dir, 'data') });
  const sent = { event: 'order', data: { n: 1 } };
  const accepted = await postJson(`${url}/webhook`, sent);
  assert.equal(accepted.status, 202);
  const d = await settled(adminUrl, accepted.body.id as string);
  assert.equal(d.runs[0]?.status, 'done');
  const job = d.runs[0]?.jobs[0];
  assert.equal(job?.status, 'done');
  assert.deepEqual(job?.attemptsLog.map((a) => [a.n, a.outcome, a.status]), [[1, 'failed', 500], [2, 'failed', 500], [3, 'ok', 200]]);
  assert.equal(crm.received.length, 3, 'two failures and one success: it arrived exactly once more');
  assert.deepEqual(crm.received.map((r) => JSON.parse(r.body) as unknown), [sent, sent, sent]);
});

test('keyed latest concurrency: the first and the newest run, the ones between are superseded, other keys unaffected', async (t) => {
  const dir = await tempDir(t);
  const out = path.join(dir, 'deploys.txt');
  const routes = await writeRoutes(dir, `
routes:
  - name: deploy
    event: push
    concurrency: { limit: 1, key: "{{ repo }}", latest: true }
    actions:
      - run: [${JSON.stringify(slowAppend)}, ${JSON.stringify(out)}, "{{ repo }}#{{ n }}", "{{ seconds }}"]
`);
  const { url, adminUrl } = await startInProcess(t, routes, {}, { data: path.join(dir, 'data') });
  const push = async (repo: string, n: number, seconds: number): Promise<string> => {
    const r = await postJson(`${url}/webhook`, { event: 'push', data: { repo, n, seconds } });
    assert.equal(r.status, 202);
    return r.body.id as string;
  };
  // The first one is running (the dispatcher starts it before the 202) while the others arrive.
  const a = [await push('app', 1, 1.5)];
  for (const n of [2, 3, 4, 5]) a.push(await push('app', n, 0));
  const b = [await push('lib', 1, 0.3), await push('lib', 2, 0)];

  const last = await settled(adminUrl, a[4]!);
  assert.equal(last.runs[0]?.status, 'done');
  assert.equal((await settled(adminUrl, a[0]!)).runs[0]?.status, 'done');
  for (const id of a.slice(1, 4)) {
    const d = await detail(adminUrl, id);
    assert.equal(d.runs[0]?.status, 'superseded', `${id} was overtaken`);
    assert.deepEqual(d.runs[0]?.jobs.map((j) => [j.status, j.attemptsLog.length]), [['superseded', 0]]);
  }
  for (const id of b) assert.equal((await settled(adminUrl, id)).runs[0]?.status, 'done');
  assert.deepEqual((await lines(out)).sort(), ['app#1', 'app#5', 'lib#1', 'lib#2']);
});

test('concurrency: 1 runs deliveries one at a time in arrival order', async (t) => {
  const dir = await tempDir(t);
  const out = path.join(dir, 'order.txt');
  const started = path.join(dir, 'started.txt');
  const routes = await writeRoutes(dir, `
routes:
  - name: serial
    event: step
    concurrency: 1
    actions:
      - run: [${JSON.stringify(slowAppend)}, ${JSON.stringify(out)}, "{{ n }}", "0.05", ${JSON.stringify(started)}]
`);
  const { url } = await startInProcess(t, routes, {}, { data: path.join(dir, 'data') });
  for (let n = 1; n <= 10; n++) assert.equal((await postJson(`${url}/webhook`, { event: 'step', data: { n } })).status, 202);
  const expected = Array.from({ length: 10 }, (_, i) => String(i + 1));
  await eventually(async () => ((await lines(out)).length === 10 ? true : undefined), 15_000, 'all ten to run');
  assert.deepEqual(await lines(out), expected);
  // One at a time: each started only after the one before had finished.
  const log = [...(await readFile(started, 'utf8')).split('\n').filter((l) => l !== '')];
  assert.deepEqual(log, expected);
});

test('a hanging command is stopped at its timeout, with its children, and the attempt says timeout', async (t) => {
  const dir = await tempDir(t);
  const pids = path.join(dir, 'pids.json');
  const routes = await writeRoutes(dir, `
routes:
  - name: stuck
    event: job
    actions:
      - run: [${JSON.stringify(hang)}, ${JSON.stringify(pids)}]
        timeout: 500ms
`);
  const { url, adminUrl } = await startInProcess(t, routes, {}, { data: path.join(dir, 'data') });
  const accepted = await postJson(`${url}/webhook`, { event: 'job', data: {} });
  assert.equal(accepted.status, 202);
  const d = await settled(adminUrl, accepted.body.id as string, 'dead');
  const [attempt] = d.runs[0]?.jobs[0]?.attemptsLog ?? [];
  assert.equal(d.runs[0]?.jobs[0]?.attemptsLog.length, 1);
  assert.equal(attempt?.outcome, 'timeout');
  assert.match(attempt?.error ?? '', /timed out after 500 ms/);
  assert.ok(existsSync(pids));
  const { child, grandchild } = JSON.parse(readFileSync(pids, 'utf8')) as { child: number; grandchild: number };
  const alive = (pid: number): boolean => {
    try {
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  };
  assert.equal(alive(child), false, 'the command was stopped');
  assert.equal(alive(grandchild), false, 'and what it started too');
});
