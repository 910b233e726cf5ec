import { randomBytes } from 'node:crypto';

/**
 * A delivery id: a UUID version 7 (RFC 9562), time-ordered. Ids that grow with time are
 * appended at the end of the journal's primary-key index instead of landing at random pages,
 * and list in arrival order. 48 bits of milliseconds, then 74 random bits.
 */
export function newDeliveryId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
