import type { Journal } from '../journal/types.js';
import { compileRoutesText } from './load.js';
import type { Snapshot } from './snapshot.js';

/**
 * The routes in force, and the older snapshots that accepted deliveries still need: a delivery
 * finishes with the routes it was accepted under, even after a reload or a restart (the journal
 * keeps each snapshot's text, recompiled here on demand).
 */
export interface SnapshotRegistry {
  current(): Snapshot;
  /** Swaps in a new snapshot at once: the next request sees all of it, earlier ones none. */
  swap(next: Snapshot): void;
  /** The snapshot with this id, recompiling it from the journal if need be. */
  get(id: string): Snapshot | undefined;
  retain(id: string): void;
  release(id: string): void;
}

/** `journal` is a getter: a journal that opens after start-up still records later reloads. */
export function createSnapshotRegistry(initial: Snapshot, journal: () => Journal | undefined, env: NodeJS.ProcessEnv = process.env): SnapshotRegistry {
  let current = initial;
  const known = new Map<string, Snapshot>([[initial.id, initial]]);
  const users = new Map<string, number>();
  journal()?.saveSnapshot(initial.id, initial.file, initial.source);

  const forgetIfUnused = (id: string): void => {
    if (id !== current.id && (users.get(id) ?? 0) === 0) known.delete(id);
  };

  return {
    current: () => current,
    swap(next) {
      const previous = current;
      journal()?.saveSnapshot(next.id, next.file, next.source);
      known.set(next.id, next);
      current = next;
      forgetIfUnused(previous.id);
    },
    get(id) {
      const found = known.get(id);
      if (found !== undefined) return found;
      const stored = journal()?.snapshotSource(id);
      if (stored === undefined) return undefined;
      try {
        const compiled = compileRoutesText(stored.file, stored.source, { env });
        known.set(id, compiled);
        return compiled;
      } catch {
        return undefined;
      }
    },
    retain(id) {
      users.set(id, (users.get(id) ?? 0) + 1);
    },
    release(id) {
      const n = (users.get(id) ?? 1) - 1;
      if (n <= 0) users.delete(id);
      else users.set(id, n);
      forgetIfUnused(id);
    },
  };
}
