import { performance } from 'node:perf_hooks';

// When requests keep the event loop busy, starting actions (spawning processes, above all)
// competes with answering them. Under pressure the dispatcher starts work slowly, so a flood is
// answered at full speed and journaled, and the backlog is worked through once it eases:
// nothing is lost, it only waits (the journal holds it).

export interface Pressure {
  /** How many runs may be in progress now. */
  limit(): number;
  stop(): void;
}

export interface PressureOptions {
  /** Runs in progress at most when the loop has room (default 64). */
  readonly normal?: number;
  /** Runs in progress at most under pressure (default 2). */
  readonly squeezed?: number;
  /** Event-loop utilisation above which the loop counts as busy (default 0.75). */
  readonly threshold?: number;
  readonly sampleMs?: number;
  readonly onChange?: () => void;
}

export function watchPressure(options: PressureOptions = {}): Pressure {
  const normal = options.normal ?? 64;
  const squeezed = options.squeezed ?? 2;
  const threshold = options.threshold ?? 0.75;
  let last = performance.eventLoopUtilization();
  let busy = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const utilisation = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const wasBusy = busy;
    busy = utilisation > threshold;
    if (wasBusy !== busy || !busy) options.onChange?.();
  }, options.sampleMs ?? 100);
  timer.unref();
  return {
    limit: () => (busy ? squeezed : normal),
    stop: () => clearInterval(timer),
  };
}
