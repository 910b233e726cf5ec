import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { eventually, postJson, startInProcess, tempDir, writeRoutes, type InProcess } from '../helpers/daemon.js';

// Who may reach an endpoint, over real HTTP: `allow` lists (IPv4, IPv6, behind a proxy),
// `rateLimit`, and the start-up warning about endpoints anyone can trigger.

const EVENT = JSON.stringify({ evento: 'teste', dados: { mensagem: 'oi' } });

async function serve(t: TestContext, yaml: string, host?: string): Promise<InProcess> {
  const dir = await tempDir(t);
  return startInProcess(t, await writeRoutes(dir, yaml), {}, host === undefined ? {} : { host });
}

function logRecords(logs: string): Record<string, unknown>[] {
  return logs.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

async function refusedFor(d: InProcess, endpoint: string): Promise<string> {
  const line = await eventually(
    () => logRecords(d.logs()).find((r) => r['msg'] === 'request refused' && r['endpoint'] === endpoint),
    5000, `the refusal on ${endpoint} in the log`,
  );
  return String(line['reason']);
}

async function ipv6Loopback(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: Error) => resolve(error.message));
    server.listen(0, '::1', () => server.close(() => resolve(undefined)));
  });
}

test('allow: a listed IPv4 network is let in, any other address gets 403 with the reason logged', async (t) => {
  const d = await serve(t, `
endpoints:
  - path: /loopback
    allow: [127.0.0.1/32]
  - path: /private
    allow: [10.0.0.0/8]
routes: []
`);
  const ok = await postJson(`${d.url}/loopback`, EVENT);
  assert.equal(ok.status, 202, JSON.stringify(ok.body));

  const denied = await postJson(`${d.url}/private`, EVENT);
  assert.equal(denied.status, 403);
  assert.equal(denied.body.code, 'HR_FORBIDDEN');
  assert.match(await refusedFor(d, '/private'), /client address 127\.0\.0\.1 is not in allow/);

  // Without server.trustProxy, X-Forwarded-For is the client's word only: ignored.
  const spoofed = await postJson(`${d.url}/private`, EVENT, { 'x-forwarded-for': '10.1.2.3' });
  assert.equal(spoofed.status, 403);
});

test('allow: IPv6 on a server listening on ::1', async (t) => {
  const problem = await ipv6Loopback();
  if (problem !== undefined) {
    t.skip(`::1 is not available here: ${problem}`);
    return;
  }
  const d = await serve(t, `
endpoints:
  - path: /loopback6
    allow: ['::1/128']
  - path: /ula
    allow: ['fd00::/8']
routes: []
`, '::1');
  assert.match(d.url, /^http:\/\/\[::1\]:\d+$/);
  const ok = await postJson(`${d.url}/loopback6`, EVENT);
  assert.equal(ok.status, 202, JSON.stringify(ok.body));
  const denied = await postJson(`${d.url}/ula`, EVENT);
  assert.equal(denied.status, 403);
  assert.match(await refusedFor(d, '/ula'), /client address ::1 is not in allow/);
});

test('allow: with server.trustProxy the X-Forwarded-For address is the one checked', async (t) => {
  const d = await serve(t, `
server:
  trustProxy: true
endpoints:
  - path: /internal
    allow: [10.0.0.0/8]
routes: []
`);
  const forwarded = await postJson(`${d.url}/internal`, EVENT, { 'x-forwarded-for': '10.1.2.3' });
  assert.equal(forwarded.status, 202, JSON.stringify(forwarded.body));

  const outside = await postJson(`${d.url}/internal`, EVENT, { 'x-forwarded-for': '192.0.2.7' });
  assert.equal(outside.status, 403);
  assert.match(await refusedFor(d, '/internal'), /client address 192\.0\.2\.7 is not in allow/);

  // The proxy's own address (127.0.0.1) is not the client's.
  const direct = await postJson(`${d.url}/internal`, EVENT);
  assert.equal(direct.status, 403);
});

test('rateLimit: the 4th request in the window gets 429 with Retry-After; other endpoints are unaffected', async (t) => {
  const d = await serve(t, `
endpoints:
  - path: /limited
    rateLimit: { max: 3, window: 1m }
  - path: /limited-too
    rateLimit: { max: 3, window: 1m }
  - path: /open
routes: []
`);
  for (let i = 1; i <= 3; i++) {
    const r = await postJson(`${d.url}/limited`, EVENT);
    assert.equal(r.status, 202, `request ${i}: ${JSON.stringify(r.body)}`);
  }
  const fourth = await postJson(`${d.url}/limited`, EVENT);
  assert.equal(fourth.status, 429);
  assert.equal(fourth.body.code, 'HR_RATE_LIMITED');
  assert.match(fourth.body.error, /rate limited/);
  const retryAfter = Number(fourth.headers.get('retry-after'));
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After: ${fourth.headers.get('retry-after')}`);

  const other = await postJson(`${d.url}/open`, EVENT);
  assert.equal(other.status, 202);
  const sibling = await postJson(`${d.url}/limited-too`, EVENT);
  assert.equal(sibling.status, 202, 'each endpoint counts its own requests');
  // A query string does not open a new window.
  const withQuery = await postJson(`${d.url}/limited?x=1`, EVENT);
  assert.equal(withQuery.status, 429);
});

const OPEN_AND_LOCKED = `
endpoints:
  - path: /open
  - path: /locked
    token: \${LOCKED_TOKEN:-a-long-enough-token}
routes: []
`;
const warnings = (d: InProcess): string[] =>
  logRecords(d.logs()).filter((r) => r['level'] === 40).map((r) => String(r['msg']));

test('start-up: an endpoint without authentication on 0.0.0.0 is warned about', async (t) => {
  const d = await serve(t, OPEN_AND_LOCKED, '0.0.0.0');
  const found = await eventually(() => {
    const lines = warnings(d).filter((m) => /has no authentication/.test(m));
    return lines.length > 0 ? lines : undefined;
  }, 5000, 'the warning');
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.match(found[0] ?? '', /endpoint \/open has no authentication and listens on 0\.0\.0\.0/);
  // It still serves (requests go to the loopback address only).
  const port = new URL(d.url).port;
  const r = await postJson(`http://127.0.0.1:${port}/open`, EVENT);
  assert.equal(r.status, 202);
});

test('start-up: no such warning on 127.0.0.1', async (t) => {
  const d = await serve(t, OPEN_AND_LOCKED, '127.0.0.1');
  await eventually(() => (/hookroute listening/.test(d.logs()) ? true : undefined), 5000, 'the listening line');
  assert.deepEqual(warnings(d).filter((m) => /no authentication/.test(m)), []);
});
