// Our signer, for `hookroute sign`: the headers each sender would send with a body, so a user can
// try an endpoint by hand (curl) before the real sender is wired up. Each recipe follows the
// sender's documentation, linked at the top of the scheme's verifier (src/verify/<scheme>.ts).
// The tests check this output with the senders' own libraries, never with our verifiers alone.
// Pure: the caller passes the clock (`timestamp`) and the delivery id.

import { createHmac } from 'node:crypto';
import { HookrouteError } from '../errors.js';
import { decodeSecret } from './standard-webhooks.js';
import type { SchemeName } from './types.js';

export type SignScheme = SchemeName | 'token';

export const signSchemes: readonly SignScheme[] = Object.freeze([
  'github', 'gitlab', 'stripe', 'slack', 'shopify', 'standard-webhooks', 'hmac', 'token',
]);

export function isSignScheme(value: string): value is SignScheme {
  return (signSchemes as readonly string[]).includes(value);
}

export interface SignInput {
  readonly secret: string;
  /** The exact bytes that will be sent: signatures cover bytes, not parsed JSON. */
  readonly body: Buffer;
  /** Seconds since the epoch, for the timestamped schemes. */
  readonly timestamp: number;
  /** Delivery id for the schemes that send one (X-GitHub-Delivery, webhook-id, ...). */
  readonly id: string;
  /** The event name, for the schemes that send it in a header (GitHub, GitLab, Shopify). */
  readonly event?: string | undefined;
  /** hmac only. */
  readonly algorithm?: string | undefined;
  readonly header?: string | undefined;
  readonly encoding?: 'hex' | 'base64' | undefined;
  readonly prefix?: string | undefined;
}

/** Header name and value, in the order they are printed. */
export type SignedHeader = readonly [name: string, value: string];

const usage = (message: string): HookrouteError => new HookrouteError('HR_CLI_USAGE', message);

function mac(algorithm: string, key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const h = createHmac(algorithm, key);
  for (const part of parts) h.update(part);
  return h.digest();
}

function eventOf(input: SignInput, scheme: SignScheme, header: string): string {
  if (input.event === undefined || input.event === '') {
    throw usage(`${scheme} sends the event name in ${header}: add --event NAME (e.g. --event push)`);
  }
  return input.event;
}

type Recipe = (input: SignInput) => SignedHeader[];

const RECIPES: Readonly<Record<SignScheme, Recipe>> = {
  // HMAC-SHA256 of the body, lower-case hex, "sha256=" prefix.
  github: (i) => [
    ['X-GitHub-Event', eventOf(i, 'github', 'X-GitHub-Event')],
    ['X-GitHub-Delivery', i.id],
    ['X-Hub-Signature-256', `sha256=${mac('sha256', i.secret, i.body).toString('hex')}`],
  ],
  // The secret token itself: GitLab does not sign the body.
  gitlab: (i) => [
    ['X-Gitlab-Event', eventOf(i, 'gitlab', 'X-Gitlab-Event')],
    ['X-Gitlab-Event-UUID', i.id],
    ['X-Gitlab-Token', i.secret],
  ],
  // t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">, keyed by the whole whsec_... string.
  stripe: (i) => [
    ['Stripe-Signature', `t=${i.timestamp},v1=${mac('sha256', i.secret, `${i.timestamp}.`, i.body).toString('hex')}`],
  ],
  // v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">.
  slack: (i) => [
    ['X-Slack-Request-Timestamp', String(i.timestamp)],
    ['X-Slack-Signature', `v0=${mac('sha256', i.secret, `v0:${i.timestamp}:`, i.body).toString('hex')}`],
  ],
  // base64 HMAC-SHA256 of the body.
  shopify: (i) => [
    ['X-Shopify-Topic', eventOf(i, 'shopify', 'X-Shopify-Topic')],
    ['X-Shopify-Webhook-Id', i.id],
    ['X-Shopify-Hmac-Sha256', mac('sha256', i.secret, i.body).toString('base64')],
  ],
  // v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">, keyed by the base64-decoded secret.
  'standard-webhooks': (i) => {
    const key = decodeSecret(i.secret);
    if (key === undefined) throw usage('standard-webhooks: --secret must be whsec_<base64>, as the sender shows it');
    return [
      ['webhook-id', i.id],
      ['webhook-timestamp', String(i.timestamp)],
      ['webhook-signature', `v1,${mac('sha256', key, `${i.id}.${i.timestamp}.`, i.body).toString('base64')}`],
    ];
  },
  hmac: (i) => {
    if (i.header === undefined || i.header === '') throw usage('hmac needs --header NAME (the header your endpoint reads, e.g. X-Signature)');
    const algorithm = i.algorithm ?? 'sha256';
    if (!['sha256', 'sha1', 'sha512'].includes(algorithm)) throw usage(`hmac --algorithm "${algorithm}" is not supported (use sha256, sha1 or sha512)`);
    const encoding = i.encoding ?? 'hex';
    return [[i.header, `${i.prefix ?? ''}${mac(algorithm, i.secret, i.body).toString(encoding)}`]];
  },
  token: (i) => [['Authorization', `Bearer ${i.secret}`]],
};

/** The headers `scheme`'s sender would send with `body`; throws HR_CLI_USAGE on missing options. */
export function signRequest(scheme: SignScheme, input: SignInput): SignedHeader[] {
  if (input.secret === '') throw usage('--secret is empty');
  return RECIPES[scheme](input);
}
