import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempDir, writeRoutes } from '../helpers/daemon.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { githubExamples } from '../helpers/senders.js';

// `hookroute test FILE --endpoint PATH --header K:V --body @file`: a whole request body read
// through the endpoint's envelope (a verify preset's, here) as the daemon would, without a
// signature (a dry run checks routing, not authenticity). Real CLI, child process.

interface Run { code: number; stdout: string; stderr: string }

function hookroute(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'dist/src/cli/bin.js'), ...args], { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }));
  });
}

const SECRET = 'gh-dry-run-secret-6b1f';

const ROUTES = `
endpoints:
  - path: /webhook
  - path: /github
    verify: github
    secret: \${GITHUB_WEBHOOK_SECRET}
  - path: /stripe
    verify: stripe
    secret: whsec_dryRunStripe01
  - path: /shopify
    verify: shopify
    secret: shop-dry-run-secret
  - path: /standard
    verify: standard-webhooks
    secret: whsec_${Buffer.from('standard webhooks dry run key!!').toString('base64')}
routes:
  - name: deploy
    event: push
    when: ref = "refs/heads/master"
    actions:
      - run: [./deploy.sh, "{{ repository.full_name }}", "{{ after }}"]
  - name: customers
    event: customer.created
    actions:
      - log: logs/customers.jsonl
        record: { email: "{{ data.object.email }}" }
  - name: orders
    event: orders/create
    actions:
      - log: logs/orders.jsonl
        record: { order: "{{ name }}", id: "{{ $id }}" }
  - name: contacts
    event: contact.created
    actions:
      - log: logs/contacts.jsonl
        record: { contact: "{{ id }}" }
`;

async function setup(t: TestContext): Promise<{ dir: string; file: string }> {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, ROUTES);
  const push = githubExamples().find((d) => d.name === 'push')?.examples.find((e) => (e as { ref?: string }).ref === 'refs/heads/master');
  await writeFile(path.join(dir, 'push.json'), JSON.stringify(push, null, 2));
  return { dir, file };
}

const env = { GITHUB_WEBHOOK_SECRET: SECRET };

test('test --endpoint /github --header X-GitHub-Event:push --body @file reads the GitHub envelope', async (t) => {
  const { dir, file } = await setup(t);
  const r = await hookroute(dir, ['test', file, '--endpoint', '/github', '--header', 'X-GitHub-Event:push', '--body', '@push.json', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const shown = JSON.parse(r.stdout.replace(/^# dry run.*$/m, '')) as { event: string; routes: { route: string; actions: { argv: string[] }[] }[] };
  assert.equal(shown.event, 'push');
  assert.deepEqual(shown.routes.map((x) => x.route), ['deploy']);
  assert.deepEqual(shown.routes[0]?.actions[0]?.argv.slice(1), ['Codertocat/Hello-World', '6113728f27ae82c7b1a177c8d03f9e96e0adf246']);
  assert.match(r.stdout, /# dry run: nothing was executed/);
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), 'the secret is printed');

  // "Name: value" with a space, any case, reads the same.
  const spaced = await hookroute(dir, ['test', file, '--endpoint', '/github', '--header', 'x-github-event: push', '--body', '@push.json'], env);
  assert.equal(spaced.code, 0, spaced.stderr);
  assert.match(spaced.stdout, /event: push/);
  assert.match(spaced.stdout, /route: deploy/);
});

test('test --endpoint /github without X-GitHub-Event says the envelope found no event name, exit 1', async (t) => {
  const { dir, file } = await setup(t);
  const r = await hookroute(dir, ['test', file, '--endpoint', '/github', '--body', '@push.json'], env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /no event name found \(envelope: github preset\)/);
});

test('test: the stripe, shopify and standard-webhooks presets, from real sample bodies', async (t) => {
  const { dir, file } = await setup(t);
  const senders = (name: string): string => `@${fixture('senders', name)}`;
  const cases: [string[], string, Record<string, unknown>][] = [
    [['--endpoint', '/stripe', '--body', senders('stripe-customer-created.json')], 'customers', { email: 'joao@example.com' }],
    [['--endpoint', '/shopify', '--header', 'X-Shopify-Topic:orders/create', '--header', 'X-Shopify-Webhook-Id:b54557e4', '--body', senders('shopify-orders-create.json')],
      'orders', { order: '#9999' }],
    [['--endpoint', '/standard', '--body', senders('standard-webhooks-contact-created.json')], 'contacts', { contact: '1f81eb52-5198-4599-803e-771906343485' }],
  ];
  for (const [args, route, record] of cases) {
    const r = await hookroute(dir, ['test', file, ...args, '--json'], env);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    const shown = JSON.parse(r.stdout.replace(/^# dry run.*$/m, '')) as { routes: { route: string; actions: { record: Record<string, unknown> }[] }[] };
    assert.deepEqual(shown.routes.map((x) => x.route), [route]);
    const rendered = shown.routes[0]?.actions[0]?.record ?? {};
    for (const [key, value] of Object.entries(record)) assert.equal(rendered[key], value, `${route}.${key}`);
  }
});

test('test --header without a colon is a usage error (exit 2)', async (t) => {
  const { dir, file } = await setup(t);
  const r = await hookroute(dir, ['test', file, '--endpoint', '/github', '--header', 'X-GitHub-Event', '--body', '@push.json'], env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--header "X-GitHub-Event" is not NAME:VALUE/);
});
