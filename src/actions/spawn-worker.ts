import { parentPort } from 'node:worker_threads';
import { outcomeToWire, type FromWorker, type ToWorker } from './spawn-protocol.js';
import { killGroup } from './process-group.js';
import { startInGroup, type LocalSpawn } from './spawn-local.js';

// A spawn worker (started by spawn-pool.ts): runs execa here, so creating processes never
// blocks the thread that answers HTTP. One message in per request (and one per cancel), two out.

const port = parentPort;
if (port === null) throw new Error('spawn-worker.js runs as a worker thread, started by the spawn pool');

const running = new Map<number, LocalSpawn>();
const post = (message: FromWorker): void => port.postMessage(message);

// Nothing started here may outlive the worker: on any exit (a stop, process.exit, an uncaught
// error) every running group is killed. The pool also kills the groups it knows of.
const killAll = (): void => {
  for (const spawned of running.values()) if (spawned.pid !== undefined) killGroup(spawned.pid);
};
process.on('exit', killAll);

port.on('message', (message: ToWorker) => {
  if (message.type === 'stop') {
    killAll();
    process.exit(0);
  }
  if (message.type === 'cancel') {
    // Unknown ids are runs that already ended: the cancel crossed their result.
    running.get(message.id)?.abort();
    return;
  }
  const { id, type: _type, ...request } = message;
  let spawned: LocalSpawn;
  try {
    spawned = startInGroup(request);
  } catch (error) {
    post({ type: 'failed', id, message: (error as Error).message });
    return;
  }
  running.set(id, spawned);
  if (spawned.pid !== undefined) post({ type: 'started', id, pid: spawned.pid });
  spawned.outcome.then(
    (outcome) => {
      running.delete(id);
      post({ type: 'done', id, outcome: outcomeToWire(outcome) });
    },
    (error: unknown) => {
      running.delete(id);
      post({ type: 'failed', id, message: (error as Error).message });
    },
  );
});
