import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

// Open append-mode handles for the log action, so an event costs one write instead of
// mkdir + open + write + close. Each line is still ONE write on an O_APPEND descriptor: the
// kernel places each write at the end of the file as a whole, so concurrent lines never
// interleave (appendFile may split a large line into several writes).
//
// A file rotated by logrotate (renamed away) or deleted is noticed by comparing the path's
// inode with the open handle's, at most once per `checkMs` per file, and reopened; the
// lines written in between land in the rotated file, as with any daemon that keeps its log open.

export interface LogFilesOptions {
  /** Handles kept open at most; the least recently used is closed first. Default 64. */
  readonly maxOpen?: number;
  /** A handle unused this long is closed. Default 5000 ms. */
  readonly idleMs?: number;
  /** How often, at most, a file's path is checked for rotation or deletion. Default 1000 ms. */
  readonly checkMs?: number;
}

interface Opened {
  readonly handle: FileHandle;
  /** Which file the handle holds, to notice the path now names another (or none). */
  readonly dev: number;
  readonly ino: number;
}

interface Entry {
  readonly file: string;
  readonly opened: Promise<Opened>;
  inFlight: number;
  lastUsed: number;
  checkedAt: number;
  checking: Promise<void> | undefined;
  retired: boolean;
  /** Once retired: called when its last write is done, to close it. */
  drained: () => void;
}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function openAppend(file: string): Promise<Opened> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'a');
  } catch (error) {
    // Folders are made only when the file cannot be opened without them, not per event.
    if (!isMissing(error)) throw error;
    await mkdir(path.dirname(file), { recursive: true });
    handle = await open(file, 'a');
  }
  try {
    const { dev, ino } = await handle.stat();
    return { handle, dev, ino };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

export class LogFiles {
  readonly #maxOpen: number;
  readonly #idleMs: number;
  readonly #checkMs: number;
  /** In least-recently-used order: a use moves a file to the end. */
  readonly #entries = new Map<string, Entry>();
  readonly #closing = new Set<Promise<void>>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: LogFilesOptions = {}) {
    this.#maxOpen = Math.max(1, options.maxOpen ?? 64);
    this.#idleMs = options.idleMs ?? 5000;
    this.#checkMs = options.checkMs ?? 1000;
  }

  /** Handles open (or opening) now. */
  get open(): number {
    return this.#entries.size;
  }

  /** Appends `line` to `file` in one write, creating its folders if needed. */
  async append(file: string, line: Buffer): Promise<void> {
    let entry = this.#current(file);
    if (performance.now() - entry.checkedAt >= this.#checkMs) {
      await (entry.checking ??= this.#check(entry));
      entry = this.#current(file);
    }
    // Counted synchronously with the lookup: a handle is never closed under a write.
    entry.inFlight++;
    try {
      const { handle } = await entry.opened;
      const { bytesWritten } = await handle.write(line);
      if (bytesWritten !== line.length) throw new Error(`only ${bytesWritten} of ${line.length} bytes were written`);
    } catch (error) {
      // A failed open or write (a full disk, a removed mount): start afresh next time.
      this.#retire(entry);
      throw error;
    } finally {
      entry.inFlight--;
      entry.lastUsed = performance.now();
      if (entry.retired && entry.inFlight === 0) entry.drained();
    }
  }

  /** Closes every handle, after the writes in flight; a later append opens again. */
  async close(): Promise<void> {
    for (const entry of [...this.#entries.values()]) this.#retire(entry);
    await Promise.all([...this.#closing]);
  }

  #current(file: string): Entry {
    const known = this.#entries.get(file);
    if (known !== undefined) {
      this.#entries.delete(file);
      this.#entries.set(file, known);
      return known;
    }
    const now = performance.now();
    const entry: Entry = { file, opened: openAppend(file), inFlight: 0, lastUsed: now, checkedAt: now, checking: undefined, retired: false, drained: () => {} };
    // The append that opened it awaits it and reports a failure; this keeps it from also being unhandled.
    entry.opened.catch(() => {});
    this.#entries.set(file, entry);
    if (this.#entries.size > this.#maxOpen) {
      const oldest = this.#entries.values().next().value;
      if (oldest !== undefined) this.#retire(oldest);
    }
    this.#sweeper ??= setInterval(() => this.#sweep(), Math.min(this.#idleMs, 1000)).unref();
    return entry;
  }

  /** Rotated or deleted since it was opened: the next line goes to a new file at the path. */
  async #check(entry: Entry): Promise<void> {
    try {
      const { dev, ino } = await entry.opened;
      const now = await stat(entry.file).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (now === undefined || now.ino !== ino || now.dev !== dev) this.#retire(entry);
    } catch {
      // A failed open is reported by the append; a failed stat keeps the handle until next time.
    } finally {
      entry.checkedAt = performance.now();
      entry.checking = undefined;
    }
  }

  /** Takes a handle out of use; it is closed once its writes in flight are done. */
  #retire(entry: Entry): void {
    if (this.#entries.get(entry.file) === entry) this.#entries.delete(entry.file);
    if (this.#entries.size === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
    if (entry.retired) return;
    entry.retired = true;
    // close() waits for this too, so it returns only once every write in flight is done.
    const closing = new Promise<void>((resolve) => (entry.drained = resolve))
      .then(() => entry.opened)
      .then(({ handle }) => handle.close())
      .catch(() => {});
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing));
    if (entry.inFlight === 0) entry.drained();
  }

  #sweep(): void {
    const now = performance.now();
    for (const entry of [...this.#entries.values()]) {
      if (entry.inFlight === 0 && now - entry.lastUsed >= this.#idleMs) this.#retire(entry);
    }
  }
}
