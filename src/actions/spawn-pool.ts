import { SHARE_ENV, Worker } from 'node:worker_threads';
import { killGroup } from './process-group.js';
import { outcomeFromWire, type FromWorker, type ToWorker } from './spawn-protocol.js';
import type { SpawnOutcome, SpawnRequest } from './spawn.js';

// A small pool of worker threads that create processes, so the synchronous part of a spawn
// (fork/exec inside ChildProcess.spawn, execa's option handling) never runs on the thread that
// answers HTTP. Workers start on the first request, are unref'd while idle (they never keep the
// process alive, but a pending run does), and are replaced when one dies.

export interface SpawnPoolOptions {
  /** Worker threads at most; each costs a few MB. Default 1. */
  readonly size?: number;
}

interface Pending {
  readonly file: string;
  readonly resolve: (outcome: SpawnOutcome) => void;
  readonly reject: (error: Error) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
  pid?: number;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  error?: Error;
}

const WORKER_URL = new URL('./spawn-worker.js', import.meta.url);

const STOP_WAIT_MS = 2000;

/** Asks a worker to kill its groups and exit (terminate() alone would skip that), then makes sure. */
async function stopWorker(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage({ type: 'stop' } satisfies ToWorker);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_WAIT_MS)));
  if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
  clearTimeout(timer);
}

export class SpawnPool {
  readonly #size: number;
  #workers: PoolWorker[] = [];
  #nextId = 1;

  constructor(options: SpawnPoolOptions = {}) {
    this.#size = Math.max(1, options.size ?? 1);
  }

  /** Workers alive now (0 until the first request). */
  get workers(): number {
    return this.#workers.length;
  }

  spawn(request: SpawnRequest): Promise<SpawnOutcome> {
    const target = this.#pick();
    const id = this.#nextId++;
    const { signal, ...rest } = request;
    return new Promise<SpawnOutcome>((resolve, reject) => {
      // Abort (a shutdown) stops the whole group, in the worker, with the usual grace period.
      const onAbort = () => this.#post(target, { type: 'cancel', id });
      const entry: Pending = { file: request.file, resolve, reject, signal, onAbort };
      if (target.pending.size === 0) target.worker.ref();
      target.pending.set(id, entry);
      try {
        this.#post(target, { type: 'spawn', id, ...rest });
      } catch (error) {
        this.#settle(target, id, entry);
        reject(error as Error);
        return;
      }
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Stops the workers. Runs still in flight have their process groups killed and are rejected;
   * abort their signals first for a graceful stop. A later spawn starts workers again.
   */
  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => stopWorker(w.worker)));
  }

  /** The least busy worker, starting one while the pool is not full and all are busy. */
  #pick(): PoolWorker {
    let best: PoolWorker | undefined;
    for (const w of this.#workers) if (best === undefined || w.pending.size < best.pending.size) best = w;
    if (best !== undefined && (best.pending.size === 0 || this.#workers.length >= this.#size)) return best;
    return this.#start();
  }

  #start(): PoolWorker {
    // SHARE_ENV: the worker sees process.env as it is now, not a copy taken when it started.
    // No execArgv: the parent's flags are not the worker's (--input-type even stops it loading).
    const worker = new Worker(WORKER_URL, { env: SHARE_ENV, execArgv: [] });
    worker.unref();
    const w: PoolWorker = { worker, pending: new Map() };
    worker.on('message', (message: FromWorker) => this.#receive(w, message));
    worker.on('error', (error) => (w.error = error));
    worker.on('exit', (code) => this.#exited(w, code));
    this.#workers.push(w);
    return w;
  }

  #post(w: PoolWorker, message: ToWorker): void {
    w.worker.postMessage(message);
  }

  #receive(w: PoolWorker, message: FromWorker): void {
    const entry = w.pending.get(message.id);
    if (entry === undefined) return;
    if (message.type === 'started') {
      entry.pid = message.pid;
      return;
    }
    this.#settle(w, message.id, entry);
    if (message.type === 'done') entry.resolve(outcomeFromWire(message.outcome));
    else entry.reject(new Error(message.message));
  }

  #settle(w: PoolWorker, id: number, entry: Pending): void {
    entry.signal.removeEventListener('abort', entry.onAbort);
    w.pending.delete(id);
    if (w.pending.size === 0) w.worker.unref();
  }

  /** A worker ended (crashed, or closed): nothing it started may outlive it. */
  #exited(w: PoolWorker, code: number): void {
    this.#workers = this.#workers.filter((other) => other !== w);
    const why = w.error === undefined ? `exit code ${code}` : w.error.message;
    for (const [id, entry] of [...w.pending]) {
      if (entry.pid !== undefined) killGroup(entry.pid);
      this.#settle(w, id, entry);
      entry.reject(new Error(`the spawn worker stopped (${why}) while ${entry.file} ran; its process group was killed`));
    }
  }
}
