import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { eventually, postJson, startChild, startInProcess, tempDir, writeRoutes, type ChildDaemon } from '../helpers/daemon.js';

// A data folder that cannot take a write must give 503 (the sender keeps the event and retries),
// never a 202 for an event that was not kept. Real tmpfs mounts, as root; skipped otherwise.

const ROUTES = `
routes:
  - name: keep
    event: kept
    actions:
      - log: kept.jsonl
`;

/**
 * Runs `body` with a fresh tmpfs of `size` mounted at a temp folder, or skips the test when
 * mounting is not allowed here. Cleans up in order whatever happens: the daemons `body` started
 * (test hooks run in the order they were added, so they would come too late), the mount, the folder.
 */
async function withTmpfs(t: TestContext, size: string, body: (mnt: string, started: ChildDaemon[]) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hookroute-disk-'));
  const mnt = path.join(dir, 'mnt');
  await mkdir(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs here (needs root): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`);
    return;
  }
  const started: ChildDaemon[] = [];
  try {
    await body(mnt, started);
  } finally {
    for (const daemon of started) {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
    execFileSync('umount', [mnt], { stdio: 'pipe' });
    await rm(dir, { recursive: true, force: true });
  }
}

async function readyz(daemon: { adminUrl: string }): Promise<{ status: number; body: { status: string; reasons?: string[] } }> {
  const r = await fetch(`${daemon.adminUrl}/readyz`);
  return { status: r.status, body: (await r.json()) as { status: string; reasons?: string[] } };
}

/** Fills the file system holding `file` until it has no room left. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
}

test('a full data folder: 503 with retry-after and readyz 503, then 202 again once there is room', async (t) => {
  const routes = await writeRoutes(await tempDir(t), ROUTES);
  await withTmpfs(t, '2m', async (mnt, started) => {
  const daemon = await startChild(t, [routes, '--data', path.join(mnt, 'data')]);
  started.push(daemon);
  assert.equal((await postJson(`${daemon.url}/webhook`, { event: 'kept', data: { n: 1 } })).status, 202);
  assert.equal((await readyz(daemon)).status, 200);

  // The kernel refuses to remount read-only while the journal is open for writing (EBUSY), so a
  // running daemon meets a full disk, not a read-only one (that case is the next test).
  const filler = path.join(mnt, 'filler');
  fill(filler);
  // A body bigger than the journal's log has room for: the commit needs new space.
  const big = { event: 'kept', data: { n: 2, blob: 'x'.repeat(400_000) } };
  const refused = await postJson(`${daemon.url}/webhook`, big);
  assert.equal(refused.status, 503);
  assert.equal(refused.body.code, 'HR_UNAVAILABLE');
  assert.ok(refused.headers.get('retry-after') !== null, 'a 503 says when to retry');
  const notReady = await readyz(daemon);
  assert.equal(notReady.status, 503);
  assert.ok(notReady.body.reasons?.some((r) => /journal is not writable.*(ENOSPC|no space)/i.test(r)), JSON.stringify(notReady.body));

  await rm(filler);
  const again = await postJson(`${daemon.url}/webhook`, big);
  assert.equal(again.status, 202, 'the journal takes events again once there is room');
  assert.equal((await readyz(daemon)).status, 200);
  const list = (await (await fetch(`${daemon.adminUrl}/api/deliveries?limit=10`)).json()) as { deliveries: { id: string }[] };
  assert.equal(list.deliveries.length, 2, 'the refused event was not kept half-way');
  });
});

test('a read-only data folder: the daemon starts, answers 503 and readyz 503, and opens the journal once writable', async (t) => {
  const routes = await writeRoutes(await tempDir(t), ROUTES);
  await withTmpfs(t, '8m', async (mnt, started) => {
  const data = path.join(mnt, 'data');
  const first = await startChild(t, [routes, '--data', data]);
  started.push(first);
  const kept = await postJson(`${first.url}/webhook`, { event: 'kept', data: { n: 1 } });
  assert.equal(kept.status, 202);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);

  execFileSync('mount', ['-o', 'remount,ro', mnt]);
  const second = await startChild(t, [routes, '--data', data]);
  started.push(second);
  const refused = await postJson(`${second.url}/webhook`, { event: 'kept', data: { n: 2 } });
  assert.equal(refused.status, 503);
  assert.ok(refused.headers.get('retry-after') !== null);
  const notReady = await readyz(second);
  assert.equal(notReady.status, 503);
  assert.ok(notReady.body.reasons?.some((r) => /journal is not open/.test(r)), JSON.stringify(notReady.body));

  // Writable again (the mount came back): the daemon retries the open on its own.
  execFileSync('mount', ['-o', 'remount,rw', mnt]);
  const accepted = await eventually(async () => {
    const r = await postJson(`${second.url}/webhook`, { event: 'kept', data: { n: 3 } });
    return r.status === 202 ? r : undefined;
  }, 10_000, 'the journal to open');
  assert.equal((await readyz(second)).status, 200);
  const list = (await (await fetch(`${second.adminUrl}/api/deliveries?limit=10`)).json()) as { deliveries: { id: string }[] };
  assert.deepEqual(list.deliveries.map((d) => d.id).sort(), [kept.body.id, accepted.body.id].sort());
  });
});

test('a data folder that cannot be created: the daemon still starts, POST and readyz answer 503', async (t) => {
  const dir = await tempDir(t);
  const notAFolder = path.join(dir, 'plain-file');
  await writeFile(notAFolder, 'not a folder');
  const routes = await writeRoutes(dir, ROUTES);
  const daemon = await startInProcess(t, routes, {}, { data: path.join(notAFolder, 'data') });
  const refused = await postJson(`${daemon.url}/webhook`, { event: 'kept', data: {} });
  assert.equal(refused.status, 503);
  assert.equal(refused.body.code, 'HR_UNAVAILABLE');
  assert.ok(refused.headers.get('retry-after') !== null);
  const notReady = await readyz(daemon);
  assert.equal(notReady.status, 503);
  assert.ok(notReady.body.reasons?.some((r) => /journal is not open/.test(r)), JSON.stringify(notReady.body));
  assert.equal((await fetch(`${daemon.adminUrl}/api/deliveries`)).status, 503);
  assert.match(daemon.logs(), /cannot open the journal/);
});
