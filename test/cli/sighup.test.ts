import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { eventually, postJson, startChild, tempDir, writeRoutes } from '../helpers/daemon.js';

// SIGHUP reloads the routes file, as `systemctl reload` does. With --no-watch a save alone
// changes nothing, so only the signal can have applied the new routes.

const routes = (event: string): string => `
server: { data: ./data }
routes:
  - name: only
    event: ${event}
    actions:
      - log: logs/only.jsonl
`;

test('SIGHUP reloads the routes file; a broken file on SIGHUP keeps the old routes', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, routes('antes'));
  const d = await startChild(t, [file, '--no-watch']);
  const routed = async (event: string): Promise<string[]> => (await postJson(`${d.url}/webhook`, { evento: event, dados: {} })).body.routes as string[];
  assert.deepEqual(await routed('antes'), ['only']);

  await writeFile(file, routes('depois'));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.deepEqual(await routed('depois'), [], 'without --watch a save alone must not reload');

  d.child.kill('SIGHUP');
  await eventually(async () => ((await routed('depois')).length === 1 ? true : undefined), 10_000, 'the reload on SIGHUP');
  assert.deepEqual(await routed('antes'), []);

  await writeFile(file, 'routes: [\n');
  d.child.kill('SIGHUP');
  await eventually(() => (/routes file not applied/.test(d.output()) ? true : undefined), 10_000, 'the failed reload in the log');
  assert.match(d.output(), /routes\.yaml:\d+:\d+/);
  assert.deepEqual(await routed('depois'), ['only'], 'the previous routes keep serving');

  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
});
