import type { ActionResult } from '../actions/types.js';
import type { Action, Route, Snapshot } from '../config/snapshot.js';
import type { SnapshotRegistry } from '../config/snapshots.js';
import { storedEventContext } from '../routing/event-context.js';
import type { EventContext } from '../template/expression.js';
import type { Telemetry } from '../telemetry/types.js';
import { retryDelay } from './backoff.js';
import { createLanes, type LaneRun } from './lanes.js';
import { watchPressure, type Pressure } from './pressure.js';
import type { Journal, RunStatus, StoredJob, StoredRun } from './types.js';

// Runs the journal's jobs: a route's actions in order, with per-route concurrency, timeouts and
// retries, recording every attempt. Work arrives from accepted requests and, at start, from
// whatever the journal holds unfinished (a crash, a stop, a replay).

export interface ActionOutcome {
  readonly action: string;
  readonly type: string;
  readonly outcome: ActionResult['outcome'] | 'skipped';
  readonly attempts: number;
  readonly exitCode?: number;
  readonly status?: number;
  readonly output?: string;
  readonly error?: string;
}

export interface RunOutcome {
  readonly route: string;
  readonly status: RunStatus;
  readonly actions: readonly ActionOutcome[];
}

export interface Dispatcher {
  /** Resumes what the journal holds unfinished. */
  start(): void;
  /** Runs accepted just now; the context is passed so nothing is read back. */
  enqueue(runs: readonly StoredRun[], ctx: EventContext | undefined): void;
  /** Resolves when the delivery's `runs` runs have ended (respond: wait); call before enqueue. */
  settled(deliveryId: string, runs: number): Promise<RunOutcome[]>;
  /** Stops taking work, waits for running actions up to `timeoutMs`, then stops them. */
  stop(timeoutMs: number): Promise<void>;
  readonly active: () => { running: number; waiting: number };
}

interface QueuedRun extends LaneRun {
  readonly run: StoredRun;
  ctx: EventContext | undefined;
}

export interface DispatcherDeps {
  readonly journal: Journal;
  readonly snapshots: SnapshotRegistry;
  readonly telemetry: Telemetry;
  readonly random?: () => number;
  /** How many runs may be in progress; default: fewer while the event loop is busy. */
  readonly pressure?: Pressure;
}

/** Runs waiting to start beyond this many drop their request from memory (flat memory in a flood). */
const BACKLOG_IN_MEMORY = 256;

/** How long an attempt runs before the journal marks its job `running`. */
const RUNNING_AFTER_MS = 500;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { journal, snapshots, telemetry } = deps;
  const lanes = createLanes<QueuedRun>();
  const ready: QueuedRun[] = [];
  const pressure = deps.pressure ?? watchPressure({ onChange: () => pump() });
  const stopping = new AbortController();
  const killing = new AbortController();
  const inFlight = new Set<Promise<void>>();
  // Runs queued or running here: a replay or a start may name one again; it must not run twice.
  const held = new Set<string>();
  const waiters = new Map<string, { remaining: number; outcomes: RunOutcome[]; resolve: (o: RunOutcome[]) => void }>();
  let accepting = true;

  const laneOf = (run: StoredRun): string => `${run.route}\u0000${run.key ?? ''}`;

  function routeOf(snapshot: Snapshot | undefined, run: StoredRun): Route | undefined {
    const route = snapshot?.routes[run.routeIndex];
    return route !== undefined && route.name === run.route ? route : snapshot?.routes.find((r) => r.name === run.route);
  }

  function settle(run: StoredRun, outcome: RunOutcome): void {
    const waiter = waiters.get(run.deliveryId);
    if (waiter === undefined) return;
    waiter.outcomes.push(outcome);
    if (--waiter.remaining <= 0) {
      waiters.delete(run.deliveryId);
      waiter.resolve(waiter.outcomes);
    }
  }

  function launch(decision: { start: QueuedRun[]; superseded: QueuedRun[] }): void {
    for (const q of decision.superseded) {
      held.delete(q.run.id);
      journal.runFinished(q.run.id, 'superseded', 'superseded');
      telemetry.runSuperseded({ deliveryId: q.run.deliveryId, route: q.run.route, by: 'a newer delivery' });
      settle(q.run, { route: q.run.route, status: 'superseded', actions: [] });
    }
    for (const q of decision.start) {
      // A long backlog keeps only ids in memory; each run reads its delivery back when it starts.
      if (ready.length >= BACKLOG_IN_MEMORY) q.ctx = undefined;
      ready.push(q);
    }
    pump();
  }

  // Runs their lane allows, started as the event loop has room for them (see pressure.ts).
  function pump(): void {
    while (accepting && ready.length > 0 && inFlight.size < pressure.limit()) {
      const q = ready.shift() as QueuedRun;
      const work = execute(q)
        .catch((error: unknown) => telemetry.error('dispatcher failed on a run', { run: q.run.id, error: String(error) }))
        .finally(() => {
          inFlight.delete(work);
          held.delete(q.run.id);
          if (accepting) launch(lanes.done(laneOf(q.run)));
        });
      inFlight.add(work);
    }
  }

  function queue(run: StoredRun, ctx: EventContext | undefined): void {
    if (held.has(run.id)) return;
    held.add(run.id);
    const snapshot = snapshots.get(run.snapshotId);
    const route = routeOf(snapshot, run);
    const policy = route?.concurrency === undefined ? undefined : { limit: route.concurrency.limit, latest: route.concurrency.latest };
    launch(lanes.add(laneOf(run), policy, { runId: run.id, seq: run.seq, run, ctx }));
  }

  async function execute(q: QueuedRun): Promise<void> {
    const { run } = q;
    const snapshot = snapshots.get(run.snapshotId);
    const route = routeOf(snapshot, run);
    const delivery = q.ctx === undefined ? journal.delivery(run.deliveryId) : undefined;
    const ctx = q.ctx ?? (delivery === undefined ? undefined : storedEventContext(delivery));
    const fresh = q.ctx !== undefined;
    q.ctx = undefined;
    if (snapshot === undefined || route === undefined || ctx === undefined) {
      telemetry.error('cannot run: its routes or delivery are gone from the journal', { run: run.id, route: run.route });
      journal.runFinished(run.id, 'dead', 'dead');
      settle(run, { route: run.route, status: 'dead', actions: [] });
      return;
    }
    snapshots.retain(snapshot.id);
    try {
      const outcome = await runRoute(run, route, ctx, fresh);
      if (outcome !== undefined) settle(run, outcome);
    } finally {
      snapshots.release(snapshot.id);
    }
  }

  /** Returns undefined when the run was interrupted by a stop and stays pending. */
  async function runRoute(run: StoredRun, route: Route, ctx: EventContext, fresh: boolean): Promise<RunOutcome | undefined> {
    // A run accepted just now has its jobs exactly as the route lists them: no need to read them back.
    const stored = fresh
      ? route.actions.map((a): StoredJob => ({ id: `${run.id}/${a.index}`, runId: run.id, index: a.index, name: a.name, type: a.type, status: 'pending', attempts: 0, budgetFrom: 0 }))
      : journal.jobs(run.id);
    const jobs = new Map<number, StoredJob>(stored.map((j) => [j.index, j]));
    const outcomes: ActionOutcome[] = [];
    let failed = false;
    for (const action of route.actions) {
      const job = jobs.get(action.index);
      if (job === undefined || job.status === 'done' || job.status === 'superseded') continue;
      if (failed && !route.continueOnError) {
        outcomes.push({ action: action.name, type: action.type, outcome: 'skipped', attempts: 0 });
        continue;
      }
      const result = await attempts(run, route, action, job, ctx);
      if (result === undefined) return undefined;
      outcomes.push(result);
      if (result.outcome !== 'ok') failed = true;
    }
    const status: RunStatus = failed ? 'dead' : 'done';
    journal.runFinished(run.id, status, failed ? 'skipped' : undefined);
    return { route: route.name, status, actions: outcomes };
  }

  async function attempts(run: StoredRun, route: Route, action: Action, job: StoredJob, ctx: EventContext): Promise<ActionOutcome | undefined> {
    // A job resumed after a restart gets at least one more attempt, whatever it used before; a
    // replayed one gets its whole budget again (budgetFrom: the attempts made before the replay).
    const budget = Math.max(job.budgetFrom + action.retry.attempts, job.attempts + 1);
    for (let n = job.attempts + 1; ; n++) {
      if (stopping.signal.aborted) return undefined;
      // Most attempts end within milliseconds; marking them `running` would cost two writes each
      // for a state nobody sees. One still going after a moment is marked, for `show` and metrics.
      const marking = setTimeout(() => journal.jobStarted(job.id), RUNNING_AFTER_MS);
      const startedAt = Date.now();
      let result: ActionResult;
      try {
        const rendered: unknown = await action.spec.render(action.compiled, ctx);
        result = await action.spec.execute(rendered, {
          signal: killing.signal,
          timeoutMs: action.timeoutMs,
          deliveryId: run.deliveryId,
          event: ctx.bindings.event,
        });
      } catch (error) {
        result = { outcome: 'error', durationMs: Date.now() - startedAt, error: (error as Error).message };
      }
      clearTimeout(marking);
      if (killing.signal.aborted && result.outcome !== 'ok') {
        journal.attemptFinished(job.id, { n, startedAt, ...result, outcome: 'interrupted', status: result.status }, 'pending');
        return undefined;
      }
      const last = result.outcome === 'ok' || n >= budget;
      const next = result.outcome === 'ok' ? 'done' : last ? 'dead' : 'retrying';
      journal.attemptFinished(job.id, { n, startedAt, ...result }, next);
      const delay = last ? undefined : retryDelay(action.retry, n, deps.random);
      telemetry.action({
        deliveryId: run.deliveryId, event: ctx.bindings.event, route: route.name, action: action.name, type: action.type,
        attempt: n, result, next, ...(delay !== undefined && { retryInMs: delay }),
      });
      if (last) {
        return {
          action: action.name, type: action.type, outcome: result.outcome, attempts: n,
          ...(result.exitCode !== undefined && { exitCode: result.exitCode }),
          ...(result.status !== undefined && { status: result.status }),
          ...(result.output !== undefined && { output: result.output }),
          ...(result.error !== undefined && { error: result.error }),
        };
      }
      await sleep(delay ?? 0, stopping.signal);
    }
  }

  return {
    start() {
      for (const run of journal.unfinishedRuns()) queue(run, undefined);
    },
    enqueue(runs, ctx) {
      if (!accepting) return;
      for (const run of runs) queue(run, ctx);
    },
    settled(deliveryId, runs) {
      return new Promise((resolve) => {
        if (runs === 0) return resolve([]);
        waiters.set(deliveryId, { remaining: runs, outcomes: [], resolve });
      });
    },
    async stop(timeoutMs) {
      accepting = false;
      pressure.stop();
      stopping.abort();
      const all = Promise.allSettled([...inFlight]);
      const timer = setTimeout(() => killing.abort(), timeoutMs);
      await all;
      clearTimeout(timer);
    },
    active: () => ({ running: inFlight.size, waiting: lanes.waiting() + ready.length }),
  };
}
