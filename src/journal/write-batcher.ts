import type { Database } from 'better-sqlite3';

// Group commit: every write submitted during one turn of the event loop is committed in one
// transaction, so concurrent requests share a commit (and, with durability: full, one fsync)
// instead of paying one each. An `isolated` write (an accept) runs in its own savepoint, so a
// write that fails alone fails alone; bookkeeping writes skip the savepoint, which costs more
// than they do. A failed commit (disk full, read-only) fails the whole batch.

export interface WriteBatcher {
  submit<T>(write: () => T, isolated?: boolean): Promise<T>;
  /** Resolves once everything submitted so far is committed (or failed). */
  drain(): Promise<void>;
}

interface Pending {
  readonly write: () => unknown;
  readonly isolated: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

export function createWriteBatcher(db: Database, onError?: (error: Error) => void): WriteBatcher {
  let queue: Pending[] = [];
  let scheduled: Promise<void> | undefined;

  // better-sqlite3 builds a wrapper per db.transaction() call: build them once.
  const isolated = db.transaction((write: () => unknown) => write());
  const commitAll = db.transaction((batch: Pending[], outcomes: ({ ok: true; value: unknown } | { ok: false; error: Error })[]) => {
    for (const p of batch) {
      try {
        outcomes.push({ ok: true, value: p.isolated ? isolated(p.write) : p.write() });
      } catch (error) {
        outcomes.push({ ok: false, error: error as Error });
      }
    }
  });

  const flush = (): void => {
    const batch = queue;
    queue = [];
    scheduled = undefined;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: Error })[] = [];
    try {
      commitAll(batch, outcomes);
    } catch (error) {
      onError?.(error as Error);
      for (const p of batch) p.reject(error as Error);
      return;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) p.reject(new Error('write was not run'));
      else if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  };

  const schedule = (): Promise<void> => {
    scheduled ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        flush();
        resolve();
      }),
    );
    return scheduled;
  };

  return {
    submit<T>(write: () => T, isolated = false): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ write, isolated, resolve: resolve as (v: unknown) => void, reject });
        void schedule();
      });
    },
    async drain() {
      while (queue.length > 0 || scheduled !== undefined) await schedule();
    },
  };
}
