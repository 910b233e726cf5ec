// The one place where secrets and signatures are compared, and where HMACs are computed.
// `===` on a signature leaks, through timing, how many leading characters were right; and
// crypto.timingSafeEqual alone throws on unequal lengths, which leaks the expected length.
// Hashing both sides first gives two 32-byte digests, so the comparison takes the same time
// whatever was sent. (Same idea as octokit/webhooks-methods and standard-webhooks' verify.)

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Bytes = string | Buffer;

function digest(value: Bytes): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time equality of two strings (as UTF-8) or byte strings, of any lengths. */
export function safeEqual(a: Bytes, b: Bytes): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * True when any received value equals any expected value. Every pair is compared (no early
 * exit), so the time does not tell which secret of a rotation matched, or at which position.
 */
export function safeEqualAny(received: readonly Bytes[], expected: readonly Bytes[]): boolean {
  let found = false;
  for (const r of received) {
    for (const e of expected) {
      // safeEqual runs first for every pair, whatever `found` already is.
      found = safeEqual(r, e) || found;
    }
  }
  return found;
}

/** HMAC of the concatenated parts (strings as UTF-8, Buffers as they are). */
export function hmac(algorithm: string, secret: Buffer | string, ...parts: readonly Bytes[]): Buffer {
  const mac = createHmac(algorithm, secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}
