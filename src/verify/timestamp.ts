// Replay protection for the timestamped schemes (Stripe, Slack, Standard Webhooks): the signed
// timestamp must be within `tolerance` of now, in the past or in the future (a clock a little
// ahead is tolerated; a timestamp far ahead would let a captured request be replayed later).

import { fail, malformedHeader } from './result.js';
import type { VerifyResult } from './types.js';

const SECONDS = /^\d{1,12}$/;

/** Whole seconds since the epoch, or undefined when the text is not that. */
export function parseSeconds(value: string): number | undefined {
  return SECONDS.test(value) ? Number(value) : undefined;
}

/** undefined when fresh enough, else the failure to return. */
export function checkAge(seconds: number, now: number, toleranceMs: number): VerifyResult | undefined {
  const ageMs = now - seconds * 1000;
  if (Math.abs(ageMs) <= toleranceMs) return undefined;
  const off = Math.round(Math.abs(ageMs) / 1000);
  const tolerance = Math.round(toleranceMs / 1000);
  return fail(`timestamp ${seconds} is ${off}s ${ageMs > 0 ? 'old' : 'in the future'} (tolerance ${tolerance}s)`);
}

/** The failure for a timestamp header that is not whole seconds. */
export function malformedTimestamp(header: string): VerifyResult {
  return malformedHeader(header, 'seconds since the epoch');
}
