import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { verify as githubVerify } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { startInProcess, tempDir, writeRoutes, type InProcess } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';
import { githubExamples, hmacHeaders, senderFixture, shopifyHeaders, slackHeaders } from '../helpers/senders.js';

// `hookroute sign`, run as the real CLI in a child process. Its output is checked by the senders'
// own verifiers (octokit, stripe-node, standardwebhooks) or, for senders without a library, by
// their documented recipe (helpers/senders.ts); and end to end, by a running daemon.

interface Run { code: number; stdout: string; stderr: string }

function hookroute(args: string[], cwd = repoRoot): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'dist/src/cli/bin.js'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `Name: value` lines → lower-cased header names. */
function headersOf(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n').filter((l) => l !== '')) {
    const colon = line.indexOf(': ');
    assert.ok(colon > 0, `not a header line: ${JSON.stringify(line)}`);
    out[line.slice(0, colon).toLowerCase()] = line.slice(colon + 2);
  }
  return out;
}

const SECRETS = {
  github: 'gh-sign-secret-2f9c', gitlab: 'gl-sign-token-8e1a', stripe: 'whsec_signStripe61d0', slack: 'slack-sign-secret-03b7',
  shopify: 'shop-sign-secret-5c2e', standard: `whsec_${Buffer.from('standard webhooks sign test key!').toString('base64')}`,
  hmac: 'hmac-sign-secret-9a4d', token: 'token-sign-value-7f3e',
};

// The real push example, written as a person would (indented, trailing newline): the signature
// must cover these exact bytes, not a re-serialisation.
async function pushFile(t: TestContext): Promise<{ file: string; text: string; dir: string }> {
  const dir = await tempDir(t);
  const example = githubExamples().find((d) => d.name === 'push')?.examples[0];
  const text = `${JSON.stringify(example, null, 2)}\n`;
  const file = path.join(dir, 'push.json');
  await writeFile(file, text);
  return { file, text, dir };
}

test('sign github: octokit verifies the signature over the file bytes', async (t) => {
  const { file, text } = await pushFile(t);
  const r = await hookroute(['sign', '--scheme', 'github', '--secret', SECRETS.github, '--data', `@${file}`, '--event', 'push']);
  assert.equal(r.code, 0, r.stderr);
  const h = headersOf(r.stdout);
  assert.equal(h['content-type'], 'application/json');
  assert.equal(h['x-github-event'], 'push');
  assert.match(h['x-github-delivery'] ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(await githubVerify(SECRETS.github, text, h['x-hub-signature-256'] ?? ''), true);
  assert.equal(await githubVerify('another secret', text, h['x-hub-signature-256'] ?? ''), false);
});

test('sign stripe: stripe.webhooks.constructEvent accepts it', async () => {
  const body = senderFixture('stripe-customer-created.json');
  const r = await hookroute(['sign', '--scheme', 'stripe', '--secret', SECRETS.stripe, '--data', body]);
  assert.equal(r.code, 0, r.stderr);
  const event = new Stripe('sk_test_x').webhooks.constructEvent(body, headersOf(r.stdout)['stripe-signature'] ?? '', SECRETS.stripe);
  assert.equal(event.type, 'customer.created');
  assert.throws(() => new Stripe('sk_test_x').webhooks.constructEvent(`${body} `, headersOf(r.stdout)['stripe-signature'] ?? '', SECRETS.stripe));
});

test('sign standard-webhooks: standardwebhooks Webhook.verify accepts it', async () => {
  const body = senderFixture('standard-webhooks-contact-created.json');
  const r = await hookroute(['sign', '--scheme', 'standard-webhooks', '--secret', SECRETS.standard, '--data', body, '--id', 'msg_2LJ8']);
  assert.equal(r.code, 0, r.stderr);
  const h = headersOf(r.stdout);
  assert.equal(h['webhook-id'], 'msg_2LJ8');
  assert.deepEqual(new Webhook(SECRETS.standard).verify(body, h), JSON.parse(body));
});

test('sign slack, shopify, hmac, gitlab, token: the same headers as the senders\' documented recipes', async () => {
  const body = senderFixture('slack-app-mention.json');
  const ts = Math.floor(Date.now() / 1000);
  const slack = await hookroute(['sign', '--scheme', 'slack', '--secret', SECRETS.slack, '--data', body, '--timestamp', String(ts)]);
  assert.equal(slack.code, 0, slack.stderr);
  const sh = headersOf(slack.stdout);
  assert.deepEqual({ ts: sh['x-slack-request-timestamp'], sig: sh['x-slack-signature'] },
    { ts: String(ts), sig: slackHeaders(SECRETS.slack, body, ts)['x-slack-signature'] });

  const order = senderFixture('shopify-orders-create.json');
  const shopify = await hookroute(['sign', '--scheme', 'shopify', '--secret', SECRETS.shopify, '--data', order, '--event', 'orders/create', '--id', 'w-1']);
  assert.equal(shopify.code, 0, shopify.stderr);
  const expected = shopifyHeaders(SECRETS.shopify, order, 'orders/create', 'w-1');
  const got = headersOf(shopify.stdout);
  for (const [name, value] of Object.entries(expected)) assert.equal(got[name], value, name);

  const build = '{"kind":"build.finished","build":{"id":42}}';
  for (const o of [
    { header: 'x-signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' },
    { header: 'x-sig', algorithm: 'sha512', encoding: 'base64', prefix: '' },
    { header: 'x-sig1', algorithm: 'sha1', encoding: 'hex', prefix: 'sha1=' },
  ] as const) {
    const r = await hookroute(['sign', '--scheme', 'hmac', '--secret', SECRETS.hmac, '--data', build,
      '--header', o.header, '--algorithm', o.algorithm, '--encoding', o.encoding, '--prefix', o.prefix]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(headersOf(r.stdout)[o.header], hmacHeaders(SECRETS.hmac, build, o)[o.header], o.algorithm);
  }

  const gitlab = headersOf((await hookroute(['sign', '--scheme', 'gitlab', '--secret', SECRETS.gitlab, '--data', '{}', '--event', 'Push Hook'])).stdout);
  assert.equal(gitlab['x-gitlab-token'], SECRETS.gitlab);
  assert.equal(gitlab['x-gitlab-event'], 'Push Hook');
  const token = headersOf((await hookroute(['sign', '--scheme', 'token', '--secret', SECRETS.token, '--data', '{}'])).stdout);
  assert.equal(token['authorization'], `Bearer ${SECRETS.token}`);
});

test('sign: usage errors exit 2 and say what is missing', async () => {
  const cases: [string[], RegExp][] = [
    [['--scheme', 'github', '--secret', 's', '--data', '{}'], /--event/],
    [['--scheme', 'nope', '--secret', 's', '--data', '{}'], /not one of github, gitlab/],
    [['--scheme', 'stripe', '--secret', 's', '--data', '{}', '--event', 'x'], /"type"/],
    [['--scheme', 'hmac', '--secret', 's', '--data', '{}'], /--header/],
    [['--scheme', 'github', '--secret', 's', '--data', '{}', '--event', 'push', '--prefix', 'x'], /only to --scheme hmac/],
    [['--scheme', 'token', '--secret', 's'], /--data/],
    [['--scheme', 'standard-webhooks', '--secret', 'not base64!', '--data', '{}'], /whsec_/],
  ];
  for (const [args, message] of cases) {
    const r = await hookroute(['sign', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const bad = await hookroute(['sign', '--scheme', 'token', '--secret', 's', '--data', '{not json']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--data is not valid JSON/);
});

const ROUTES = `
endpoints:
  - path: /token
    token: ${SECRETS.token}
  - path: /github
    verify: github
    secret: ${SECRETS.github}
  - path: /gitlab
    verify: gitlab
    secret: ${SECRETS.gitlab}
  - path: /stripe
    verify: stripe
    secret: ${SECRETS.stripe}
  - path: /slack
    verify: slack
    secret: ${SECRETS.slack}
  - path: /shopify
    verify: shopify
    secret: ${SECRETS.shopify}
  - path: /standard
    verify: standard-webhooks
    secret: "${SECRETS.standard}"
  - path: /hmac
    verify: hmac
    secret: ${SECRETS.hmac}
    header: X-Signature
    prefix: "sha256="
routes:
  - name: deploy
    event: push
    actions:
      - log: logs/deploy.jsonl
`;

async function serve(t: TestContext): Promise<InProcess> {
  const dir = await tempDir(t);
  return startInProcess(t, await writeRoutes(dir, ROUTES));
}

test('sign --send: every scheme is accepted by a running daemon (202, event named by its envelope)', async (t) => {
  const d = await serve(t);
  const { file } = await pushFile(t);
  const sends: [string, string[], string][] = [
    ['/github', ['--scheme', 'github', '--secret', SECRETS.github, '--data', `@${file}`, '--event', 'push'], 'push'],
    ['/gitlab', ['--scheme', 'gitlab', '--secret', SECRETS.gitlab, '--data', `@${path.join(repoRoot, 'test/fixtures/senders/gitlab-push.json')}`, '--event', 'Push Hook'], 'Push Hook'],
    ['/stripe', ['--scheme', 'stripe', '--secret', SECRETS.stripe, '--data', senderFixture('stripe-customer-created.json')], 'customer.created'],
    ['/slack', ['--scheme', 'slack', '--secret', SECRETS.slack, '--data', senderFixture('slack-app-mention.json')], 'app_mention'],
    ['/shopify', ['--scheme', 'shopify', '--secret', SECRETS.shopify, '--data', senderFixture('shopify-orders-create.json'), '--event', 'orders/create'], 'orders/create'],
    ['/standard', ['--scheme', 'standard-webhooks', '--secret', SECRETS.standard, '--data', senderFixture('standard-webhooks-contact-created.json')], 'contact.created'],
    ['/hmac', ['--scheme', 'hmac', '--secret', SECRETS.hmac, '--header', 'X-Signature', '--prefix', 'sha256=', '--event', 'build.finished', '--data', '{"id":42}'], 'build.finished'],
    ['/token', ['--scheme', 'token', '--secret', SECRETS.token, '--event', 'usuario_registrado', '--data', '{"email":"joao@example.com"}'], 'usuario_registrado'],
  ];
  for (const [endpoint, args, event] of sends) {
    const r = await hookroute(['sign', ...args, '--send', d.url + endpoint]);
    assert.equal(r.code, 0, `${endpoint}: ${r.stdout}${r.stderr}`);
    const [status, body] = r.stdout.split('\n');
    assert.equal(status, 'HTTP 202', endpoint);
    assert.equal(JSON.parse(body ?? '').event, event, endpoint);
  }
  // The wrong secret: the daemon's answer and a non-zero exit.
  const wrong = await hookroute(['sign', '--scheme', 'github', '--secret', 'wrong', '--data', `@${file}`, '--event', 'push', '--send', `${d.url}/github`]);
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stdout, 'HTTP 401\n{"error":"unauthorized"}\n');
});

test('sign --url: prints a curl command that, pasted into a shell, is accepted', async (t) => {
  const d = await serve(t);
  const { file, dir } = await pushFile(t);
  const r = await hookroute(['sign', '--scheme', 'github', '--secret', SECRETS.github, '--data', '@push.json', '--event', 'push', '--url', `${d.url}/github`], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^curl -sS -X POST http:\/\/127\.0\.0\.1:\d+\/github \\\n/);
  for (const name of ['Content-Type', 'X-GitHub-Event', 'X-GitHub-Delivery', 'X-Hub-Signature-256']) assert.match(r.stdout, new RegExp(`-H '${name}: `));
  assert.match(r.stdout, /--data-binary @push\.json\n$/);
  assert.ok(file.endsWith('push.json'));

  // Inline JSON is quoted for the shell, quotes and all.
  const inline = await hookroute(['sign', '--scheme', 'token', '--secret', SECRETS.token, '--data', `{"evento":"teste","dados":{"nome":"D'Ávila"}}`, '--url', `${d.url}/token`]);
  assert.equal(inline.code, 0, inline.stderr);

  if (spawnSync('curl', ['--version']).status !== 0) {
    t.skip('curl is not installed: the commands were checked by shape only');
    return;
  }
  // Asynchronously: the daemon answering curl runs in this very process.
  const shell = (command: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile('/bin/sh', ['-c', command], { cwd, timeout: 15_000 }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }));
    });
  for (const [command, cwd, event] of [[r.stdout, dir, 'push'], [inline.stdout, repoRoot, 'teste']] as const) {
    const ran = await shell(command, cwd);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal((JSON.parse(ran.stdout) as { event: string }).event, event, ran.stdout);
  }
});
