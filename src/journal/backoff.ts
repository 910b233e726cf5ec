import type { RetryPolicy } from '../config/snapshot.js';

/**
 * Delay before attempt n+1 after attempt n failed: exponential from `backoff`, capped at
 * `maxDelay`, with "equal jitter" (half fixed, half random) so retries of many deliveries to
 * one recovering target spread out instead of arriving together.
 */
export function retryDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const exponential = policy.backoffMs * 2 ** Math.max(0, failedAttempt - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + random() * (capped / 2));
}
