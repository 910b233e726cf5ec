import { SpawnPool } from './spawn-pool.js';

// How `run` starts a process: in a worker thread of a small pool (spawn-pool.ts), with execa
// (spawn-local.ts), as the leader of its own process group.

export { KILL_GRACE_MS } from './process-group.js';

export interface SpawnRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to the inherited environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Piped to the child; with none, its stdin is /dev/null (not a pipe or a socket). */
  readonly stdin?: string;
  readonly timeoutMs: number;
  /** Aborted: the process group is stopped (SIGTERM, then SIGKILL) and `stopped` is 'abort'. */
  readonly signal: AbortSignal;
  /** Bytes kept per stream; OUTPUT_CAP by default. */
  readonly captureCap?: number;
}

/** Captured output of one stream: its first bytes, how many there were, its last line. */
export interface CapturedOutput {
  /** Total bytes seen, kept or not. */
  readonly total: number;
  text(): string;
  /** The last non-empty line written, whether or not it was kept. */
  lastLine(): string;
}

export interface SpawnOutcome {
  readonly exitCode?: number;
  readonly signal?: string;
  /** Set when the process could not start (ENOENT, EACCES, ...). */
  readonly spawnError?: { readonly code: string | undefined; readonly message: string };
  /** Why we stopped it, if we did. */
  readonly stopped?: 'timeout' | 'abort';
  readonly stdout: CapturedOutput;
  readonly stderr: CapturedOutput;
}

// One pool per process, like libuv's thread pool: process creation is a process-wide resource.
// It holds no state until the first run, and nothing that keeps the process alive when idle.
const pool = new SpawnPool();

/**
 * Runs a program as the leader of its own process group (so a timeout or a shutdown can stop
 * its children too), capturing capped stdout and stderr, from a worker thread. Rejects only if
 * the worker itself dies (its process group is then killed).
 */
export function spawnInGroup(request: SpawnRequest): Promise<SpawnOutcome> {
  return pool.spawn(request);
}

/** Stops the spawn workers (after the runs were aborted and awaited, at shutdown). Optional: idle workers never keep the process alive. */
export function closeSpawnWorkers(): Promise<void> {
  return pool.close();
}
