import type { Readable } from 'node:stream';

/** Bytes kept per stream (stdout, stderr, a response body) in a delivery's record. */
export const OUTPUT_CAP = 64 * 1024;
const TAIL = 1024;

/**
 * Keeps the first `cap` bytes written to it and counts the rest, so a chatty process or a huge
 * response is recorded without being held in memory, and without being killed for talking.
 */
export class CappedCapture {
  readonly #cap: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #total = 0;
  // The end of the stream too: a failing program's last stderr line is the one that explains.
  #tail: Buffer = Buffer.alloc(0);

  constructor(cap: number = OUTPUT_CAP) {
    this.#cap = cap;
  }

  /** Total bytes seen, kept or not. */
  get total(): number {
    return this.#total;
  }

  write(chunk: Uint8Array): void {
    this.#total += chunk.length;
    this.#tail = Buffer.concat([this.#tail, chunk]).subarray(-TAIL);
    const room = this.#cap - this.#kept;
    if (room <= 0) return;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.#chunks.push(Buffer.from(kept));
    this.#kept += kept.length;
  }

  /** The last non-empty line written, whether or not it was kept. */
  lastLine(): string {
    const lines = this.#tail.toString('utf8').split(/\r?\n/).map((line) => line.trim());
    return lines.filter((line) => line !== '').at(-1) ?? '';
  }

  text(): string {
    const kept = Buffer.concat(this.#chunks);
    const dropped = this.#total - this.#kept;
    if (dropped === 0) return kept.toString('utf8');
    // Decoding as a stream holds back a character cut in half at the cap instead of showing
    // a replacement character.
    const text = new TextDecoder('utf-8').decode(kept, { stream: true });
    return `${text}\n[… ${dropped} more bytes truncated]`;
  }
}

/** Drains a stream to the end (so the writer never blocks) while keeping its first bytes. */
export function captureStream(stream: Readable | null | undefined, cap: number = OUTPUT_CAP): CappedCapture {
  const capture = new CappedCapture(cap);
  stream?.on('data', (chunk: Buffer | string) => capture.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  return capture;
}

/**
 * Reads a body to its end, keeping its first bytes; reading on past the cap lets the record
 * say how much was left out (the attempt's timeout bounds an endless body).
 */
export async function readCapped(body: AsyncIterable<Uint8Array> | null, cap: number = OUTPUT_CAP): Promise<string> {
  const capture = new CappedCapture(cap);
  if (body === null) return '';
  for await (const chunk of body) capture.write(chunk);
  return capture.text();
}
