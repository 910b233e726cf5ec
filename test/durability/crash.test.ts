import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, postJson, startChild, startInProcess, tempDir, writeRoutes } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';

// A daemon stopped (by SIGKILL mid-work, or cleanly) and started again on the same routes and
// data: every accepted event is acted on at least once, and dedup survives.

const slowAppend = fixture('bin', 'slow-append.sh');

async function lines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

test('kill -9 in the middle of 30 slow jobs: after a restart every accepted event was acted on', async (t) => {
  const dir = await tempDir(t);
  const out = path.join(dir, 'done.txt');
  const data = path.join(dir, 'data');
  const routes = await writeRoutes(dir, `
routes:
  - name: slow
    event: job
    concurrency: 5
    actions:
      - run: [${JSON.stringify(slowAppend)}, ${JSON.stringify(out)}, "{{ $id }}", "0.3"]
`);
  const first = await startChild(t, [routes, '--data', data]);
  const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => postJson(`${first.url}/webhook`, { event: 'job', data: { n } })));
  assert.deepEqual(answers.map((a) => a.status), Array(30).fill(202));
  const ids = answers.map((a) => a.body.id as string);

  await eventually(async () => ((await lines(out)).length >= 5 ? true : undefined), 10_000, 'the first jobs to finish');
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  const before = await lines(out);
  assert.ok(before.length < 30, `killed mid-way (${before.length} of 30 had finished)`);

  const second = await startChild(t, [routes, '--data', data]);
  const all = await eventually(async () => {
    const seen = new Set(await lines(out));
    return ids.every((id) => seen.has(id)) ? seen : undefined;
  }, 20_000, 'all 30 accepted events to be acted on');
  assert.equal(all.size, 30, 'only accepted ids were written');
  const done = await eventually(async () => {
    const r = await fetch(`${second.adminUrl}/api/deliveries?status=done&limit=100`);
    const list = ((await r.json()) as { deliveries: { id: string }[] }).deliveries;
    return list.length === 30 ? list : undefined;
  }, 10_000, 'the journal to mark all 30 done');
  assert.deepEqual(new Set(done.map((d) => d.id)), new Set(ids));
});

test('dedup survives a restart: the same sender id is answered as a duplicate and runs once', async (t) => {
  const dir = await tempDir(t);
  const out = path.join(dir, 'ran.txt');
  const data = path.join(dir, 'data');
  const routes = await writeRoutes(dir, `
routes:
  - name: once
    event: order
    concurrency: 1
    actions:
      - run: [${JSON.stringify(slowAppend)}, ${JSON.stringify(out)}, "{{ n }}", "0"]
`);
  // In-process (stopped as SIGTERM would) to keep the test quick; the kill -9 test above uses the CLI.
  const first = await startInProcess(t, routes, {}, { data });
  const byBody = await postJson(`${first.url}/webhook`, { event: 'order', data: { n: 1 }, id: 'order-1' });
  const byHeader = await postJson(`${first.url}/webhook`, { event: 'order', data: { n: 2 } }, { 'x-github-delivery': 'gh-7' });
  assert.equal(byBody.status, 202);
  assert.equal(byHeader.status, 202);
  await eventually(async () => ((await lines(out)).length === 2 ? true : undefined), 10_000, 'both to run');
  await first.server.stop();

  const second = await startInProcess(t, routes, {}, { data });
  const again = await postJson(`${second.url}/webhook`, { event: 'order', data: { n: 3 }, id: 'order-1' });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, { id: byBody.body.id, duplicate: true });
  const againHeader = await postJson(`${second.url}/webhook`, { event: 'order', data: { n: 4 } }, { 'x-github-delivery': 'gh-7' });
  assert.equal(againHeader.status, 200);
  assert.deepEqual(againHeader.body, { id: byHeader.body.id, duplicate: true });
  // concurrency: 1 keeps arrival order, so once a later event has run, a duplicate would have too.
  const fresh = await postJson(`${second.url}/webhook`, { event: 'order', data: { n: 9 }, id: 'order-2' });
  assert.equal(fresh.status, 202);
  await eventually(async () => ((await lines(out)).includes('9') ? true : undefined), 10_000, 'the later event to run');
  assert.deepEqual(await lines(out), ['1', '2', '9']);
});
