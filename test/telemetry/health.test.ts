import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, postJson, startInProcess, tempDir, writeRoutes } from '../helpers/daemon.js';

// Liveness on both listeners, readiness on the admin one, and readiness falling to 503 the
// moment a stop begins (while running actions drain). An unwritable journal is tested with the
// journal.

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

test('GET /healthz answers 200 on the public and the admin listener', async (t) => {
  const dir = await tempDir(t);
  const { url, adminUrl } = await startInProcess(t, await writeRoutes(dir, 'routes:\n  - name: a\n    event: a\n    actions:\n      - log: logs/a.jsonl\n'));
  for (const base of [url, adminUrl]) {
    const health = await getJson(`${base}/healthz`);
    assert.equal(health.status, 200, base);
    assert.deepEqual(health.body, { status: 'ok' });
  }
  // Readiness and the API stay off the public port.
  assert.equal((await fetch(`${url}/readyz`)).status, 404);
});

test('GET /readyz is 200 with the routes loaded, and 503 once stopping begins', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, `
server:
  shutdownTimeout: 20s
routes:
  - name: slow
    event: slow
    actions:
      - run: [sleep, "1.5"]
  - name: other
    event: other
    actions:
      - log: logs/other.jsonl
`);
  const { server, url, adminUrl } = await startInProcess(t, file);
  const ready = await getJson(`${adminUrl}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(ready.body.status, 'ready');
  assert.equal(ready.body.routes, 2);
  assert.equal(ready.body.snapshot, server.snapshots.current().id);

  // An action in flight keeps both listeners open while stop() drains it.
  assert.equal((await postJson(`${url}/webhook`, { evento: 'slow', dados: {} })).status, 202);
  await eventually(async () => ((await getJson(`${adminUrl}/readyz`)).body.running === 1 ? true : undefined), 5_000, 'the action to start');
  const stopping = server.stop();
  const during = await getJson(`${adminUrl}/readyz`);
  assert.equal(during.status, 503);
  assert.equal(during.body.status, 'unavailable');
  assert.ok(during.body.reasons.some((r: string) => /shutting down/.test(r)), JSON.stringify(during.body));
  // Liveness is not readiness: the process is alive while it drains.
  assert.equal((await fetch(`${adminUrl}/healthz`)).status, 200);
  const refused = await postJson(`${url}/webhook`, { evento: 'other', dados: {} });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '5');
  await stopping;
});
