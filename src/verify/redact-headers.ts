// Headers that carry credentials or signatures, removed before a request's headers are stored in
// the journal, logged, or handed to an action: a stored signature with its body and timestamp
// helps replay, and a stored token is the credential itself.

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-webhook-token',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-gitlab-token',
  'stripe-signature',
  'x-slack-signature',
  'x-shopify-hmac-sha256',
  'webhook-signature',
]);

/**
 * A copy of `headers` without SECRET_HEADERS and without `extra` (e.g. an hmac endpoint's
 * header). Names are compared lower-cased.
 */
export function withoutSecrets(headers: Headers, extra: readonly string[] = []): Record<string, string | string[] | undefined> {
  const drop = new Set(extra.map((name) => name.toLowerCase()));
  const copy: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!SECRET_HEADERS.has(lower) && !drop.has(lower)) copy[name] = value;
  }
  return copy;
}
