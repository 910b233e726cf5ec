// GitLab: the endpoint's secret token is sent back verbatim in `X-Gitlab-Token`. It is a shared
// secret, not a signature: it does not cover the body (use TLS).
// https://docs.gitlab.com/ee/user/project/integrations/webhooks.html#validate-payloads-by-using-a-secret-token
// Envelope: https://docs.gitlab.com/ee/user/project/integrations/webhooks.html ("Delivery headers")
// (X-Gitlab-Event, X-Gitlab-Event-UUID)

import { safeEqualAny } from './compare.js';
import { assertValid, checkNoHmacOptions, checkSecrets } from './options.js';
import { firstHeader } from './request.js';
import { PASS, missingHeader, noMatch } from './result.js';
import type { SchemeOptions, SchemeSpec, Verifier } from './types.js';

const HEADER = 'x-gitlab-token';

function check(options: SchemeOptions): string[] {
  return [...checkSecrets('gitlab', options), ...checkNoHmacOptions('gitlab', options)];
}

function create(options: SchemeOptions): Verifier {
  assertValid('gitlab', check(options));
  const secrets = [...options.secrets];
  return (req) => {
    const token = firstHeader(req, HEADER);
    if (token === undefined) return missingHeader(HEADER);
    return safeEqualAny([token], secrets) ? PASS : noMatch(secrets.length, 'token');
  };
}

export const gitlab: SchemeSpec = Object.freeze({
  name: 'gitlab',
  description: 'GitLab: X-Gitlab-Token equals the secret token (does not sign the body); event from X-Gitlab-Event',
  timestamped: false,
  envelope: { event: "$headers.'x-gitlab-event'", id: "$headers.'x-gitlab-event-uuid'", data: '$body' },
  signatureHeaders: [HEADER],
  check,
  create,
});
