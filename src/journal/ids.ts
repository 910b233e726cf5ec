import { randomFillSync } from 'node:crypto';

/**
 * A delivery id: a UUID version 7 (RFC 9562), time-ordered. Ids that grow with time are
 * appended at the end of the journal's primary-key index instead of landing at random pages,
 * and list in arrival order. 48 bits of milliseconds, then 74 random bits.
 */
// Random bytes are drawn 4 KiB at a time: one system call per 400 ids instead of one each.
const pool = Buffer.alloc(4096);
let used = pool.length;

export function newDeliveryId(now: number = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = Buffer.alloc(16);
  pool.copy(bytes, 6, used, used + 10);
  used += 10;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
