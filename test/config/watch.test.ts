import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, postJson, startInProcess, tempDir, writeRoutes } from '../helpers/daemon.js';

// Reloads through the real watcher (chokidar on the folder) and the real files, on a daemon
// running in this process.

function routesFor(...names: string[]): string {
  return `routes:\n${names.map((n) => `  - name: ${n}\n    event: ${n}\n    actions:\n      - log: logs/${n}.jsonl\n`).join('')}`;
}

/** Polls until POSTing `event` is routed to `route`. */
function answers(url: string, event: string, route: string): Promise<true> {
  return eventually(async () => {
    const res = await postJson(`${url}/webhook`, { evento: event, dados: {} });
    return res.status === 202 && (res.body.routes as string[]).includes(route) ? true : undefined;
  }, 10_000, `${event} to be routed to ${route}`);
}

async function routed(url: string, event: string): Promise<string[]> {
  const res = await postJson(`${url}/webhook`, { evento: event, dados: {} });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.routes as string[];
}

test('a write to the routes file is applied without a restart', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, routesFor('a'));
  const d = await startInProcess(t, file);
  assert.deepEqual(await routed(d.url, 'b'), []);
  const before = d.server.snapshots.current().id;
  await writeFile(file, routesFor('a', 'b'));
  await answers(d.url, 'b', 'b');
  assert.deepEqual(await routed(d.url, 'a'), ['a']);
  assert.notEqual(d.server.snapshots.current().id, before);
  assert.match(d.logs(), /routes loaded/);
});

test('an editor that saves by rename is followed', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, routesFor('a'));
  const d = await startInProcess(t, file);
  const temp = path.join(dir, '.routes.yaml.swp');
  await writeFile(temp, routesFor('renamed'));
  await rename(temp, file);
  await answers(d.url, 'renamed', 'renamed');
  assert.deepEqual(await routed(d.url, 'a'), []);

  // ... and again: the watcher survives the file being replaced.
  await writeFile(temp, routesFor('again'));
  await rename(temp, file);
  await answers(d.url, 'again', 'again');
});

test('a Kubernetes ConfigMap symlink swap (..data) is followed', async (t) => {
  const dir = await tempDir(t);
  // What the kubelet lays out: routes.yaml -> ..data/routes.yaml, ..data -> a dated folder.
  const first = path.join(dir, '..2024_05_01_12_00_00.000000001');
  await mkdir(first);
  await writeFile(path.join(first, 'routes.yaml'), routesFor('v1'));
  await symlink(path.basename(first), path.join(dir, '..data'));
  await symlink(path.join('..data', 'routes.yaml'), path.join(dir, 'routes.yaml'));
  const d = await startInProcess(t, path.join(dir, 'routes.yaml'));
  assert.deepEqual(await routed(d.url, 'v1'), ['v1']);

  // The update: a new dated folder, a new link to it, renamed over ..data in one step.
  const second = path.join(dir, '..2024_05_01_12_05_00.000000002');
  await mkdir(second);
  await writeFile(path.join(second, 'routes.yaml'), routesFor('v2'));
  await symlink(path.basename(second), path.join(dir, '..data_tmp'));
  await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  await answers(d.url, 'v2', 'v2');
  assert.deepEqual(await routed(d.url, 'v1'), []);
  // Relative paths stay relative to the folder the routes file is named in.
  await eventually(() => (existsSync(path.join(dir, 'logs', 'v2.jsonl')) ? true : undefined), 10_000, 'the v2 log line');
});

test('reload() (what SIGHUP calls) applies the file at once', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, routesFor('a'));
  // Without the watcher, so only reload() can have applied it.
  const d = await startInProcess(t, file, {}, { watch: false });
  await writeFile(file, routesFor('hup'));
  assert.deepEqual(await routed(d.url, 'hup'), []);
  assert.equal(await d.server.reload(), true);
  assert.deepEqual(await routed(d.url, 'hup'), ['hup']);
  assert.deepEqual(await routed(d.url, 'a'), []);
  // Reloading the same bytes again changes nothing and succeeds.
  const id = d.server.snapshots.current().id;
  assert.equal(await d.server.reload(), true);
  assert.equal(d.server.snapshots.current().id, id);
});

test('a broken file changes nothing: the old routes keep serving and the log says where', async (t) => {
  const dir = await tempDir(t);
  const file = await writeRoutes(dir, routesFor('a'));
  const d = await startInProcess(t, file);
  const id = d.server.snapshots.current().id;

  await writeFile(file, 'routes:\n  - name: a\n    event: a\n    evnt: b\n    actions:\n      - log: logs/a.jsonl\n');
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await eventually(() => (new RegExp(`${escaped}:4:5: `).test(d.logs()) ? true : undefined), 10_000, 'the error in the log');
  assert.match(d.logs(), /previous routes keep serving/);
  assert.equal(d.server.snapshots.current().id, id);
  assert.deepEqual(await routed(d.url, 'a'), ['a']);
  assert.equal(await d.server.reload(), false);

  // Bad YAML too.
  await writeFile(file, 'routes:\n  - name: a\n    event: a: b\n');
  await eventually(() => (new RegExp(`${escaped}:3:12: `).test(d.logs()) ? true : undefined), 10_000, 'the YAML error in the log');
  assert.deepEqual(await routed(d.url, 'a'), ['a']);

  // The metric counts the failures.
  const metrics = await (await fetch(`${d.adminUrl}/metrics`)).text();
  const failures = /hookroute_config_reloads_total\{result="failure"\} (\d+)/.exec(metrics);
  assert.ok(Number(failures?.[1]) >= 2, metrics);

  // Fixed, it is applied.
  await writeFile(file, routesFor('a', 'fixed'));
  await answers(d.url, 'fixed', 'fixed');
});

test('a delivery accepted before a reload finishes under the routes it was accepted with', async (t) => {
  const dir = await tempDir(t);
  const marker = path.join(dir, 'slow-done');
  const slow = `[${JSON.stringify(process.execPath)}, "-e", "setTimeout(() => require('fs').writeFileSync(process.argv[1], 'x'), 1500)", ${JSON.stringify(marker)}]`;
  const file = await writeRoutes(dir, `
routes:
  - name: lento
    event: lento
    actions:
      - name: slow
        run: ${slow}
      - name: depois
        log: logs/lento.jsonl
        record: { id: "{{ $id }}", n: "{{ n }}" }
`);
  const d = await startInProcess(t, file);
  const oldId = d.server.snapshots.current().id;
  const res = await postJson(`${d.url}/webhook`, { evento: 'lento', dados: { n: 1 } });
  assert.equal(res.status, 202);
  assert.deepEqual(res.body.routes, ['lento']);

  // While its first action runs, the route is removed.
  await writeFile(file, routesFor('outra'));
  assert.equal(await d.server.reload(), true);
  assert.deepEqual(await routed(d.url, 'lento'), []);
  assert.equal(existsSync(marker), false, 'the reload happened while the old action was still running');

  const detail = await eventually(async () => {
    const r = await fetch(`${d.adminUrl}/api/deliveries/${res.body.id}`);
    const body = (await r.json()) as { status: string; snapshotId: string; runs: { route: string; status: string; jobs: { name: string; status: string }[] }[] };
    return body.runs.every((run) => run.status === 'done' || run.status === 'dead') ? body : undefined;
  }, 15_000, 'the old delivery to finish');
  assert.equal(detail.snapshotId, oldId);
  assert.equal(detail.runs[0]?.route, 'lento');
  assert.equal(detail.runs[0]?.status, 'done', JSON.stringify(detail));
  assert.deepEqual(detail.runs[0]?.jobs.map((j) => [j.name, j.status]), [['slow', 'done'], ['depois', 'done']]);
  assert.ok(existsSync(marker));
  const line = JSON.parse((await readFile(path.join(dir, 'logs', 'lento.jsonl'), 'utf8')).trim()) as unknown;
  assert.deepEqual(line, { id: res.body.id, n: 1 });
});
