// Reading a request's headers. Node gives a repeated header as an array; the first value is the
// one used, so a sender cannot smuggle a second signature past a parser that reads the last.

import type { VerifyRequest } from './types.js';

/** The header's first value, or undefined when absent or empty. `name` is lower-case. */
export function firstHeader(req: VerifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

const HEX = /^[0-9a-f]+$/i;

/**
 * Lower-cased hex, or undefined when the text is not hex. (Buffer.from(x, 'hex') would silently
 * stop at the first bad character, so hex is checked and compared as text.)
 */
export function normaliseHex(value: string): string | undefined {
  return HEX.test(value) && value.length % 2 === 0 ? value.toLowerCase() : undefined;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** True for standard (not URL-safe) base64, which is what Shopify and Standard Webhooks send. */
export function isBase64(value: string): boolean {
  return BASE64.test(value) && value.length % 4 === 0;
}
