import type { CapturedOutput, SpawnOutcome } from './spawn.js';
import type { LocalSpawnRequest } from './spawn-local.js';

// The messages between the spawn pool (main thread) and a spawn worker. Plain data only:
// they are copied by structured clone.

export type ToWorker =
  | ({ readonly type: 'spawn'; readonly id: number } & LocalSpawnRequest)
  | { readonly type: 'cancel'; readonly id: number }
  /** Kill every running group and exit. */
  | { readonly type: 'stop' };

export interface WireCapture {
  readonly text: string;
  readonly lastLine: string;
  readonly total: number;
}

export type WireOutcome = Omit<SpawnOutcome, 'stdout' | 'stderr'> & { readonly stdout: WireCapture; readonly stderr: WireCapture };

export type FromWorker =
  /** The process exists: its group is killed from the main thread if the worker dies. */
  | { readonly type: 'started'; readonly id: number; readonly pid: number }
  | { readonly type: 'done'; readonly id: number; readonly outcome: WireOutcome }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

function captureToWire(capture: CapturedOutput): WireCapture {
  return { text: capture.text(), lastLine: capture.lastLine(), total: capture.total };
}

function captureFromWire(wire: WireCapture): CapturedOutput {
  return { total: wire.total, text: () => wire.text, lastLine: () => wire.lastLine };
}

export function outcomeToWire(outcome: SpawnOutcome): WireOutcome {
  return { ...outcome, stdout: captureToWire(outcome.stdout), stderr: captureToWire(outcome.stderr) };
}

export function outcomeFromWire(wire: WireOutcome): SpawnOutcome {
  return { ...wire, stdout: captureFromWire(wire.stdout), stderr: captureFromWire(wire.stderr) };
}
