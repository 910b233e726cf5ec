import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, postJson, startChild, tempDir, writeRoutes } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';

// SIGTERM to the real CLI: it stops accepting (503), lets running actions finish up to
// server.shutdownTimeout, then stops them, exits 0, and leaves the rest for the next start.

const slowAppend = fixture('bin', 'slow-append.sh');
const hang = fixture('bin', 'hang.js');

async function lines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

// A zombie (exited, not yet reaped by a PID 1 that does not reap) still answers kill(pid, 0).
function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

test('SIGTERM drains: the running action finishes, new requests get 503, exit 0, the rest runs on the next start', async (t) => {
  const dir = await tempDir(t);
  const out = path.join(dir, 'done.txt');
  const started = path.join(dir, 'started.txt');
  const data = path.join(dir, 'data');
  const routes = await writeRoutes(dir, `
server:
  shutdownTimeout: 10s
routes:
  - name: serial
    event: job
    concurrency: 1
    actions:
      - run: [${JSON.stringify(slowAppend)}, ${JSON.stringify(out)}, "{{ n }}", "1", ${JSON.stringify(started)}]
`);
  const first = await startChild(t, [routes, '--data', data]);
  for (const n of [1, 2, 3]) assert.equal((await postJson(`${first.url}/webhook`, { event: 'job', data: { n } })).status, 202);
  await eventually(async () => ((await lines(started)).includes('1') ? true : undefined), 10_000, 'the first action to start');

  first.child.kill('SIGTERM');
  const readyz = await eventually(async () => {
    const r = await fetch(`${first.adminUrl}/readyz`);
    return r.status === 503 ? ((await r.json()) as { reasons: string[] }) : undefined;
  }, 5_000, 'readyz to say it is shutting down');
  assert.ok(readyz.reasons.some((r) => /shutting down/.test(r)), JSON.stringify(readyz));
  const during = await postJson(`${first.url}/webhook`, { event: 'job', data: { n: 4 } });
  assert.equal(during.status, 503);
  assert.equal(during.body.code, 'HR_UNAVAILABLE');
  assert.ok(during.headers.get('retry-after') !== null, 'a 503 says when to retry');

  assert.equal(await first.exited, 0);
  assert.deepEqual(await lines(out), ['1'], 'the running action finished before the exit');
  assert.deepEqual(await lines(started), ['1'], 'nothing else started during the drain');

  await startChild(t, [routes, '--data', data]);
  await eventually(async () => ((await lines(out)).length === 3 ? true : undefined), 15_000, 'the pending jobs to run');
  assert.deepEqual(await lines(out), ['1', '2', '3'], 'resumed in arrival order, the finished one not run again');
});

test('SIGTERM with a hanging action: it is stopped at shutdownTimeout, exit 0, and it is pending again on the next start', async (t) => {
  const dir = await tempDir(t);
  const pids = path.join(dir, 'pids.json');
  const data = path.join(dir, 'data');
  const routes = await writeRoutes(dir, `
server:
  shutdownTimeout: 1s
routes:
  - name: stuck
    event: job
    actions:
      - run: [${JSON.stringify(hang)}, ${JSON.stringify(pids)}]
        timeout: 60s
`);
  const first = await startChild(t, [routes, '--data', data]);
  const accepted = await postJson(`${first.url}/webhook`, { event: 'job', data: {} });
  assert.equal(accepted.status, 202);
  const firstPids = await eventually(() => (existsSync(pids) ? (JSON.parse(readFileSync(pids, 'utf8')) as { child: number; grandchild: number }) : undefined), 10_000, 'the action to start');
  t.after(() => killGroup(firstPids.child));

  const asked = Date.now();
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  assert.ok(Date.now() - asked < 8_000, 'it did not wait for the 60 s action timeout');
  await eventually(() => (!isAlive(firstPids.child) && !isAlive(firstPids.grandchild) ? true : undefined), 5_000, 'the action and its child to be stopped');

  await rm(pids);
  const second = await startChild(t, [routes, '--data', data]);
  const secondPids = await eventually(() => (existsSync(pids) ? (JSON.parse(readFileSync(pids, 'utf8')) as { child: number }) : undefined), 10_000, 'the job to run again');
  t.after(() => killGroup(secondPids.child));
  assert.notEqual(secondPids.child, firstPids.child);
  const detail = (await (await fetch(`${second.adminUrl}/api/deliveries/${accepted.body.id as string}`)).json()) as {
    status: string;
    runs: { jobs: { attemptsLog: { n: number; outcome: string }[] }[] }[];
  };
  assert.equal(detail.status, 'pending');
  assert.deepEqual(detail.runs[0]?.jobs[0]?.attemptsLog.map((a) => [a.n, a.outcome]), [[1, 'interrupted']]);
});
