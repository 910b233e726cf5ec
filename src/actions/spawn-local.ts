import { execa, type Options } from 'execa';
import { captureStream, OUTPUT_CAP } from './capture.js';
import { KILL_GRACE_MS, signalGroup } from './process-group.js';
import type { SpawnOutcome } from './spawn.js';

// The spawning itself, in whichever thread calls it: the spawn worker (spawn-worker.ts) in the
// daemon, so the synchronous fork/exec and execa's option handling stay off the thread that
// answers HTTP.


export interface LocalSpawnRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to the inherited environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Piped to the child; with none, its stdin is /dev/null (not a pipe or a socket). */
  readonly stdin?: string | undefined;
  readonly timeoutMs: number;
  /** Bytes kept per stream; OUTPUT_CAP by default. */
  readonly captureCap?: number | undefined;
}

export interface LocalSpawn {
  /** Undefined when the process could not start. */
  readonly pid: number | undefined;
  /** Stops the group (SIGTERM, then SIGKILL after the grace period), reported as `abort`. */
  abort(): void;
  readonly outcome: Promise<SpawnOutcome>;
}

/**
 * execa's options, each kept for a reason (bench/execa-options.ts measures what each costs):
 * - `detached`: the child leads its own process group, so a timeout or a shutdown stops its
 *   children too (`cleanup` is then a no-op in execa, and is turned off to say so).
 * - `buffer: false`: output is read by captureStream, capped, so a chatty program is recorded
 *   instead of killed by maxBuffer; with no buffering, `stripFinalNewline`, `lines` and
 *   `maxBuffer` do nothing.
 * - `reject: false`: a failure is an outcome, not an exception.
 * - `forceKillAfterDelay: false`: we kill the whole group ourselves (execa only kills the
 *   leader), with our own grace period.
 * No `timeout` or `cancelSignal`: both would kill only the leader, and each costs an
 * AbortSignal and timers per run.
 */
export const EXECA_OPTIONS = {
  extendEnv: true,
  reject: false,
  detached: true,
  cleanup: false,
  buffer: false,
  forceKillAfterDelay: false,
} as const satisfies Options;

/**
 * Stops a process group: SIGTERM now, SIGKILL after the grace period. `settled()` resolves once
 * nothing of the group is left to kill, so no grandchild outlives the attempt that started it.
 */
function groupStopper(pid: number | undefined): { stop(): void; settled(): Promise<void> } {
  let stopping: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let finish: () => void = () => {};
  return {
    stop() {
      if (pid === undefined || stopping !== undefined) return;
      stopping = new Promise((resolve) => (finish = resolve));
      signalGroup(pid, 'SIGTERM');
      timer = setTimeout(() => {
        signalGroup(pid, 'SIGKILL');
        finish();
      }, KILL_GRACE_MS);
    },
    async settled() {
      if (pid === undefined || stopping === undefined) return;
      // Every member already gone: do not hold the attempt, and never signal a reused group id.
      if (!signalGroup(pid, 0)) {
        clearTimeout(timer);
        finish();
      }
      await stopping;
    },
  };
}

/**
 * Starts a program as the leader of its own process group (so a timeout or a shutdown can stop
 * its children too), capturing capped stdout and stderr. The outcome never rejects.
 */
export function startInGroup(request: LocalSpawnRequest): LocalSpawn {
  const child = execa(request.file, [...request.args], {
    ...EXECA_OPTIONS,
    cwd: request.cwd,
    env: request.env,
    ...(request.stdin === undefined ? { stdin: 'ignore' as const } : { input: request.stdin }),
  });
  const cap = request.captureCap ?? OUTPUT_CAP;
  const stdout = captureStream(child.stdout, cap);
  const stderr = captureStream(child.stderr, cap);
  const stopper = groupStopper(child.pid);
  let stopped: 'timeout' | 'abort' | undefined;
  const stop = (why: 'timeout' | 'abort') => {
    stopped ??= why;
    stopper.stop();
  };
  const timer = setTimeout(() => stop('timeout'), request.timeoutMs);

  const outcome = (async (): Promise<SpawnOutcome> => {
    try {
      const result = await child;
      clearTimeout(timer);
      await stopper.settled();
      const started = child.pid !== undefined && (result.exitCode !== undefined || result.signal !== undefined);
      return {
        stdout,
        stderr,
        ...(stopped === undefined ? {} : { stopped }),
        ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
        ...(result.signal === undefined ? {} : { signal: result.signal }),
        ...(started ? {} : { spawnError: { code: result.code, message: result.originalMessage ?? result.message ?? 'unknown error' } }),
      };
    } finally {
      clearTimeout(timer);
    }
  })();
  return { pid: child.pid, abort: () => stop('abort'), outcome };
}
