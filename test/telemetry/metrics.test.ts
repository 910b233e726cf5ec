import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, postJson, startInProcess, tempDir, writeRoutes } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';
import { parseExposition, scrape, type Scrape } from './prom.js';

// /metrics on the admin listener, scraped before and after real requests: values, not names.

const node = JSON.stringify(process.execPath);
const ok = JSON.stringify(fixture('bin', 'echo-args.js'));
const fails = JSON.stringify(fixture('bin', 'exit-3.js'));
const TOKEN = 'metrics-test-token-123';

const ROUTES = `
endpoints:
  - path: /open
  - path: /secure
    token: ${TOKEN}
routes:
  - name: greet
    event: hello
    actions:
      - name: say
        run: [${node}, ${ok}, "{{ name ?: 'x' }}"]
  - name: doomed
    event: breaks
    actions:
      - name: boom
        run: [${node}, ${fails}]
        retry: { attempts: 1 }
  - name: flaky
    event: wobbles
    actions:
      - name: boom-later
        run: [${node}, ${fails}]
        retry: { attempts: 3, backoff: 1h }
`;

/** After minus before; a series that does not exist yet counts as 0 before. */
function delta(before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}): number {
  const now = after.get(name, labels);
  assert.ok(now !== undefined, `${name} ${JSON.stringify(labels)} is not in the scrape`);
  return now - (before.get(name, labels) ?? 0);
}

test('the exposition parser reads labels, escapes and special values', () => {
  const s = parseExposition('# TYPE a counter\na{x="1",y="q\\"uo\\\\te\\n"} 3\nb 4.5\nc{le="+Inf"} +Inf\nd Nan\n');
  assert.equal(s.get('a', { x: '1', y: 'q"uo\\te\n' }), 3);
  assert.equal(s.get('a', { x: '1' }), undefined, 'get needs the exact label set');
  assert.equal(s.all('a', { x: '1' }).length, 1);
  assert.equal(s.get('b'), 4.5);
  assert.equal(s.get('c', { le: '+Inf' }), Infinity);
  assert.ok(Number.isNaN(s.get('d')));
  assert.equal(s.types.get('a'), 'counter');
  assert.throws(() => parseExposition('a{x=1} 3'), /malformed labels/);
});

test('requests, events, duplicates and auth failures are counted by label', async (t) => {
  const dir = await tempDir(t);
  const { url, adminUrl } = await startInProcess(t, await writeRoutes(dir, ROUTES));
  const before = await scrape(adminUrl);

  assert.equal((await postJson(`${url}/open`, { evento: 'hello', dados: { name: 'a' } })).status, 202);
  const other = await postJson(`${url}/open`, { evento: 'nobody-routes-this', dados: {} });
  assert.equal(other.status, 202);
  assert.deepEqual(other.body.routes, []);
  assert.equal((await postJson(`${url}/open`, { dados: { name: 'no event' } })).status, 400);
  assert.equal((await postJson(`${url}/open`, { evento: 'hello', id: 'dup-1', dados: {} })).status, 202);
  const dup = await postJson(`${url}/open`, { evento: 'hello', id: 'dup-1', dados: {} });
  assert.equal(dup.status, 200);
  assert.equal(dup.body.duplicate, true);
  assert.equal((await postJson(`${url}/secure`, { evento: 'hello' })).status, 401);
  assert.equal((await postJson(`${url}/secure`, { evento: 'hello' }, { authorization: 'Bearer wrong-token' })).status, 401);
  assert.equal((await postJson(`${url}/secure`, { evento: 'hello' }, { authorization: `Bearer ${TOKEN}` })).status, 202);

  const after = await scrape(adminUrl);
  const requests = 'hookroute_http_requests_total';
  assert.equal(delta(before, after, requests, { endpoint: '/open', status: '202' }), 3);
  assert.equal(delta(before, after, requests, { endpoint: '/open', status: '400' }), 1);
  assert.equal(delta(before, after, requests, { endpoint: '/open', status: '200' }), 1);
  assert.equal(delta(before, after, requests, { endpoint: '/secure', status: '401' }), 2);
  assert.equal(delta(before, after, requests, { endpoint: '/secure', status: '202' }), 1);

  // Every event with a name is received; duplicates are not accepted again.
  assert.equal(delta(before, after, 'hookroute_events_received_total', { endpoint: '/open', event: 'hello' }), 3);
  assert.equal(delta(before, after, 'hookroute_events_accepted_total', { endpoint: '/open', event: 'hello' }), 2);
  assert.equal(delta(before, after, 'hookroute_events_received_total', { endpoint: '/secure', event: 'hello' }), 1);
  assert.equal(delta(before, after, 'hookroute_events_accepted_total', { endpoint: '/secure', event: 'hello' }), 1);
  // A name no route names is bounded into "(other)", never a label of its own.
  assert.equal(delta(before, after, 'hookroute_events_received_total', { endpoint: '/open', event: '(other)' }), 1);
  assert.equal(delta(before, after, 'hookroute_events_accepted_total', { endpoint: '/open', event: '(other)' }), 1);
  assert.ok(!after.samples.some((s) => s.labels['event'] === 'nobody-routes-this'), 'an unnamed event became a label');

  assert.equal(delta(before, after, 'hookroute_events_duplicate_total', { endpoint: '/open' }), 1);
  assert.equal(delta(before, after, 'hookroute_auth_failures_total', { endpoint: '/secure', reason: 'missing_header' }), 1);
  assert.equal(delta(before, after, 'hookroute_auth_failures_total', { endpoint: '/secure', reason: 'bad_token' }), 1);
  assert.equal(after.types.get('hookroute_http_requests_total'), 'counter');
});

test('actions are counted by outcome and timed; job gauges show pending and dead work', async (t) => {
  const dir = await tempDir(t);
  const { url, adminUrl } = await startInProcess(t, await writeRoutes(dir, ROUTES));
  const before = await scrape(adminUrl);
  assert.equal(before.get('hookroute_jobs', { state: 'pending' }), 0);
  assert.equal(before.get('hookroute_jobs', { state: 'dead' }), 0);

  assert.equal((await postJson(`${url}/open`, { evento: 'hello', dados: { name: 'a' } })).status, 202);
  assert.equal((await postJson(`${url}/open`, { evento: 'breaks', dados: {} })).status, 202);
  assert.equal((await postJson(`${url}/open`, { evento: 'wobbles', dados: {} })).status, 202);

  const after = await eventually(async () => {
    const s = await scrape(adminUrl);
    const attempts = s.all('hookroute_actions_total').reduce((n, x) => n + x.value, 0);
    // The journal commits bookkeeping on its writer thread: wait until both jobs' states are in.
    const settled = s.get('hookroute_jobs', { state: 'dead' }) === 1 && s.get('hookroute_jobs', { state: 'pending' }) === 1;
    return attempts >= 3 && settled ? s : undefined;
  }, 15_000, 'three action attempts, a dead job and one waiting for its retry');

  const actions = 'hookroute_actions_total';
  assert.equal(delta(before, after, actions, { route: 'greet', type: 'run', outcome: 'ok' }), 1);
  assert.equal(delta(before, after, actions, { route: 'doomed', type: 'run', outcome: 'failed' }), 1);
  assert.equal(delta(before, after, actions, { route: 'flaky', type: 'run', outcome: 'failed' }), 1);
  assert.equal(after.all(actions).reduce((n, x) => n + x.value, 0), 3, 'no other attempt was counted');
  assert.equal(delta(before, after, 'hookroute_action_retries_total', { route: 'flaky', type: 'run' }), 1);
  assert.equal(after.get('hookroute_action_retries_total', { route: 'doomed', type: 'run' }) ?? 0, 0, 'a last attempt is not a retry');

  // The histogram: one observation per attempt, in seconds, in the +Inf bucket and the count.
  const histogram = 'hookroute_action_duration_seconds';
  assert.equal(after.types.get(histogram), 'histogram');
  assert.equal(delta(before, after, `${histogram}_count`, { route: 'greet', type: 'run' }), 1);
  assert.equal(after.get(`${histogram}_bucket`, { route: 'greet', type: 'run', le: '+Inf' }), 1);
  const seconds = after.get(`${histogram}_sum`, { route: 'greet', type: 'run' }) ?? 0;
  assert.ok(seconds > 0 && seconds < 15, `a node process took ${seconds} s: not milliseconds counted as seconds`);

  assert.equal(after.get('hookroute_jobs', { state: 'dead' }), 1);
  assert.equal(after.get('hookroute_jobs', { state: 'pending' }), 1, 'the flaky action waits an hour for its retry');
  assert.equal(after.get('hookroute_jobs', { state: 'running' }), 0);
});

test('config reloads are counted by result and the success time moves only on success', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, ROUTES);
  // No file watcher: only the explicit reloads below may count.
  const { server, adminUrl } = await startInProcess(t, file, {}, { watch: false });
  const first = await scrape(adminUrl);
  const reloads = 'hookroute_config_reloads_total';
  const lastSuccess = 'hookroute_config_last_reload_success_timestamp_seconds';
  assert.equal(first.get(reloads, { result: 'success' }), 0);
  assert.equal(first.get(reloads, { result: 'failure' }), 0);
  const t0 = first.get(lastSuccess);
  assert.ok(t0 !== undefined && Math.abs(t0 - Date.now() / 1000) < 60, `start time ${t0}`);

  await new Promise((resolve) => setTimeout(resolve, 30));
  await writeRoutes(dir, `${ROUTES}  - name: added\n    event: added\n    actions:\n      - log: logs/added.jsonl\n`);
  assert.equal(await server.reload(), true);
  const good = await scrape(adminUrl);
  assert.equal(delta(first, good, reloads, { result: 'success' }), 1);
  assert.equal(delta(first, good, reloads, { result: 'failure' }), 0);
  const t1 = good.get(lastSuccess) ?? 0;
  assert.ok(t1 > (t0 as number), `the success time moved: ${t0} -> ${t1}`);

  await writeRoutes(dir, `${ROUTES}  - name: broken\n    evnet: typo\n    actions: []\n`);
  assert.equal(await server.reload(), false);
  const bad = await scrape(adminUrl);
  assert.equal(delta(good, bad, reloads, { result: 'failure' }), 1);
  assert.equal(delta(good, bad, reloads, { result: 'success' }), 0);
  assert.equal(bad.get(lastSuccess), t1, 'a failed reload is not a success');
});

test('process metrics are served, and /metrics only on the admin listener', async (t) => {
  const dir = await tempDir(t);
  const { url, adminUrl } = await startInProcess(t, await writeRoutes(dir, ROUTES));
  const s = await scrape(adminUrl);
  for (const name of ['hookroute_process_cpu_seconds_total', 'hookroute_process_start_time_seconds', 'hookroute_process_resident_memory_bytes', 'hookroute_nodejs_heap_size_used_bytes']) {
    const value = s.get(name);
    assert.ok(value !== undefined && value > 0, `${name} = ${value}`);
  }
  const started = s.get('hookroute_process_start_time_seconds') as number;
  assert.ok(Math.abs(started - (Date.now() - process.uptime() * 1000) / 1000) < 5, 'start time is this process');
  assert.ok(!s.samples.some((x) => x.name.startsWith('hookroute_process_process_')), 'a doubled prefix');

  const publicMetrics = await fetch(`${url}/metrics`);
  assert.equal(publicMetrics.status, 404);
  await publicMetrics.text();
});
