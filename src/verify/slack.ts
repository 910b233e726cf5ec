// Slack: `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 keyed by the app's signing secret of
// `v0:<X-Slack-Request-Timestamp>:<raw body>`; Slack advises refusing timestamps over 5 minutes
// away. https://api.slack.com/authentication/verifying-requests-from-slack
//
// The envelope preset fits the Events API: the event is the inner `event.type` (app_mention,
// message, ...) when there is one, else the outer `type`; the id is `event_id`.
// https://api.slack.com/apis/events-api#callback-field
// Saving a Request URL makes Slack send a signed `url_verification` whose `challenge` must be
// echoed back: https://api.slack.com/events/url_verification
// Slash commands and interactivity are form-encoded with no `type`/`event_id` at the top level
// (https://api.slack.com/interactivity/slash-commands): such endpoints set an explicit `envelope`.

import { hmac, safeEqualAny } from './compare.js';
import { assertValid, checkNoHmacOptions, checkSecrets, checkTolerance } from './options.js';
import { firstHeader, normaliseHex } from './request.js';
import { PASS, malformedHeader, missingHeader, noMatch } from './result.js';
import { checkAge, malformedTimestamp, parseSeconds } from './timestamp.js';
import type { SchemeOptions, SchemeSpec, Verifier } from './types.js';

const SIGNATURE = 'x-slack-signature';
const TIMESTAMP = 'x-slack-request-timestamp';
const PREFIX = 'v0=';

function check(options: SchemeOptions): string[] {
  return [
    ...checkSecrets('slack', options),
    ...checkTolerance('slack', options),
    ...checkNoHmacOptions('slack', options),
  ];
}

function create(options: SchemeOptions): Verifier {
  assertValid('slack', check(options));
  const secrets = [...options.secrets];
  return (req) => {
    const signature = firstHeader(req, SIGNATURE);
    if (signature === undefined) return missingHeader(SIGNATURE);
    const timestamp = firstHeader(req, TIMESTAMP);
    if (timestamp === undefined) return missingHeader(TIMESTAMP);
    const seconds = parseSeconds(timestamp);
    if (seconds === undefined) return malformedTimestamp(TIMESTAMP);
    const hex = signature.startsWith(PREFIX) ? normaliseHex(signature.slice(PREFIX.length)) : undefined;
    if (hex === undefined) return malformedHeader(SIGNATURE, 'v0=<hex>');
    const expected = secrets.map((secret) => hmac('sha256', secret, `v0:${timestamp}:`, req.rawBody).toString('hex'));
    if (!safeEqualAny([hex], expected)) return noMatch(secrets.length);
    return checkAge(seconds, req.now, options.toleranceMs) ?? PASS;
  };
}

export const slack: SchemeSpec = Object.freeze({
  name: 'slack',
  description: 'Slack: X-Slack-Signature (v0= HMAC-SHA256 of "v0:timestamp:body"), timestamp within tolerance',
  timestamped: true,
  envelope: { event: '$exists($body.event.type) ? $body.event.type : $body.type', id: '$body.event_id', data: '$body' },
  handshake: (body: unknown) => {
    const b = body as { type?: unknown; challenge?: unknown } | null;
    return b !== null && typeof b === 'object' && b.type === 'url_verification' && typeof b.challenge === 'string' ? { challenge: b.challenge } : undefined;
  },
  signatureHeaders: [SIGNATURE],
  check,
  create,
});
