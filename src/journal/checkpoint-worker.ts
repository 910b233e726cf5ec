import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

// SQLite's automatic WAL checkpoint runs inside whichever commit crosses the threshold, on the
// thread that answers requests; measured, it more than doubled the cost of an accept. Here a
// second connection, on its own thread, copies the WAL back into the database instead.

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new Database(path);
db.pragma('busy_timeout = 1000');

const TRUNCATE_ABOVE_PAGES = 16_384; // ~64 MiB of WAL: give the space back once it is all copied

const timer = setInterval(() => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    if (result !== undefined && result.log > TRUNCATE_ABOVE_PAGES && result.checkpointed === result.log) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // busy or gone: the next tick tries again, and the main connection checkpoints on close
  }
}, intervalMs);

parentPort?.on('message', (message: string) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
