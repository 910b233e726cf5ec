import type { ActionResult } from '../actions/types.js';

// One function per thing that happens: each logs its line and counts its metric in one place,
// so logs and metrics can never disagree.

export interface ActionEvent {
  readonly deliveryId: string;
  readonly event: string;
  readonly route: string;
  readonly action: string;
  readonly type: string;
  readonly attempt: number;
  readonly result: ActionResult;
  /** What the job became: done, retrying or dead. */
  readonly next: 'done' | 'retrying' | 'dead';
  readonly retryInMs?: number;
}

export interface DeliveryEvent {
  readonly deliveryId: string;
  readonly endpoint: string;
  readonly event: string;
  readonly routes: readonly string[];
  readonly duplicate: boolean;
  /** Whether a route named this event exactly (bounded metric labels). */
  readonly named: boolean;
}

export interface Telemetry {
  delivery(e: DeliveryEvent): void;
  action(e: ActionEvent): void;
  runSuperseded(e: { deliveryId: string; route: string; by: string }): void;
  routeError(e: { deliveryId: string; route: string; error: Error }): void;
  request(e: { endpoint: string; status: number; reason?: string; error?: string }): void;
  authFailed(e: { endpoint: string; reason: string; address: string }): void;
  reload(e: { ok: true; file: string; routes: number; snapshotId: string } | { ok: false; file: string; errors: readonly string[] }): void;
  journalError(e: { error: Error }): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
