import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

// Editors save by writing a temp file and renaming it, `git pull` replaces files, and Kubernetes
// swaps a symlink (..data) to a new folder: watching the file itself misses some of these, so the
// folder is watched and any change in it re-reads the file, reloading only if its bytes changed.

export interface RoutesWatcher {
  /** Resolves once the folder is watched; a save made before then is caught by a check on ready. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  readonly file: string;
  /** Hash of the bytes in force, so a touch without a change does not reload. */
  readonly currentHash: () => string;
  readonly reload: () => Promise<void>;
  readonly debounceMs?: number;
  readonly onError?: (error: Error) => void;
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function watchRoutesFile(options: WatchOptions): RoutesWatcher {
  const dir = dirname(options.file);
  const name = basename(options.file);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const check = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch {
      return; // mid-rename or deleted: the next event (or the old routes) stands
    }
    if (hashText(text) !== options.currentHash()) await options.reload();
  };

  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(check).catch((error: unknown) => options.onError?.(error as Error));
    }, options.debounceMs ?? 50);
  };

  const watcher: FSWatcher = watch(dir, {
    ignoreInitial: true,
    depth: 0,
    // Only the file and Kubernetes' ..data link matter; the journal may live in this folder too.
    ignored: (path: string) => path !== dir && basename(path) !== name && !basename(path).startsWith('..'),
  });
  watcher.on('all', schedule);
  watcher.on('error', (error) => options.onError?.(error as Error));
  const ready = new Promise<void>((resolve) => {
    watcher.once('ready', () => {
      // The file may have changed between loading it and the watch starting.
      schedule();
      resolve();
    });
  });

  return {
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
      await running;
    },
  };
}
