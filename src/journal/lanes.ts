// Per-route concurrency. A lane is one route (and one key value, for a keyed concurrency); it
// runs at most `limit` of its runs at once, in arrival order. With `latest`, when a slot frees
// and several runs wait, only the newest starts and the ones it overtook are superseded.

export interface LaneRun {
  readonly runId: string;
  readonly seq: number;
}

export interface LanePolicy {
  readonly limit: number;
  readonly latest: boolean;
}

export interface Lanes<R extends LaneRun> {
  /** Queues a run; returns the runs that may start now and those superseded. */
  add(lane: string, policy: LanePolicy | undefined, run: R): Decision<R>;
  /** A run of this lane ended; returns what may start next. */
  done(lane: string): Decision<R>;
  waiting(): number;
}

export interface Decision<R> {
  readonly start: R[];
  readonly superseded: R[];
}

interface Lane<R> {
  policy: LanePolicy | undefined;
  running: number;
  queue: R[];
}

export function createLanes<R extends LaneRun>(): Lanes<R> {
  const lanes = new Map<string, Lane<R>>();
  let waiting = 0;

  const decide = (name: string, lane: Lane<R>): Decision<R> => {
    const start: R[] = [];
    let superseded: R[] = [];
    const limit = lane.policy?.limit ?? Infinity;
    while (lane.running < limit && lane.queue.length > 0) {
      if (lane.policy?.latest === true && lane.queue.length > 1) {
        superseded = superseded.concat(lane.queue.slice(0, -1));
        lane.queue = lane.queue.slice(-1);
      }
      start.push(lane.queue.shift() as R);
      lane.running++;
    }
    waiting -= start.length + superseded.length;
    if (lane.running === 0 && lane.queue.length === 0) lanes.delete(name);
    return { start, superseded };
  };

  return {
    add(name, policy, run) {
      let lane = lanes.get(name);
      if (lane === undefined) {
        lane = { policy, running: 0, queue: [] };
        lanes.set(name, lane);
      }
      lane.policy = policy;
      // Runs resumed after a restart arrive in seq order; keep the queue sorted all the same.
      let at = lane.queue.length;
      while (at > 0 && (lane.queue[at - 1] as R).seq > run.seq) at--;
      lane.queue.splice(at, 0, run);
      waiting++;
      return decide(name, lane);
    },
    done(name) {
      const lane = lanes.get(name);
      if (lane === undefined) return { start: [], superseded: [] };
      lane.running--;
      return decide(name, lane);
    },
    waiting: () => waiting,
  };
}
