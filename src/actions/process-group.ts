// Signalling a whole process group, kept apart from spawn-local.ts so the main thread can kill
// a group (a dead spawn worker's) without loading execa.

/** Time a process group gets to exit after SIGTERM before it is sent SIGKILL. */
export const KILL_GRACE_MS = 2000;

export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    // A negative pid addresses the whole process group: the child and everything it started.
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGKILL to a whole process group, when nothing else is left to do (a dead worker). */
export function killGroup(pid: number): void {
  signalGroup(pid, 'SIGKILL');
}

