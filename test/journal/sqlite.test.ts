import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteJournal } from '../../src/journal/sqlite.js';
import type { Journal, NewDelivery, NewRun } from '../../src/journal/types.js';
import { tempDir } from '../helpers/daemon.js';

// The SQLite journal against a real file in a temp folder: group commit, dedup, requeue, prune.

const T0 = Date.UTC(2024, 0, 1);
const DAY = 24 * 3600_000;

/** The journal's fire-and-forget writes are committed on the next turn of the event loop. */
const committed = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function open(t: TestContext, dir?: string): Promise<Journal> {
  const journal = openSqliteJournal({ dir: dir ?? (await tempDir(t)), durability: 'normal' });
  let closed = false;
  const close = journal.close.bind(journal);
  t.after(() => (closed ? undefined : close()));
  return { ...journal, close: async () => { closed = true; await close(); } };
}

let counter = 0;
function delivery(over: Partial<NewDelivery> & { runs?: readonly NewRun[] } = {}): NewDelivery {
  counter++;
  return {
    id: `d-${counter}`, sourceId: undefined, endpoint: '/webhook', event: 'push', receivedAt: T0, snapshotId: 'snap',
    headers: { 'content-type': 'application/json' }, query: {}, contentType: 'application/json',
    body: Buffer.from(`{"event":"push","n":${counter}}`), data: { n: counter },
    runs: [{ routeIndex: 0, route: 'deploy', key: undefined, jobs: [{ index: 0, name: 'build', type: 'run' }, { index: 1, name: 'notify', type: 'forward' }] }],
    ...over,
  };
}

function accepted(result: Awaited<ReturnType<Journal['accept']>>): { id: string; runs: readonly { id: string; seq: number }[] } {
  assert.equal(result.kind, 'accepted');
  return result as { kind: 'accepted'; id: string; runs: { id: string; seq: number }[] };
}

test('group commit: many concurrent accepts all commit, and a write that fails alone fails alone', async (t) => {
  const journal = await open(t);
  const many = Array.from({ length: 300 }, () => delivery());
  const clash = { ...delivery(), id: many[7]!.id }; // same primary key as another write of the same batch
  const results = await Promise.allSettled([...many.map((d) => journal.accept(d, DAY)), journal.accept(clash, DAY)]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 300);
  const failed = results[300];
  assert.equal(failed?.status, 'rejected');
  assert.match(String((failed as PromiseRejectedResult).reason), /UNIQUE|constraint/i);
  for (const d of many) assert.equal(journal.detail(d.id)?.status, 'pending');
  assert.equal(journal.list({ limit: 1000 }).length, 300);
  // Arrival order is kept: runs come back in the order their accepts were submitted.
  const unfinished = journal.unfinishedRuns();
  assert.deepEqual(unfinished.map((r) => r.deliveryId), many.map((d) => d.id));
  assert.deepEqual(journal.counts(), { pending: 600, running: 0, dead: 0 });
});

test('the journal survives a reopen: unfinished runs resume in arrival order, seq keeps growing', async (t) => {
  const dir = await tempDir(t);
  const first = await open(t, dir);
  const a = accepted(await first.accept(delivery(), DAY));
  const b = accepted(await first.accept(delivery(), DAY));
  const c = accepted(await first.accept(delivery(), DAY));
  // a: running (a crash mid-action), b: retrying, c: done.
  first.jobStarted(`${a.runs[0]!.id}/0`);
  first.jobStarted(`${b.runs[0]!.id}/0`);
  first.attemptFinished(`${b.runs[0]!.id}/0`, { n: 1, startedAt: T0, durationMs: 5, outcome: 'failed', exitCode: 1 }, 'retrying');
  first.runFinished(c.runs[0]!.id, 'done', undefined);
  await first.close();

  const again = await open(t, dir);
  const unfinished = again.unfinishedRuns();
  assert.deepEqual(unfinished.map((r) => [r.id, r.status]), [[a.runs[0]!.id, 'running'], [b.runs[0]!.id, 'retrying']]);
  assert.deepEqual(again.jobs(b.runs[0]!.id).map((j) => [j.status, j.attempts]), [['retrying', 1], ['pending', 0]]);
  const d = accepted(await again.accept(delivery(), DAY));
  assert.ok(d.runs[0]!.seq > c.runs[0]!.seq, 'seq continues after a reopen');
  assert.equal(again.detail(c.id)?.status, 'done');
  assert.equal(again.detail(b.id)?.status, 'failed');
});

test('dedup: a sender id is a duplicate within the window, per endpoint, and new again after it', async (t) => {
  const journal = await open(t);
  const window = 3600_000;
  const first = accepted(await journal.accept(delivery({ sourceId: 'gh-1', receivedAt: T0 }), window));
  assert.deepEqual(await journal.accept(delivery({ sourceId: 'gh-1', receivedAt: T0 + window - 1 }), window), { kind: 'duplicate', id: first.id });
  // Another endpoint has its own ids.
  accepted(await journal.accept(delivery({ sourceId: 'gh-1', endpoint: '/other', receivedAt: T0 + 10 }), window));
  // Two copies in the same group commit: the second sees the first.
  const [x, y] = await Promise.all([
    journal.accept(delivery({ sourceId: 'gh-2', receivedAt: T0 }), window),
    journal.accept(delivery({ sourceId: 'gh-2', receivedAt: T0 }), window),
  ]);
  assert.equal(x?.kind, 'accepted');
  assert.deepEqual(y, { kind: 'duplicate', id: x?.id });
  // Past the window the id is new again.
  const later = accepted(await journal.accept(delivery({ sourceId: 'gh-1', receivedAt: T0 + window + 1 }), window));
  assert.notEqual(later.id, first.id);
  assert.equal(journal.detail('gh-1')?.id, later.id, 'detail finds a delivery by its sender id too');
});

test('requeue: a dead run is pending again, done actions are kept, attempts continue and history stays', async (t) => {
  const journal = await open(t);
  const d = accepted(await journal.accept(delivery(), DAY));
  const run = d.runs[0]!.id;
  journal.jobStarted(`${run}/0`);
  journal.attemptFinished(`${run}/0`, { n: 1, startedAt: T0, durationMs: 3, outcome: 'ok', exitCode: 0 }, 'done');
  journal.jobStarted(`${run}/1`);
  journal.attemptFinished(`${run}/1`, { n: 1, startedAt: T0, durationMs: 3, outcome: 'failed', status: 500 }, 'retrying');
  journal.attemptFinished(`${run}/1`, { n: 2, startedAt: T0 + 1, durationMs: 3, outcome: 'failed', status: 502 }, 'dead');
  journal.runFinished(run, 'dead', 'skipped');
  await committed();
  assert.equal(journal.detail(d.id)?.status, 'dead');
  assert.deepEqual(journal.deadDeliveryIds(10), [d.id]);

  const plan = () => ({ snapshotId: 'snap-2', routeIndex: 3, jobs: [{ index: 0, name: 'build', type: 'run' }, { index: 1, name: 'notify', type: 'forward' }] });
  const requeued = journal.requeue(d.id, plan);
  assert.deepEqual(requeued.map((r) => [r.id, r.status, r.snapshotId, r.routeIndex]), [[run, 'pending', 'snap-2', 3]]);
  assert.equal(journal.detail(d.id)?.status, 'pending');
  assert.deepEqual(journal.deadDeliveryIds(10), []);
  const jobs = journal.jobs(run);
  assert.deepEqual(jobs.map((j) => [j.name, j.status]), [['build', 'done'], ['notify', 'pending']]);
  // The next attempt is number 3: the two failed ones stay in the delivery's history.
  assert.equal(jobs[1]?.attempts, 2);
  journal.attemptFinished(`${run}/1`, { n: 3, startedAt: T0 + 2, durationMs: 3, outcome: 'ok', status: 200 }, 'done');
  journal.runFinished(run, 'done', undefined);
  await committed();
  const detail = journal.detail(d.id);
  assert.equal(detail?.status, 'done');
  assert.deepEqual(detail?.runs[0]?.jobs[1]?.attemptsLog.map((a) => [a.n, a.outcome, a.status]), [[1, 'failed', 500], [2, 'failed', 502], [3, 'ok', 200]]);
  // Nothing dead is left: a second replay queues nothing.
  assert.deepEqual(journal.requeue(d.id, plan), []);
});

test('requeue leaves a run that is still being retried alone, and keeps a run whose route is gone on its snapshot', async (t) => {
  const journal = await open(t);
  const retrying = accepted(await journal.accept(delivery(), DAY));
  journal.attemptFinished(`${retrying.runs[0]!.id}/0`, { n: 1, startedAt: T0, durationMs: 1, outcome: 'failed' }, 'retrying');
  await committed();
  assert.equal(journal.detail(retrying.id)?.status, 'failed');
  // The dispatcher is still trying it: queueing it again would run it twice at once.
  assert.deepEqual(journal.requeue(retrying.id, () => undefined), []);
  assert.equal(journal.jobs(retrying.runs[0]!.id)[0]?.status, 'retrying');

  const gone = accepted(await journal.accept(delivery(), DAY));
  const run = gone.runs[0]!.id;
  journal.attemptFinished(`${run}/0`, { n: 1, startedAt: T0, durationMs: 1, outcome: 'failed' }, 'dead');
  journal.runFinished(run, 'dead', 'skipped');
  await committed();
  const requeued = journal.requeue(gone.id, () => undefined);
  assert.deepEqual(requeued.map((r) => [r.status, r.snapshotId, r.routeIndex]), [['pending', 'snap', 0]]);
  assert.deepEqual(journal.jobs(run).map((j) => [j.status, j.attempts]), [['pending', 1], ['pending', 0]]);
});

test('prune removes old done deliveries only (dead letters stay), with their runs, attempts and old dedup entries', async (t) => {
  const journal = await open(t);
  const oldDone = accepted(await journal.accept(delivery({ receivedAt: T0, sourceId: 'old' }), DAY));
  journal.attemptFinished(`${oldDone.runs[0]!.id}/0`, { n: 1, startedAt: T0, durationMs: 1, outcome: 'ok' }, 'done');
  journal.runFinished(oldDone.runs[0]!.id, 'done', undefined);
  const oldPending = accepted(await journal.accept(delivery({ receivedAt: T0 }), DAY));
  const oldRetrying = accepted(await journal.accept(delivery({ receivedAt: T0 }), DAY));
  journal.attemptFinished(`${oldRetrying.runs[0]!.id}/0`, { n: 1, startedAt: T0, durationMs: 1, outcome: 'failed' }, 'retrying');
  const newDone = accepted(await journal.accept(delivery({ receivedAt: T0 + 10 * DAY, runs: [] }), DAY));
  const oldDead = accepted(await journal.accept(delivery({ receivedAt: T0 }), DAY));
  journal.attemptFinished(`${oldDead.runs[0]!.id}/0`, { n: 1, startedAt: T0, durationMs: 1, outcome: 'failed' }, 'dead');
  journal.runFinished(oldDead.runs[0]!.id, 'dead', 'skipped');
  await committed();
  assert.equal(journal.detail(oldDead.id)?.status, 'dead');
  assert.equal(journal.detail(oldDone.id)?.status, 'done');

  const removed = await journal.prune(T0 + 7 * DAY, T0 + 1);
  assert.equal(removed, 1);
  assert.equal(journal.detail(oldDone.id), undefined);
  assert.equal(journal.detail(oldPending.id)?.status, 'pending');
  assert.equal(journal.detail(oldRetrying.id)?.status, 'failed');
  assert.equal(journal.detail(newDone.id)?.status, 'done');
  assert.equal(journal.detail(oldDead.id)?.status, 'dead', 'a dead letter outlives retention until it is replayed');
  assert.deepEqual(journal.unfinishedRuns().map((r) => r.deliveryId), [oldPending.id, oldRetrying.id]);
  // Its dedup entry is older than the dedup cut: the same sender id is new again.
  accepted(await journal.accept(delivery({ sourceId: 'old', receivedAt: T0 + 11 * DAY }), DAY));
});

test('prune gives the space back (incremental vacuum): the file does not grow over cycles', async (t) => {
  const dir = await tempDir(t);
  const journal = await open(t, dir);
  const file = path.join(dir, 'journal.db');
  const reader = new Database(file, { readonly: true });
  t.after(() => reader.close());
  const pages = (): { pages: number; free: number } => ({
    pages: reader.pragma('page_count', { simple: true }) as number,
    free: reader.pragma('freelist_count', { simple: true }) as number,
  });
  assert.equal(reader.pragma('auto_vacuum', { simple: true }), 2, 'auto_vacuum is INCREMENTAL');

  const body = Buffer.alloc(16 * 1024, 'x');
  let peak = 0;
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 200 }, () => journal.accept(delivery({ body, runs: [] }), DAY)));
    const full = pages();
    peak = Math.max(peak, full.pages);
    assert.ok(full.pages * 4096 > 200 * 16 * 1024, `round ${round}: the bodies are in the file (${full.pages} pages)`);
    assert.equal(await journal.prune(T0 + 1, T0 + 1), 200);
    const after = pages();
    assert.equal(after.free, 0, `round ${round}: no free pages are kept after prune`);
    assert.ok(after.pages < full.pages / 10, `round ${round}: ${after.pages} pages after prune, ${full.pages} before`);
  }
  reader.close();
  await journal.close();
  // Closed cleanly, the WAL is folded in and the file on disk is small again.
  assert.ok(statSync(file).size < (peak * 4096) / 10, `journal.db is ${statSync(file).size} bytes after prune`);
});

test('prune works a slice at a time: requests are answered while it runs', async (t) => {
  const journal = await open(t);
  await Promise.all(Array.from({ length: 2000 }, () => journal.accept(delivery({ runs: [] }), DAY)));
  let turns = 0;
  let spinning = true;
  const spin = (): void => {
    turns++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  let acceptedAt: number | undefined;
  let order = 0;
  const pruning = journal.prune(T0 + 1, T0 + 1).then((n) => ({ n, at: ++order }));
  const during = journal.accept(delivery({ receivedAt: T0 + DAY }), DAY).then(() => (acceptedAt = ++order));
  const { n, at } = await pruning;
  spinning = false;
  await during;
  assert.equal(n, 2000);
  assert.ok(turns >= 3, `the event loop turned ${turns} times while pruning`);
  assert.ok(acceptedAt !== undefined && acceptedAt < at, 'an accept submitted during the prune committed before it ended');
  assert.equal(journal.unfinishedRuns().length, 1);
});

test('probe writes to the disk: it fails once the data folder is gone, though the open database still answers', async (t) => {
  const dir = await tempDir(t);
  const journal = await open(t, dir);
  assert.doesNotThrow(() => journal.probe());
  await rm(dir, { recursive: true, force: true });
  assert.throws(() => journal.probe(), /ENOENT|no such file/i);
});

test('a journal written before budget_from existed is migrated on open', async (t) => {
  const dir = await tempDir(t);
  const old = new Database(path.join(dir, 'journal.db'));
  old.exec(`CREATE TABLE jobs (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, action_index INTEGER NOT NULL, name TEXT NOT NULL,
    type TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)`);
  old.prepare("INSERT INTO jobs (id, run_id, action_index, name, type, status, attempts) VALUES ('r/0', 'r', 0, 'a', 'run', 'dead', 2)").run();
  old.close();
  const journal = await open(t, dir);
  assert.deepEqual(journal.jobs('r').map((j) => [j.attempts, j.budgetFrom]), [[2, 0]]);
  accepted(await journal.accept(delivery(), DAY));
});
