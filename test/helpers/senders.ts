import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sign as githubSign } from '@octokit/webhooks-methods';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { fixture } from './paths.js';

// How each sender signs a delivery, done the sender's way: with its own library where it has
// one (GitHub, Stripe, Standard Webhooks), else with node:crypto following the sender's
// documented recipe, quoted next to it. Never with hookroute's code.

const stripeClient = new Stripe('sk_test_x');

export type Headers = Record<string, string>;

/** Seconds since the epoch, now (or `offsetS` away from now). */
export const nowSeconds = (offsetS = 0): number => Math.floor(Date.now() / 1000) + offsetS;

/** GitHub: X-Hub-Signature-256, by @octokit/webhooks-methods. */
export async function githubHeaders(secret: string, body: string, event: string, delivery: string): Promise<Headers> {
  return { 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': await githubSign(secret, body) };
}

/**
 * GitLab: "GitLab sends the token in the X-Gitlab-Token header" (the secret token, verbatim; the
 * body is not signed). https://docs.gitlab.com/ee/user/project/integrations/webhooks.html#validate-payloads-by-using-a-secret-token
 */
export function gitlabHeaders(token: string, event: string, uuid: string): Headers {
  return { 'x-gitlab-event': event, 'x-gitlab-event-uuid': uuid, 'x-gitlab-token': token };
}

/** Stripe: Stripe-Signature, by stripe-node's generateTestHeaderString. */
export function stripeHeaders(secret: string, body: string, timestamp = nowSeconds()): Headers {
  return { 'stripe-signature': stripeClient.webhooks.generateTestHeaderString({ payload: body, secret, timestamp }) };
}

/**
 * Slack: "sig_basestring = 'v0:' + timestamp + ':' + request_body", then "hex digest of an
 * HMAC-SHA256 of sig_basestring keyed by your signing secret", sent as "v0=" + digest in
 * X-Slack-Signature, with X-Slack-Request-Timestamp.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
export function slackHeaders(secret: string, body: string, timestamp = nowSeconds()): Headers {
  const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${digest}` };
}

/**
 * Shopify: "X-Shopify-Hmac-SHA256 ... a base64-encoded HMAC-SHA256 digest generated using the
 * app's client secret along with the data sent in the request".
 * https://shopify.dev/docs/apps/build/webhooks/subscribe/https
 */
export function shopifyHeaders(secret: string, body: string, topic: string, id: string): Headers {
  const digest = createHmac('sha256', secret).update(body, 'utf8').digest('base64');
  return { 'x-shopify-topic': topic, 'x-shopify-webhook-id': id, 'x-shopify-hmac-sha256': digest };
}

/** Standard Webhooks: webhook-id, -timestamp, -signature, by the standardwebhooks library. */
export function standardHeaders(secret: string, body: string, id: string, timestamp = nowSeconds()): Headers {
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

/** A generic sender: the HMAC of the raw body in `header`, encoded, after `prefix`. */
export function hmacHeaders(secret: string, body: string, o: { header: string; algorithm: string; encoding: 'hex' | 'base64'; prefix: string }): Headers {
  return { [o.header]: `${o.prefix}${createHmac(o.algorithm, secret).update(body).digest(o.encoding)}` };
}

/** A sample payload from test/fixtures/senders, as the exact text to send. */
export function senderFixture(name: string): string {
  return readFileSync(fixture('senders', name), 'utf8');
}

/** The GitHub example payloads (@octokit/webhooks-examples), by event name. */
export function githubExamples(): WebhookDefinition[] {
  return createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];
}
