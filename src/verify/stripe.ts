// Stripe: `Stripe-Signature: t=<seconds>,v1=<hex>[,v1=<hex>...]`; each v1 is the hex
// HMAC-SHA256 of `<t>.<raw body>` keyed by the endpoint's signing secret (the whole `whsec_...`
// string, used as is). Several v1 appear while Stripe rolls a secret; any one matching passes.
// Other schemes (v0, test-mode) are ignored, as Stripe's own libraries do.
// https://docs.stripe.com/webhooks#verify-manually
// Envelope: https://docs.stripe.com/api/events/object (`type`, `id`; the body is the Event)

import { hmac, safeEqualAny } from './compare.js';
import { assertValid, checkNoHmacOptions, checkSecrets, checkTolerance } from './options.js';
import { firstHeader, normaliseHex } from './request.js';
import { PASS, malformedHeader, missingHeader, noMatch } from './result.js';
import { checkAge, parseSeconds } from './timestamp.js';
import type { SchemeOptions, SchemeSpec, Verifier } from './types.js';

const HEADER = 'stripe-signature';
const SHAPE = 't=<timestamp>,v1=<hex>';

interface StripeHeader {
  readonly timestamp: string;
  readonly seconds: number;
  readonly signatures: readonly string[];
}

/** undefined when the header lacks exactly one numeric `t` or at least one hex `v1`. */
export function parseStripeSignature(value: string): StripeHeader | undefined {
  const times: string[] = [];
  const signatures: string[] = [];
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue; // unknown parts are ignored, as in stripe-node
    const key = item.slice(0, eq).trim();
    const text = item.slice(eq + 1).trim();
    if (key === 't') times.push(text);
    if (key === 'v1') {
      const hex = normaliseHex(text);
      if (hex === undefined) return undefined;
      signatures.push(hex);
    }
  }
  const [timestamp] = times;
  const seconds = timestamp === undefined ? undefined : parseSeconds(timestamp);
  if (times.length !== 1 || timestamp === undefined || seconds === undefined || signatures.length === 0) return undefined;
  return { timestamp, seconds, signatures };
}

function check(options: SchemeOptions): string[] {
  return [
    ...checkSecrets('stripe', options),
    ...checkTolerance('stripe', options),
    ...checkNoHmacOptions('stripe', options),
  ];
}

function create(options: SchemeOptions): Verifier {
  assertValid('stripe', check(options));
  const secrets = [...options.secrets];
  return (req) => {
    const value = firstHeader(req, HEADER);
    if (value === undefined) return missingHeader(HEADER);
    const header = parseStripeSignature(value);
    if (header === undefined) return malformedHeader(HEADER, SHAPE);
    const expected = secrets.map((secret) => hmac('sha256', secret, `${header.timestamp}.`, req.rawBody).toString('hex'));
    if (!safeEqualAny(header.signatures, expected)) return noMatch(secrets.length);
    // Checked after the signature, so a stale timestamp in the log means a genuine but old
    // (possibly replayed) delivery, not a forgery.
    return checkAge(header.seconds, req.now, options.toleranceMs) ?? PASS;
  };
}

export const stripe: SchemeSpec = Object.freeze({
  name: 'stripe',
  description: 'Stripe: Stripe-Signature (t=, v1= HMAC-SHA256 of "t.body"), timestamp within tolerance',
  timestamped: true,
  envelope: { event: '$body.type', id: '$body.id', data: '$body' },
  signatureHeaders: [HEADER],
  check,
  create,
});
