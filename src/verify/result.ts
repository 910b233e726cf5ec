// Results and their log reasons, written once so every scheme words them alike.
// A reason names headers, counts and timestamps; never a secret, a token or a signature.

import type { VerifyResult } from './types.js';

export const PASS: VerifyResult = Object.freeze({ ok: true });

export function fail(reason: string): VerifyResult {
  return { ok: false, reason };
}

export function missingHeader(name: string): VerifyResult {
  return fail(`missing header ${name}`);
}

/** `expected` describes the shape, e.g. "sha256=<hex>"; the received value is not echoed. */
export function malformedHeader(name: string, expected: string): VerifyResult {
  return fail(`malformed ${name} header (expected ${expected})`);
}

export function noMatch(secretCount: number, what = 'signature', of = 'secret'): VerifyResult {
  return fail(
    secretCount === 1 ? `${what} does not match the ${of}` : `${what} does not match any of ${secretCount} ${of}s`,
  );
}
