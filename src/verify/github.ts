// GitHub: `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed by the
// webhook secret; GitHub sends lower-case hex. The legacy SHA-1 `X-Hub-Signature` is not accepted.
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
// Envelope: https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers

import { hmac, safeEqualAny } from './compare.js';
import { assertValid, checkNoHmacOptions, checkSecrets } from './options.js';
import { firstHeader, normaliseHex } from './request.js';
import { PASS, malformedHeader, missingHeader, noMatch } from './result.js';
import type { SchemeOptions, SchemeSpec, Verifier } from './types.js';

const HEADER = 'x-hub-signature-256';
const PREFIX = 'sha256=';

function check(options: SchemeOptions): string[] {
  return [...checkSecrets('github', options), ...checkNoHmacOptions('github', options)];
}

function create(options: SchemeOptions): Verifier {
  assertValid('github', check(options));
  const secrets = [...options.secrets];
  return (req) => {
    const header = firstHeader(req, HEADER);
    if (header === undefined) return missingHeader(HEADER);
    const hex = header.startsWith(PREFIX) ? normaliseHex(header.slice(PREFIX.length)) : undefined;
    if (hex === undefined) return malformedHeader(HEADER, 'sha256=<hex>');
    const expected = secrets.map((secret) => hmac('sha256', secret, req.rawBody).toString('hex'));
    return safeEqualAny([hex], expected) ? PASS : noMatch(secrets.length);
  };
}

export const github: SchemeSpec = Object.freeze({
  name: 'github',
  description: 'GitHub: X-Hub-Signature-256 (HMAC-SHA256 of the body); event from X-GitHub-Event',
  timestamped: false,
  envelope: { event: "$headers.'x-github-event'", id: "$headers.'x-github-delivery'", data: '$body' },
  signatureHeaders: [HEADER, 'x-hub-signature'],
  check,
  create,
});
