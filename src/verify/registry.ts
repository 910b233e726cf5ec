// Every `verify:` scheme, by name. Adding a sender means one file here, one line below and one
// test file.

import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { hmac } from './hmac.js';
import { shopify } from './shopify.js';
import { slack } from './slack.js';
import { standardWebhooks } from './standard-webhooks.js';
import { stripe } from './stripe.js';
import type { SchemeName, SchemeSpec } from './types.js';

export const schemes: Readonly<Record<SchemeSpec['name'], SchemeSpec>> = Object.freeze({
  github,
  gitlab,
  stripe,
  slack,
  shopify,
  'standard-webhooks': standardWebhooks,
  hmac,
});

export const schemeNames: readonly SchemeName[] = Object.freeze(Object.keys(schemes) as SchemeName[]);

export function isSchemeName(value: string): value is SchemeName {
  return Object.hasOwn(schemes, value);
}
