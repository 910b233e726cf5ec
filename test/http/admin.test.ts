import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postJson, startInProcess, tempDir, writeRoutes } from '../helpers/daemon.js';

// The admin API refuses what it cannot answer, and with admin.token set, anyone without it.

test('admin API: bad queries are 400, unknown ids 404, and admin.token is required', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, `
server: { data: ./data }
admin: { token: "\${ADMIN_TOKEN}" }
routes:
  - name: r
    event: e
    actions: [{ log: logs/e.jsonl }]
`);
  const d = await startInProcess(t, file, { ADMIN_TOKEN: 'adm-7f3c2a9e' });
  const get = (path: string, token?: string): Promise<Response> =>
    fetch(`${d.adminUrl}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  assert.equal((await get('/api/deliveries')).status, 401);
  assert.equal((await get('/api/deliveries', 'adm-7f3c2a9f')).status, 401, 'one character off');
  assert.equal((await get('/healthz')).status, 200, 'liveness needs no token');

  const accepted = await postJson(`${d.url}/webhook`, { evento: 'e', dados: { n: 1 } });
  assert.equal(accepted.status, 202);
  const list = await get('/api/deliveries?limit=5', 'adm-7f3c2a9e');
  assert.equal(list.status, 200);
  assert.equal(((await list.json()) as { deliveries: { id: string }[] }).deliveries[0]?.id, accepted.body.id);

  for (const bad of ['/api/deliveries?limit=abc', '/api/deliveries?limit=0', '/api/deliveries?limit=5000', '/api/deliveries?status=lost']) {
    const response = await get(bad, 'adm-7f3c2a9e');
    assert.equal(response.status, 400, bad);
    assert.match(((await response.json()) as { error: string }).error, /limit|status/);
  }
  assert.equal((await get('/api/deliveries/no-such-id', 'adm-7f3c2a9e')).status, 404);
  const replay = await fetch(`${d.adminUrl}/api/deliveries/no-such-id/replay`, { method: 'POST', headers: { authorization: 'Bearer adm-7f3c2a9e' } });
  assert.equal(replay.status, 404);
  assert.doesNotMatch(d.logs(), /adm-7f3c2a9e/, 'the admin token is never logged');
});
