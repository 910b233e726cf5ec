import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { eventually, postJson, startInProcess, tempDir, writeRoutes, type InProcess } from '../helpers/daemon.js';
import {
  githubExamples, githubHeaders, gitlabHeaders, hmacHeaders, nowSeconds, senderFixture, shopifyHeaders, slackHeaders,
  standardHeaders, stripeHeaders, type Headers,
} from '../helpers/senders.js';

// Every authentication scheme through real HTTP against a real daemon: signatures are made by the
// senders' own libraries (or their documented recipes, see helpers/senders.ts), and the routed
// event comes out of the preset's envelope. Every refusal is a bare 401 whose reason is logged,
// and no secret ever reaches the log.

const whsec = (seed: string): string => `whsec_${Buffer.from(seed.padEnd(32, '.')).toString('base64')}`;

// [old, new]: every endpoint lists both, as during a rotation.
const SECRETS = {
  TOKEN: ['tok-old-5f2c9e71', 'tok-new-8a1d3b20'],
  GITHUB: ['gh-old-secret-71c2d9', 'gh-new-secret-93fa04'],
  GITLAB: ['gl-old-token-4e1b55', 'gl-new-token-c7d0aa'],
  STRIPE: ['whsec_oldStripe2b7e11', 'whsec_newStripe9d4130'],
  SLACK: ['slack-old-secret-5a9c', 'slack-new-secret-e2f8'],
  SHOPIFY: ['shop-old-secret-0d3e', 'shop-new-secret-b61f'],
  STANDARD: [whsec('old standard webhooks key'), whsec('new standard webhooks key')],
  HMAC: ['hmac-old-secret-77aa', 'hmac-new-secret-19bc'],
  HMAC512: ['hmac512-old-secret-3c', 'hmac512-new-secret-8d'],
} as const;
type SecretName = keyof typeof SECRETS;

const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(SECRETS).flatMap(([name, [older, newer]]) => [[`${name}_OLD`, older], [`${name}_NEW`, newer]]),
);
// Quoted: in a YAML flow list, a bare ${...} would start a map.
const both = (name: SecretName): string => `["\${${name}_OLD}", "\${${name}_NEW}"]`;
const logTo = (route: string): string => `    actions:\n      - log: logs/${route}.jsonl`;

const ROUTES = `
endpoints:
  - path: /token
    token: ${both('TOKEN')}
  - path: /github
    verify: github
    secret: ${both('GITHUB')}
  - path: /gitlab
    verify: gitlab
    secret: ${both('GITLAB')}
  - path: /stripe
    verify: stripe
    secret: ${both('STRIPE')}
  - path: /slack
    verify: slack
    secret: ${both('SLACK')}
  - path: /shopify
    verify: shopify
    secret: ${both('SHOPIFY')}
  - path: /standard
    verify: standard-webhooks
    secret: ${both('STANDARD')}
  - path: /hmac
    verify: hmac
    secret: ${both('HMAC')}
    header: X-Signature
    prefix: "sha256="
    envelope: { event: $body.kind, data: $body.build, id: "$headers.'x-delivery'" }
  - path: /hmac512
    verify: hmac
    secret: ${both('HMAC512')}
    algorithm: sha512
    encoding: base64
    header: X-Sig
routes:
  - name: deploy-main
    event: push
    when: ref = "refs/heads/main"
${logTo('deploy-main')}
  - name: welcome
    event: usuario_registrado
${logTo('welcome')}
  - name: gitlab-push
    event: Push Hook
${logTo('gitlab-push')}
  - name: new-customer
    event: customer.created
${logTo('new-customer')}
  - name: mentions
    event: app_mention
${logTo('mentions')}
  - name: orders
    event: orders/create
${logTo('orders')}
  - name: contacts
    event: contact.created
${logTo('contacts')}
  - name: builds
    event: build.finished
${logTo('builds')}
  - name: invoices
    event: invoice.paid
${logTo('invoices')}
`;

/** How one sender authenticates, and what its valid delivery routes to. */
interface Sender {
  readonly name: string;
  readonly path: string;
  readonly secret: SecretName;
  /** A fresh delivery (a new id where the id is in the body, as Stripe and Slack put it). */
  readonly body: () => string;
  readonly event: string;
  readonly route: string;
  /** What the route's log action must have received as the event's data. */
  readonly data: (data: any) => void;
  readonly sign: (secret: string, body: string, timestamp: number) => Promise<Headers> | Headers;
  /** The header(s) whose absence must be refused. */
  readonly authHeaders: readonly string[];
  /** false for the shared tokens (token, GitLab): they do not cover the body. */
  readonly signsBody: boolean;
  readonly timestamped: boolean;
}

const pushExample = githubExamples().find((d) => d.name === 'push')?.examples.find((e) => (e as { ref?: string }).ref === 'refs/heads/master');
assert.ok(pushExample, 'a push example on a branch in @octokit/webhooks-examples');
// The real payload, pushed to main instead of master.
const pushToMain = JSON.stringify({ ...pushExample, ref: 'refs/heads/main' });

const fresh = (fixture: string, key: string, prefix: string) => (): string =>
  JSON.stringify({ ...(JSON.parse(senderFixture(fixture)) as object), [key]: `${prefix}${randomUUID().replace(/-/g, '')}` });
const fixed = (text: string) => (): string => text;

const SENDERS: readonly Sender[] = [
  {
    name: 'token (Authorization: Bearer)', path: '/token', secret: 'TOKEN', event: 'usuario_registrado', route: 'welcome',
    body: fixed(JSON.stringify({ evento: 'usuario_registrado', dados: { id: 123, nome: 'João Silva', email: 'joao@example.com' } })),
    data: (d) => assert.equal(d.email, 'joao@example.com'),
    sign: (secret) => ({ authorization: `Bearer ${secret}` }), authHeaders: ['authorization'], signsBody: false, timestamped: false,
  },
  {
    name: 'token (X-Webhook-Token)', path: '/token', secret: 'TOKEN', event: 'usuario_registrado', route: 'welcome',
    body: fixed(JSON.stringify({ event: 'usuario_registrado', data: { id: 124, email: 'ana@example.com' } })),
    data: (d) => assert.equal(d.email, 'ana@example.com'),
    sign: (secret) => ({ 'x-webhook-token': secret }), authHeaders: ['x-webhook-token'], signsBody: false, timestamped: false,
  },
  {
    name: 'github', path: '/github', secret: 'GITHUB', event: 'push', route: 'deploy-main', body: fixed(pushToMain),
    data: (d) => assert.deepEqual([d.ref, d.repository.full_name], ['refs/heads/main', 'Codertocat/Hello-World']),
    sign: (secret, body) => githubHeaders(secret, body, 'push', randomUUID()),
    authHeaders: ['x-hub-signature-256'], signsBody: true, timestamped: false,
  },
  {
    name: 'gitlab', path: '/gitlab', secret: 'GITLAB', event: 'Push Hook', route: 'gitlab-push', body: fixed(senderFixture('gitlab-push.json')),
    data: (d) => assert.equal(d.project.path_with_namespace, 'mike/diaspora'),
    sign: (secret) => gitlabHeaders(secret, 'Push Hook', randomUUID()), authHeaders: ['x-gitlab-token'], signsBody: false, timestamped: false,
  },
  {
    name: 'stripe', path: '/stripe', secret: 'STRIPE', event: 'customer.created', route: 'new-customer', body: fresh('stripe-customer-created.json', 'id', 'evt_'),
    data: (d) => assert.equal(d.data.object.email, 'joao@example.com'),
    sign: (secret, body, ts) => stripeHeaders(secret, body, ts), authHeaders: ['stripe-signature'], signsBody: true, timestamped: true,
  },
  {
    name: 'slack', path: '/slack', secret: 'SLACK', event: 'app_mention', route: 'mentions', body: fresh('slack-app-mention.json', 'event_id', 'Ev'),
    data: (d) => assert.equal(d.event.type, 'app_mention'),
    sign: (secret, body, ts) => slackHeaders(secret, body, ts), authHeaders: ['x-slack-signature'], signsBody: true, timestamped: true,
  },
  {
    name: 'shopify', path: '/shopify', secret: 'SHOPIFY', event: 'orders/create', route: 'orders', body: fixed(senderFixture('shopify-orders-create.json')),
    data: (d) => assert.equal(d.name, '#9999'),
    sign: (secret, body) => shopifyHeaders(secret, body, 'orders/create', randomUUID()),
    authHeaders: ['x-shopify-hmac-sha256'], signsBody: true, timestamped: false,
  },
  {
    name: 'standard-webhooks', path: '/standard', secret: 'STANDARD', event: 'contact.created', route: 'contacts',
    body: fixed(senderFixture('standard-webhooks-contact-created.json')),
    data: (d) => assert.deepEqual(d, { id: '1f81eb52-5198-4599-803e-771906343485', type: 'contact' }),
    sign: (secret, body, ts) => standardHeaders(secret, body, `msg_${randomUUID()}`, ts),
    authHeaders: ['webhook-signature'], signsBody: true, timestamped: true,
  },
  {
    name: 'hmac (sha256, hex, prefix, custom envelope)', path: '/hmac', secret: 'HMAC', event: 'build.finished', route: 'builds',
    body: fixed(JSON.stringify({ kind: 'build.finished', build: { id: 42, status: 'passed' } })),
    data: (d) => assert.deepEqual(d, { id: 42, status: 'passed' }),
    sign: (secret, body) => ({ ...hmacHeaders(secret, body, { header: 'x-signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' }), 'x-delivery': randomUUID() }),
    authHeaders: ['x-signature'], signsBody: true, timestamped: false,
  },
  {
    name: 'hmac (sha512, base64)', path: '/hmac512', secret: 'HMAC512', event: 'invoice.paid', route: 'invoices',
    body: fixed(JSON.stringify({ event: 'invoice.paid', data: { invoice: 'INV-7', amount: 1990 } })),
    data: (d) => assert.equal(d.invoice, 'INV-7'),
    sign: (secret, body) => hmacHeaders(secret, body, { header: 'x-sig', algorithm: 'sha512', encoding: 'base64', prefix: '' }),
    authHeaders: ['x-sig'], signsBody: true, timestamped: false,
  },
];

function logRecords(logs: string): Record<string, any>[] {
  return logs.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, any>];
    } catch {
      return [];
    }
  });
}

const refusals = (logs: string, endpoint: string): string[] =>
  logRecords(logs).filter((r) => r['msg'] === 'request refused' && r['endpoint'] === endpoint).map((r) => String(r['reason']));

/** POSTs, expects a bare 401, and returns the reason the daemon logged for it. */
async function refused(d: InProcess, endpoint: string, body: string, headers: Headers): Promise<string> {
  const before = refusals(d.logs(), endpoint).length;
  const response = await postJson(d.url + endpoint, body, headers);
  assert.equal(response.status, 401, `expected 401, got ${response.status} ${JSON.stringify(response.body)}`);
  assert.deepEqual(response.body, { error: 'unauthorized' });
  const reasons = await eventually(() => {
    const all = refusals(d.logs(), endpoint);
    return all.length > before ? all : undefined;
  }, 5000, `the log line for the 401 on ${endpoint}`);
  return reasons[before] as string;
}

async function logged(dir: string, route: string, n: number): Promise<any[]> {
  const file = path.join(dir, 'logs', `${route}.jsonl`);
  return eventually(async () => {
    if (!existsSync(file)) return undefined;
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
    return lines.length >= n ? lines : undefined;
  }, 10_000, `${n} line(s) in ${file}`);
}

/** One byte of the body changed, inside its last string value, so it is still valid JSON. */
function tamper(body: string): string {
  const bytes = Buffer.from(body, 'utf8');
  const at = bytes.lastIndexOf('"'.charCodeAt(0)) - 1;
  bytes.writeUInt8((bytes[at] as number) ^ 0x01, at);
  const changed = bytes.toString('utf8');
  JSON.parse(changed);
  return changed;
}

function without(headers: Headers, names: readonly string[]): Headers {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())));
}

async function serve(t: TestContext): Promise<InProcess & { dir: string }> {
  const dir = await tempDir(t);
  const daemon = await startInProcess(t, await writeRoutes(dir, ROUTES), env);
  return { ...daemon, dir };
}

test('every auth scheme over HTTP: valid, rotated, tampered, wrong secret, missing header, stale; no secret in the log', async (t) => {
  const d = await serve(t);
  const accepted = new Map<string, number>();

  for (const s of SENDERS) {
    const [older, newer] = SECRETS[s.secret];
    await t.test(`${s.name}: valid → 202, routed by the preset envelope`, async () => {
      const body = s.body();
      const response = await postJson(d.url + s.path, body, await s.sign(newer, body, nowSeconds()));
      assert.equal(response.status, 202, JSON.stringify(response.body));
      assert.equal(response.body.event, s.event);
      assert.deepEqual(response.body.routes, [s.route]);
      const n = (accepted.get(s.route) ?? 0) + 1;
      accepted.set(s.route, n);
      const line = (await logged(d.dir, s.route, n))[n - 1];
      assert.equal(line.event, s.event);
      s.data(line.data);
    });

    await t.test(`${s.name}: the other secret of the rotation list works too`, async () => {
      const body = s.body();
      const response = await postJson(d.url + s.path, body, await s.sign(older, body, nowSeconds()));
      assert.equal(response.status, 202, JSON.stringify(response.body));
      accepted.set(s.route, (accepted.get(s.route) ?? 0) + 1);
    });

    if (s.signsBody) {
      await t.test(`${s.name}: one byte of the body changed → 401`, async () => {
        const body = s.body();
        const headers = await s.sign(newer, body, nowSeconds());
        assert.match(await refused(d, s.path, tamper(body), headers), /does not match any of 2 secrets/);
      });
    } else {
      await t.test(`${s.name}: one character of the token changed → 401`, async () => {
        const body = s.body();
        const changed = `${newer.slice(0, -1)}${newer.endsWith('a') ? 'b' : 'a'}`;
        assert.match(await refused(d, s.path, body, await s.sign(changed, body, nowSeconds())), /does not match any of 2/);
      });
    }

    await t.test(`${s.name}: wrong secret → 401`, async () => {
      const body = s.body();
      const wrong = s.secret === 'STANDARD' || s.secret === 'STRIPE' ? whsec('somebody else') : `not-${newer}`;
      assert.match(await refused(d, s.path, body, await s.sign(wrong, body, nowSeconds())), /does not match any of 2/);
    });

    await t.test(`${s.name}: missing header → 401`, async () => {
      const body = s.body();
      const headers = without(await s.sign(newer, body, nowSeconds()), s.authHeaders);
      assert.match(await refused(d, s.path, body, headers), /missing header/);
    });

    if (s.timestamped) {
      await t.test(`${s.name}: a genuine signature 10 minutes old → 401`, async () => {
        const body = s.body();
        const stale = nowSeconds(-600);
        assert.match(await refused(d, s.path, body, await s.sign(newer, body, stale)), /is 60\ds old \(tolerance 300s\)/);
      });
      await t.test(`${s.name}: a timestamp 10 minutes ahead → 401`, async () => {
        const body = s.body();
        const ahead = nowSeconds(600);
        assert.match(await refused(d, s.path, body, await s.sign(newer, body, ahead)), /in the future/);
      });
    }
  }

  await t.test('a secret of one endpoint sent as the token of another is refused', async () => {
    const [, github] = SECRETS.GITHUB;
    assert.match(await refused(d, '/token', SENDERS[0]?.body() ?? '{}', { authorization: `Bearer ${github}` }), /does not match/);
  });

  await t.test('the log of all of the above holds no secret, and covers every endpoint', async () => {
    const logs = d.logs();
    const records = logRecords(logs);
    for (const s of SENDERS) {
      assert.ok(records.some((r) => r['msg'] === 'delivery accepted' && r['endpoint'] === s.path), `an accepted delivery on ${s.path} is logged`);
      assert.ok(records.some((r) => r['msg'] === 'request refused' && r['endpoint'] === s.path), `a refusal on ${s.path} is logged`);
    }
    for (const [name, values] of Object.entries(SECRETS)) {
      for (const secret of values) {
        assert.ok(!logs.includes(secret), `the ${name} secret appears in the log`);
        // A Standard Webhooks key is also its base64 part alone.
        if (secret.startsWith('whsec_')) assert.ok(!logs.includes(secret.slice(6)), `the ${name} key appears in the log`);
      }
    }
  });
});

test('GitHub: every event type of @octokit/webhooks-examples is verified and named from X-GitHub-Event', async (t) => {
  const d = await serve(t);
  const [, secret] = SECRETS.GITHUB;
  let sent = 0;
  const names = new Set<string>();
  for (const definition of githubExamples()) {
    for (const example of definition.examples.slice(0, 3)) {
      if (sent >= 200) break;
      const body = JSON.stringify(example);
      const response = await postJson(`${d.url}/github`, body, await githubHeaders(secret, body, definition.name, randomUUID()));
      sent++;
      assert.equal(response.status, 202, `${definition.name}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.event, definition.name);
      names.add(definition.name);
    }
  }
  assert.ok(names.size >= 50, `only ${names.size} event types were sent`);
  // A real push to master is accepted but does not fire deploy-main (its `when` wants main).
  const master = JSON.stringify(pushExample);
  const response = await postJson(`${d.url}/github`, master, await githubHeaders(secret, master, 'push', randomUUID()));
  assert.equal(response.status, 202);
  assert.deepEqual(response.body.routes, []);
});

test('replay: the same X-GitHub-Delivery twice is answered 200 duplicate and its action runs once', async (t) => {
  const d = await serve(t);
  const [, secret] = SECRETS.GITHUB;
  const delivery = randomUUID();
  const headers = await githubHeaders(secret, pushToMain, 'push', delivery);

  const first = await postJson(`${d.url}/github`, pushToMain, headers);
  assert.equal(first.status, 202);
  assert.deepEqual(first.body.routes, ['deploy-main']);
  const again = await postJson(`${d.url}/github`, pushToMain, headers);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, { id: first.body.id, duplicate: true });

  // A new delivery of the same body is a new event.
  const other = await postJson(`${d.url}/github`, pushToMain, await githubHeaders(secret, pushToMain, 'push', randomUUID()));
  assert.equal(other.status, 202);
  assert.notEqual(other.body.id, first.body.id);

  const lines = await logged(d.dir, 'deploy-main', 2);
  await new Promise((resolve) => setTimeout(resolve, 300)); // give a wrongly re-run action time to show
  const final = await logged(d.dir, 'deploy-main', 2);
  assert.equal(final.length, 2, `the log action ran ${final.length} times for 2 distinct deliveries`);
  assert.deepEqual(lines.map((l) => l.id).sort(), [first.body.id, other.body.id].sort());
});

test("slack: saving the Request URL works: a signed url_verification is answered with its challenge", async (t) => {
  const d = await serve(t);
  const body = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
  const answered = await postJson(`${d.url}/slack`, body, slackHeaders(SECRETS.SLACK[1], body));
  assert.equal(answered.status, 200);
  assert.deepEqual(answered.body, { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  // The handshake is only answered once the request is verified.
  const forged = await postJson(`${d.url}/slack`, body, slackHeaders('not-the-secret', body));
  assert.equal(forged.status, 401);
});
