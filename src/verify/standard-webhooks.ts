// Standard Webhooks (Svix, Resend, Clerk, ...): `webhook-signature` is a space-separated list of
// `v1,<base64>`, each the HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw body>`. The
// secret is `whsec_<base64>`; the key is the decoded bytes after the prefix (a secret without the
// prefix is base64 too). Other versions (`v1a`, asymmetric) are ignored.
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
// Envelope: the spec's payload `{type, timestamp, data}`; the delivery id is `webhook-id`.

import { hmac, safeEqualAny } from './compare.js';
import { assertValid, checkNoHmacOptions, checkSecrets, checkTolerance } from './options.js';
import { firstHeader, isBase64 } from './request.js';
import { PASS, malformedHeader, missingHeader, noMatch } from './result.js';
import { checkAge, malformedTimestamp, parseSeconds } from './timestamp.js';
import type { SchemeOptions, SchemeSpec, Verifier } from './types.js';

const ID = 'webhook-id';
const TIMESTAMP = 'webhook-timestamp';
const SIGNATURE = 'webhook-signature';
const SECRET_PREFIX = 'whsec_';

/** The key bytes of a `whsec_<base64>` (or bare base64) secret; undefined if not base64. */
export function decodeSecret(secret: string): Buffer | undefined {
  const text = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return isBase64(text) ? Buffer.from(text, 'base64') : undefined;
}

/** The base64 of each `v1,` entry; undefined when there is none or one is not base64. */
function v1Signatures(value: string): string[] | undefined {
  const found: string[] = [];
  for (const entry of value.split(' ')) {
    if (!entry.startsWith('v1,')) continue;
    const signature = entry.slice(3);
    if (!isBase64(signature)) return undefined;
    found.push(signature);
  }
  return found.length > 0 ? found : undefined;
}

function check(options: SchemeOptions): string[] {
  const keys = options.secrets.flatMap((secret, i) =>
    secret !== '' && decodeSecret(secret) === undefined
      ? [`standard-webhooks \`secret\` #${i + 1} is not whsec_<base64> (copy it whole from the sender)`]
      : [],
  );
  return [
    ...checkSecrets('standard-webhooks', options),
    ...keys,
    ...checkTolerance('standard-webhooks', options),
    ...checkNoHmacOptions('standard-webhooks', options),
  ];
}

function create(options: SchemeOptions): Verifier {
  assertValid('standard-webhooks', check(options));
  const keys = options.secrets.map((secret) => decodeSecret(secret) ?? Buffer.alloc(0));
  return (req) => {
    const id = firstHeader(req, ID);
    if (id === undefined) return missingHeader(ID);
    const timestamp = firstHeader(req, TIMESTAMP);
    if (timestamp === undefined) return missingHeader(TIMESTAMP);
    const value = firstHeader(req, SIGNATURE);
    if (value === undefined) return missingHeader(SIGNATURE);
    const seconds = parseSeconds(timestamp);
    if (seconds === undefined) return malformedTimestamp(TIMESTAMP);
    const signatures = v1Signatures(value);
    if (signatures === undefined) return malformedHeader(SIGNATURE, 'v1,<base64>[ v1,<base64>...]');
    const expected = keys.map((key) => hmac('sha256', key, `${id}.${timestamp}.`, req.rawBody).toString('base64'));
    if (!safeEqualAny(signatures, expected)) return noMatch(keys.length);
    return checkAge(seconds, req.now, options.toleranceMs) ?? PASS;
  };
}

export const standardWebhooks: SchemeSpec = Object.freeze({
  name: 'standard-webhooks',
  description: 'Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature (v1,<base64>), timestamp within tolerance',
  timestamped: true,
  envelope: { event: '$body.type', id: "$headers.'webhook-id'", data: '$body.data' },
  signatureHeaders: [SIGNATURE],
  check,
  create,
});
