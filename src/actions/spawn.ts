import { execa } from 'execa';
import { captureStream, type CappedCapture } from './capture.js';

/** Time a process group gets to exit after SIGTERM before it is sent SIGKILL. */
export const KILL_GRACE_MS = 2000;

export interface SpawnRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to the inherited environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Piped to the child; with none, its stdin is /dev/null (not a pipe or a socket). */
  readonly stdin?: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface SpawnOutcome {
  readonly exitCode?: number;
  readonly signal?: string;
  /** Set when the process could not start (ENOENT, EACCES, ...). */
  readonly spawnError?: { readonly code: string | undefined; readonly message: string };
  /** Why we stopped it, if we did. */
  readonly stopped?: 'timeout' | 'abort';
  readonly stdout: CappedCapture;
  readonly stderr: CappedCapture;
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    // A negative pid addresses the whole process group: the child and everything it started.
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

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
 * Runs a program as the leader of its own process group (so a timeout or a shutdown can stop
 * its children too), capturing capped stdout and stderr. Never throws.
 */
export async function spawnInGroup(request: SpawnRequest): Promise<SpawnOutcome> {
  const child = execa(request.file, [...request.args], {
    cwd: request.cwd,
    env: request.env,
    extendEnv: true,
    reject: false,
    detached: true,
    // Output is read here, capped, so a chatty program is recorded instead of killed by maxBuffer.
    buffer: false,
    ...(request.stdin === undefined ? { stdin: 'ignore' as const } : { input: request.stdin }),
  });
  const stdout = captureStream(child.stdout);
  const stderr = captureStream(child.stderr);
  const stopper = groupStopper(child.pid);
  let stopped: 'timeout' | 'abort' | undefined;
  const stop = (why: 'timeout' | 'abort') => {
    stopped ??= why;
    stopper.stop();
  };
  const timer = setTimeout(() => stop('timeout'), request.timeoutMs);
  const onAbort = () => stop('abort');
  if (request.signal.aborted) onAbort();
  else request.signal.addEventListener('abort', onAbort, { once: true });

  try {
    const result = await child;
    clearTimeout(timer);
    request.signal.removeEventListener('abort', onAbort);
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
    request.signal.removeEventListener('abort', onAbort);
  }
}
