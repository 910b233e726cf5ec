import { closeSync, fsyncSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA, SCHEMA_VERSION } from './sqlite-schema.js';
import { createWriteBatcher, type WriteBatcher } from './write-batcher.js';
import type {
  AcceptResult, AttemptRecord, DeliveryDetail, DeliveryStatus, DeliverySummary, JobCounts, JobStatus,
  Journal, ListQuery, NewDelivery, RunStatus, StoredDelivery, StoredJob, StoredRun,
} from './types.js';

export interface SqliteJournalOptions {
  /** The folder that holds journal.db. */
  readonly dir: string;
  /** full: every commit waits for fsync (survives power loss); normal: survives a process crash. */
  readonly durability: 'normal' | 'full';
  readonly onWriteError?: (error: Error) => void;
  /** How often the WAL is copied back into the database, off the main thread (default 1 s). */
  readonly checkpointIntervalMs?: number;
}

type Row = Record<string, unknown>;

function toRun(r: Row): StoredRun {
  return {
    id: r['id'] as string,
    deliveryId: r['delivery_id'] as string,
    routeIndex: r['route_index'] as number,
    route: r['route'] as string,
    key: (r['concurrency_key'] as string | null) ?? undefined,
    snapshotId: r['snapshot_id'] as string,
    status: r['status'] as RunStatus,
    seq: r['seq'] as number,
  };
}

function toJob(r: Row): StoredJob {
  return {
    id: r['id'] as string,
    runId: r['run_id'] as string,
    index: r['action_index'] as number,
    name: r['name'] as string,
    type: r['type'] as string,
    status: r['status'] as JobStatus,
    attempts: r['attempts'] as number,
    budgetFrom: (r['budget_from'] as number | undefined) ?? 0,
  };
}

function toAttempt(r: Row): AttemptRecord {
  const opt = <T>(v: unknown): T | undefined => (v === null ? undefined : (v as T));
  return {
    n: r['n'] as number,
    startedAt: r['started_at'] as number,
    durationMs: r['duration_ms'] as number,
    outcome: r['outcome'] as string,
    exitCode: opt<number>(r['exit_code']),
    signal: opt<string>(r['signal']),
    status: opt<number>(r['http_status']),
    output: opt<string>(r['output']),
    stderr: opt<string>(r['stderr']),
    error: opt<string>(r['error']),
  };
}

function prepareDatabase(db: Database.Database, durability: SqliteJournalOptions['durability']): void {
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  // Checkpoints run on a worker thread (checkpoint-worker.ts), not inside a request's commit.
  db.pragma('wal_autocheckpoint = 0');
  // Bounded page cache (8 MiB): the journal is written far more than it is read.
  db.pragma('cache_size = -8192');
  db.exec(SCHEMA);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SCHEMA_VERSION) return;
  db.transaction(() => {
    for (const m of MIGRATIONS) {
      const [table, column] = m.column;
      const has = (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as { name: string }[]).some((c) => c.name === column);
      if (m.version > version && !has) db.exec(m.sql);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

export function openSqliteJournal(options: SqliteJournalOptions): Journal {
  mkdirSync(options.dir, { recursive: true });
  const path = join(options.dir, 'journal.db');
  const db = new Database(path);
  try {
    prepareDatabase(db, options.durability);
  } catch (error) {
    // The caller retries the open (a read-only or missing mount): do not leak a handle each time.
    db.close();
    throw error;
  }

  const stmt = {
    saveSnapshot: db.prepare('INSERT OR IGNORE INTO snapshots (id, file, source, saved_at) VALUES (?, ?, ?, ?)'),
    snapshot: db.prepare('SELECT file, source FROM snapshots WHERE id = ?'),
    seen: db.prepare('SELECT delivery_id FROM dedup WHERE endpoint = ? AND source_id = ? AND seen_at >= ?'),
    remember: db.prepare('INSERT OR REPLACE INTO dedup (endpoint, source_id, delivery_id, seen_at) VALUES (?, ?, ?, ?)'),
    insertDelivery: db.prepare(`INSERT INTO deliveries (id, source_id, endpoint, event, received_at, snapshot_id, status,
      headers, query, content_type, body, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertRun: db.prepare(`INSERT INTO runs (id, seq, delivery_id, route_index, route, concurrency_key, snapshot_id, status)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`),
    insertJob: db.prepare(`INSERT INTO jobs (id, run_id, action_index, name, type, status) VALUES (?, ?, ?, ?, ?, 'pending')`),
    maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM runs'),
    unfinished: db.prepare("SELECT * FROM runs WHERE status IN ('pending', 'running', 'retrying') ORDER BY seq"),
    delivery: db.prepare('SELECT * FROM deliveries WHERE id = ?'),
    deliveryBySource: db.prepare('SELECT * FROM deliveries WHERE source_id = ? ORDER BY received_at DESC LIMIT 1'),
    jobs: db.prepare("SELECT * FROM jobs WHERE id > ? || '/' AND id < ? || '0' ORDER BY action_index"),
    runsOf: db.prepare("SELECT * FROM runs WHERE id > ? || '/' AND id < ? || '0' ORDER BY route_index"),
    attemptsOf: db.prepare('SELECT * FROM attempts WHERE job_id = ? ORDER BY n'),
    jobStarted: db.prepare("UPDATE jobs SET status = 'running' WHERE id = ?"),
    runStatus: db.prepare('UPDATE runs SET status = ? WHERE id = ?'),
    jobStatus: db.prepare('UPDATE jobs SET status = ?, attempts = MAX(attempts, ?) WHERE id = ?'),
    insertAttempt: db.prepare(`INSERT OR REPLACE INTO attempts (job_id, n, started_at, duration_ms, outcome, exit_code, signal,
      http_status, output, stderr, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    skipRest: db.prepare("UPDATE jobs SET status = ? WHERE id > ? || '/' AND id < ? || '0' AND status IN ('pending', 'running', 'retrying')"),
    
    runStates: db.prepare("SELECT status FROM runs WHERE id > ? || '/' AND id < ? || '0'"),
    deliveryStatus: db.prepare('UPDATE deliveries SET status = ?, finished_at = ? WHERE id = ?'),
    rerouteRun: db.prepare("UPDATE runs SET status = 'pending', snapshot_id = ?, route_index = ?, seq = ? WHERE id = ?"),
    deleteJobs: db.prepare("DELETE FROM jobs WHERE id > ? || '/' AND id < ? || '0'"),
    insertJobWithStatus: db.prepare(`INSERT INTO jobs (id, run_id, action_index, name, type, status, attempts, budget_from)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    requeueJobs: db.prepare("UPDATE jobs SET status = 'pending', budget_from = attempts WHERE id > ? || '/' AND id < ? || '0' AND status IN ('dead', 'skipped', 'retrying')"),
    deadIds: db.prepare("SELECT id FROM deliveries WHERE status = 'dead' ORDER BY received_at LIMIT ?"),
    counts: db.prepare(`SELECT
      SUM(status IN ('pending', 'retrying')) AS pending, SUM(status = 'running') AS running, SUM(status = 'dead') AS dead FROM jobs`),
    // Only done deliveries: a dead one is kept until it is replayed (and done), as a dead letter.
    pruneSlice: db.prepare(`SELECT id FROM deliveries WHERE status = 'done' AND received_at < ? LIMIT 500`),
    pruneDedup: db.prepare('DELETE FROM dedup WHERE seen_at < ?'),
    // A replayed run may point at a newer snapshot than its delivery: keep both.
    pruneSnapshots: db.prepare(`DELETE FROM snapshots WHERE saved_at < ?
      AND id NOT IN (SELECT snapshot_id FROM deliveries UNION SELECT snapshot_id FROM runs)`),
    // Job ids are "<run id>/<index>": this range is every attempt of the run, also of jobs a replay dropped.
    pruneAttempts: db.prepare("DELETE FROM attempts WHERE job_id > ? || '/' AND job_id < ? || '0'"),
    pruneJobs: db.prepare("DELETE FROM jobs WHERE id > ? || '/' AND id < ? || '0'"),
    pruneRuns: db.prepare("DELETE FROM runs WHERE id > ? || '/' AND id < ? || '0'"),
    pruneDelivery: db.prepare('DELETE FROM deliveries WHERE id = ?'),
  };

  let seq = (stmt.maxSeq.get() as { seq: number }).seq;
  const checkpointer = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
    workerData: { path, intervalMs: options.checkpointIntervalMs ?? 1000 },
  });
  checkpointer.unref();
  checkpointer.on('error', (error) => options.onWriteError?.(error));
  // Recorded now: a worker that already ended (its database gone, an error) sends no later 'exit'.
  const checkpointerEnded = new Promise<void>((resolve) => checkpointer.once('exit', () => resolve()));
  const writes: WriteBatcher = createWriteBatcher(db, options.onWriteError);

  function refreshDelivery(deliveryId: string): void {
    const states = (stmt.runStates.all(deliveryId, deliveryId) as { status: RunStatus }[]).map((r) => r.status);
    let status: DeliveryStatus = 'done';
    if (states.some((s) => s === 'pending' || s === 'running')) status = 'pending';
    if (states.some((s) => s === 'retrying')) status = 'failed';
    else if (status === 'done' && states.some((s) => s === 'dead')) status = 'dead';
    stmt.deliveryStatus.run(status, status === 'done' || status === 'dead' ? Date.now() : null, deliveryId);
  }

  function summary(r: Row): DeliverySummary {
    return {
      id: r['id'] as string,
      sourceId: (r['source_id'] as string | null) ?? undefined,
      endpoint: r['endpoint'] as string,
      event: r['event'] as string,
      receivedAt: new Date(r['received_at'] as number).toISOString(),
      status: r['status'] as DeliveryStatus,
      routes: (stmt.runsOf.all(r['id'], r['id']) as Row[]).map((run) => run['route'] as string),
    };
  }

  function stored(r: Row): StoredDelivery {
    return {
      id: r['id'] as string,
      sourceId: (r['source_id'] as string | null) ?? undefined,
      endpoint: r['endpoint'] as string,
      event: r['event'] as string,
      receivedAt: r['received_at'] as number,
      snapshotId: r['snapshot_id'] as string,
      status: r['status'] as DeliveryStatus,
      headers: JSON.parse(r['headers'] as string) as Record<string, string>,
      query: JSON.parse(r['query'] as string) as Record<string, string>,
      contentType: r['content_type'] as string,
      body: r['body'] as Buffer,
      data: r['data'] === null ? undefined : (JSON.parse(r['data'] as string) as unknown),
    };
  }

  return {
    path,
    saveSnapshot(id, file, source) {
      stmt.saveSnapshot.run(id, file, source, Date.now());
    },
    snapshotSource(id) {
      return stmt.snapshot.get(id) as { file: string; source: string } | undefined;
    },

    accept(d, dedupWindowMs) {
      return writes.submit((): AcceptResult => {
        if (d.sourceId !== undefined) {
          const seen = stmt.seen.get(d.endpoint, d.sourceId, d.receivedAt - dedupWindowMs) as { delivery_id: string } | undefined;
          if (seen !== undefined) return { kind: 'duplicate', id: seen.delivery_id };
          stmt.remember.run(d.endpoint, d.sourceId, d.id, d.receivedAt);
        }
        stmt.insertDelivery.run(
          d.id, d.sourceId ?? null, d.endpoint, d.event, d.receivedAt, d.snapshotId, d.runs.length === 0 ? 'done' : 'pending',
          JSON.stringify(d.headers), JSON.stringify(d.query), d.contentType, d.body,
          d.data === undefined ? null : JSON.stringify(d.data),
        );
        const runs: { id: string; seq: number }[] = [];
        for (const run of d.runs) {
          const runId = `${d.id}/${run.routeIndex}`;
          stmt.insertRun.run(runId, ++seq, d.id, run.routeIndex, run.route, run.key ?? null, d.snapshotId);
          for (const job of run.jobs) stmt.insertJob.run(`${runId}/${job.index}`, runId, job.index, job.name, job.type);
          runs.push({ id: runId, seq });
        }
        return { kind: 'accepted', id: d.id, runs };
      }, true);
    },

    unfinishedRuns: () => (stmt.unfinished.all() as Row[]).map(toRun),
    delivery(id) {
      const row = stmt.delivery.get(id) as Row | undefined;
      return row === undefined ? undefined : stored(row);
    },
    jobs: (runId) => (stmt.jobs.all(runId, runId) as Row[]).map(toJob),

    jobStarted(jobId) {
      void writes.submit(() => {
        stmt.jobStarted.run(jobId);
        stmt.runStatus.run('running', jobId.slice(0, jobId.lastIndexOf('/')));
      }).catch(() => undefined);
    },
    attemptFinished(jobId, a, status) {
      void writes.submit(() => {
        stmt.insertAttempt.run(jobId, a.n, a.startedAt, Math.round(a.durationMs), a.outcome, a.exitCode ?? null, a.signal ?? null,
          a.status ?? null, a.output ?? null, a.stderr ?? null, a.error ?? null);
        stmt.jobStatus.run(status, a.n, jobId);
        if (status === 'retrying') {
          const runId = jobId.slice(0, jobId.lastIndexOf('/'));
          stmt.runStatus.run('retrying', runId);
          refreshDelivery(runId.slice(0, runId.lastIndexOf('/')));
        }
      }).catch(() => undefined);
    },
    runFinished(runId, status, skipRest) {
      void writes.submit(() => {
        stmt.runStatus.run(status, runId);
        if (skipRest !== undefined) stmt.skipRest.run(skipRest, runId, runId);
        refreshDelivery(runId.slice(0, runId.lastIndexOf('/')));
      }).catch(() => undefined);
    },

    list(query) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (query.status !== undefined) { where.push('status = ?'); args.push(query.status); }
      if (query.event !== undefined) { where.push('event = ?'); args.push(query.event); }
      const sql = `SELECT id, source_id, endpoint, event, received_at, status FROM deliveries
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, rowid DESC LIMIT ?`;
      return (db.prepare(sql).all(...args, Math.min(Math.max(query.limit ?? 50, 1), 1000)) as Row[]).map(summary);
    },
    detail(id) {
      const row = (stmt.delivery.get(id) ?? stmt.deliveryBySource.get(id)) as Row | undefined;
      if (row === undefined) return undefined;
      const d = stored(row);
      const runs = (stmt.runsOf.all(d.id, d.id) as Row[]).map(toRun).map((run) => ({
        ...run,
        jobs: (stmt.jobs.all(run.id, run.id) as Row[]).map(toJob).map((job) => ({
          ...job,
          attemptsLog: (stmt.attemptsOf.all(job.id) as Row[]).map(toAttempt),
        })),
      }));
      return {
        ...summary(row),
        snapshotId: d.snapshotId,
        headers: d.headers,
        contentType: d.contentType,
        body: d.body.toString('utf8'),
        data: d.data,
        runs,
      };
    },
    requeue(id, plan) {
      const tx = db.transaction(() => {
        // Only dead runs: a retrying one is still held by the dispatcher, which would run it twice.
        const dead = (stmt.runsOf.all(id, id) as Row[]).map(toRun).filter((r) => r.status === 'dead');
        for (const run of dead) {
          const now = plan(run.route);
          if (now !== undefined) {
            const before = new Map((stmt.jobs.all(run.id, run.id) as Row[]).map(toJob).map((j) => [j.index, j]));
            stmt.deleteJobs.run(run.id, run.id);
            for (const job of now.jobs) {
              const old = before.get(job.index);
              const status = old?.status === 'done' && old.name === job.name ? 'done' : 'pending';
              // Attempt numbers go on from the earlier ones (kept in the record); the budget starts afresh.
              const attempts = old?.attempts ?? 0;
              stmt.insertJobWithStatus.run(`${run.id}/${job.index}`, run.id, job.index, job.name, job.type, status, attempts, attempts);
            }
            stmt.rerouteRun.run(now.snapshotId, now.routeIndex, ++seq, run.id);
          } else {
            stmt.requeueJobs.run(run.id, run.id);
            stmt.rerouteRun.run(run.snapshotId, run.routeIndex, ++seq, run.id);
          }
        }
        refreshDelivery(id);
        return (stmt.runsOf.all(id, id) as Row[]).map(toRun).filter((r) => r.status === 'pending');
      });
      return tx();
    },
    deadDeliveryIds: (limit) => (stmt.deadIds.all(limit) as { id: string }[]).map((r) => r.id),
    counts() {
      const r = stmt.counts.get() as Record<string, number | null>;
      return { pending: r['pending'] ?? 0, running: r['running'] ?? 0, dead: r['dead'] ?? 0 };
    },

    async prune(before, dedupBefore) {
      let removed = 0;
      const removeSlice = db.transaction((ids: string[]) => {
        for (const id of ids) {
          for (const run of stmt.runsOf.all(id, id) as Row[]) {
            stmt.pruneAttempts.run(run['id'], run['id']);
            stmt.pruneJobs.run(run['id'], run['id']);
          }
          stmt.pruneRuns.run(id, id);
          stmt.pruneDelivery.run(id);
        }
      });
      for (;;) {
        const ids = (stmt.pruneSlice.all(before) as { id: string }[]).map((r) => r.id);
        if (ids.length === 0) break;
        removeSlice(ids);
        removed += ids.length;
        // Let requests in between slices: pruning never blocks the event loop for long.
        await new Promise((resolve) => setImmediate(resolve));
      }
      stmt.pruneDedup.run(dedupBefore);
      stmt.pruneSnapshots.run(before);
      if (removed > 0) db.pragma('incremental_vacuum');
      return removed;
    },
    probe() {
      // Taking the write lock writes nothing to the disk: write and sync a page beside the journal
      // too, so that a full or read-only disk, or a folder gone, shows here.
      const file = join(options.dir, '.journal-probe');
      const fd = openSync(file, 'w');
      try {
        writeSync(fd, Buffer.alloc(4096));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
        unlinkSync(file);
      }
      db.prepare('BEGIN IMMEDIATE').run();
      try {
        db.prepare('INSERT OR REPLACE INTO snapshots (id, file, source, saved_at) VALUES (?, ?, ?, ?)').run('probe', '', '', 0);
      } finally {
        db.prepare('ROLLBACK').run();
      }
    },
    async close() {
      await writes.drain();
      checkpointer.ref();
      checkpointer.postMessage('stop');
      // It stops between checkpoints; one stuck on a busy disk is ended rather than waited for.
      const stuck = setTimeout(() => void checkpointer.terminate(), 2000);
      await checkpointerEnded;
      clearTimeout(stuck);
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // a busy or failing disk: the WAL is replayed on the next open
      }
      db.close();
    },
  };
}
