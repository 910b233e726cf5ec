// Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body, keyed by the app's
// client secret.
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https ("Validate the origin of your webhook")
// Envelope: https://shopify.dev/docs/apps/build/webhooks (X-Shopify-Topic, X-Shopify-Webhook-Id)

import { hmac, safeEqualAny } from './compare.js';
import { assertValid, checkNoHmacOptions, checkSecrets } from './options.js';
import { firstHeader, isBase64 } from './request.js';
import { PASS, malformedHeader, missingHeader, noMatch } from './result.js';
import type { SchemeOptions, SchemeSpec, Verifier } from './types.js';

const HEADER = 'x-shopify-hmac-sha256';

function check(options: SchemeOptions): string[] {
  return [...checkSecrets('shopify', options), ...checkNoHmacOptions('shopify', options)];
}

function create(options: SchemeOptions): Verifier {
  assertValid('shopify', check(options));
  const secrets = [...options.secrets];
  return (req) => {
    const signature = firstHeader(req, HEADER);
    if (signature === undefined) return missingHeader(HEADER);
    // base64 is case-sensitive: compared as sent.
    if (!isBase64(signature)) return malformedHeader(HEADER, '<base64>');
    const expected = secrets.map((secret) => hmac('sha256', secret, req.rawBody).toString('base64'));
    return safeEqualAny([signature], expected) ? PASS : noMatch(secrets.length);
  };
}

export const shopify: SchemeSpec = Object.freeze({
  name: 'shopify',
  description: 'Shopify: X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the body); event from X-Shopify-Topic',
  timestamped: false,
  envelope: { event: "$headers.'x-shopify-topic'", id: "$headers.'x-shopify-webhook-id'", data: '$body' },
  signatureHeaders: [HEADER],
  check,
  create,
});
