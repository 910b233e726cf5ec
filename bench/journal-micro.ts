import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { newDeliveryId } from '../src/journal/ids.js';
import { openSqliteJournal } from '../src/journal/sqlite.js';
import type { Journal } from '../src/journal/types.js';
import { SEED_BODY } from './load.js';

// `node dist/bench/journal-micro.js [events] [batch]`: the journal alone, without HTTP. Events
// arrive `batch` at a time (what one event-loop turn holds under 50 connections), and each goes
// through what the request path and the dispatcher write for a one-action route: accept,
// jobs(), jobStarted, attemptFinished, runFinished. Prints µs of CPU per event for the whole
// life of an event and for accept alone, with durability normal and full.

const events = Number(process.argv[2] ?? 5000);
const batch = Number(process.argv[3] ?? 25);
const headers = { host: '127.0.0.1:5000', 'content-type': 'application/json', 'content-length': '97', 'user-agent': 'autocannon' };
const data = (JSON.parse(SEED_BODY) as { dados: unknown }).dados;

function delivery(): Parameters<Journal['accept']>[0] {
  return {
    id: newDeliveryId(), sourceId: undefined, endpoint: '/webhook', event: 'usuario_registrado', receivedAt: Date.now(), snapshotId: 'bench',
    headers, query: {}, contentType: 'application/json', body: Buffer.from(SEED_BODY), data,
    runs: [{ routeIndex: 0, route: 'registered', key: undefined, jobs: [{ index: 0, name: 'log', type: 'log' }] }],
  };
}

async function measure(journal: Journal, lifecycle: boolean): Promise<number> {
  const cpu = process.cpuUsage();
  for (let done = 0; done < events; done += batch) {
    const accepted = await Promise.all(Array.from({ length: batch }, () => journal.accept(delivery(), 86_400_000)));
    if (!lifecycle) continue;
    for (const a of accepted) {
      if (a.kind !== 'accepted') continue;
      const runId = a.runs[0]?.id as string;
      const job = journal.jobs(runId)[0];
      if (job === undefined) continue;
      journal.jobStarted(job.id);
      journal.attemptFinished(job.id, { n: 1, startedAt: Date.now(), durationMs: 1, outcome: 'ok' }, 'done');
      journal.runFinished(runId, 'done', undefined);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(cpu);
  return Math.round((used.user + used.system) / events);
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'hookroute-journal-'));
try {
  const rows: Record<string, number>[] = [];
  for (const durability of ['normal', 'full'] as const) {
    const journal = openSqliteJournal({ dir: path.join(tmp, durability), durability });
    await measure(journal, true); // warm-up
    rows.push({ [`${durability}: accept only, µs/event`]: await measure(journal, false) });
    rows.push({ [`${durability}: accept + dispatcher bookkeeping, µs/event`]: await measure(journal, true) });
    await journal.close();
  }
  process.stdout.write(`${JSON.stringify({ events, batch, rows })}\n`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
