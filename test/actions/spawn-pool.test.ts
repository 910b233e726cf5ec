import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { SpawnPool } from '../../src/actions/spawn-pool.js';
import { repoRoot, fixture } from '../helpers/paths.js';

const bin = fixture('bin');
const never = new AbortController().signal;

// A zombie (exited, not yet reaped by a PID 1 that does not reap) still answers kill(pid, 0).
function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 60 && isAlive(pid); i++) await sleep(50);
  return !isAlive(pid);
}

test('runs in a worker started on the first request, and passes output, exit code and stdin back', async (t) => {
  const pool = new SpawnPool({ size: 2 });
  t.after(() => pool.close());
  assert.equal(pool.workers, 0);
  const [echo, exit3, stdin] = await Promise.all([
    pool.spawn({ file: './echo-args.js', args: ['a b', 'c'], cwd: bin, env: {}, timeoutMs: 10_000, signal: never }),
    pool.spawn({ file: './exit-3.js', args: [], cwd: bin, env: {}, timeoutMs: 10_000, signal: never }),
    pool.spawn({ file: './read-stdin.js', args: [], cwd: bin, env: {}, stdin: 'hello', timeoutMs: 10_000, signal: never }),
  ]);
  assert.ok(pool.workers >= 1 && pool.workers <= 2);
  assert.deepEqual(JSON.parse(echo.stdout.text()), ['a b', 'c']);
  assert.equal(echo.exitCode, 0);
  assert.equal(exit3.exitCode, 3);
  assert.equal(exit3.stderr.lastLine(), 'fatal: database is locked');
  assert.equal(JSON.parse(stdin.stdout.text()).stdin, 'hello');
});

test('the capture cap travels with the request', async (t) => {
  const pool = new SpawnPool();
  t.after(() => pool.close());
  const out = await pool.spawn({ file: './chatty.js', args: ['1000'], cwd: bin, env: {}, timeoutMs: 10_000, signal: never, captureCap: 10 });
  assert.equal(out.stdout.total, 1000);
  assert.equal(out.stdout.text(), `${'o'.repeat(10)}\n[… 990 more bytes truncated]`);
});

test('closing the pool (or a worker dying) kills the groups still running and rejects their runs; the next run starts a new worker', { timeout: 20_000 }, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hookroute-pool-'));
  const pidFile = path.join(dir, 'pids.json');
  const pool = new SpawnPool();
  t.after(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });
  const running = pool.spawn({ file: './hang.sh', args: [pidFile], cwd: bin, env: {}, timeoutMs: 60_000, signal: never });
  const settled = running.then(
    () => undefined,
    (error: Error) => error,
  );
  for (let i = 0; i < 250 && !existsSync(pidFile); i++) await sleep(20);
  const { child, grandchild } = JSON.parse(await readFile(pidFile, 'utf8')) as { child: number; grandchild: number };
  await pool.close(); // the worker's exit event, as after a crash
  const error = await settled;
  assert.match(error?.message ?? '', /spawn worker stopped.*process group was killed/);
  assert.ok(await waitUntilDead(child), 'child still alive');
  assert.ok(await waitUntilDead(grandchild), 'grandchild still alive');

  assert.equal(pool.workers, 0);
  const again = await pool.spawn({ file: 'true', args: [], cwd: bin, env: {}, timeoutMs: 10_000, signal: never });
  assert.equal(again.exitCode, 0);
  assert.equal(pool.workers, 1);
});

test('a script that runs and logs exits on its own, and a pending run keeps it alive until done', { timeout: 30_000 }, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hookroute-exit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const actions = (name: string) => pathToFileURL(path.join(repoRoot, 'dist', 'src', 'actions', name)).href;
  // No process.exit: the script ends when nothing is left to do. The 300 ms sleep runs while the
  // main thread has nothing else to wait for, so an unref'd busy worker would end it early (13).
  const script = `
    import { runAction } from ${JSON.stringify(actions('run.js'))};
    import { logAction } from ${JSON.stringify(actions('log.js'))};
    const attempt = { signal: new AbortController().signal, timeoutMs: 10000, deliveryId: 'd', event: 'e' };
    const run = await runAction.execute({ program: '/bin/sh', file: '/bin/sh', args: ['-c', 'sleep 0.3; echo slept'], env: {}, cwd: ${JSON.stringify(dir)} }, attempt);
    const log = await logAction.execute({ path: ${JSON.stringify(path.join(dir, 'out.jsonl'))}, record: { n: 1 } }, attempt);
    console.log(JSON.stringify({ run: run.outcome, output: run.output, log: log.outcome }));
  `;
  const started = performance.now();
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (error, out) =>
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stdout: out }),
    );
    child.stdin?.end();
  });
  assert.equal(code, 0, stdout);
  assert.deepEqual(JSON.parse(stdout), { run: 'ok', output: 'slept\n', log: 'ok' });
  // Well before the log file's idle timeout (5 s) or any other timer could have ended it.
  assert.ok(performance.now() - started < 4500, `took ${Math.round(performance.now() - started)} ms`);
  assert.equal(await readFile(path.join(dir, 'out.jsonl'), 'utf8'), '{"n":1}\n');
});
