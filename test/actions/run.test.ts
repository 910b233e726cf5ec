import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { runAction } from '../../src/actions/run.js';
import { isHookrouteError } from '../../src/errors.js';
import { compileAction, makeAttempt, makeEvent, runOnce, tempDir } from '../helpers/action-context.js';
import { fixture } from '../helpers/paths.js';

const bin = fixture('bin');
const user = { id: 123, nome: 'João Silva', email: 'joao@example.com' };

// A zombie (exited, not yet reaped by a PID 1 that does not reap) still answers kill(pid, 0).
function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    if (existsSync('/proc/self/stat')) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function waitUntilDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 60 && isAlive(pid); i++) await sleep(50);
  return !isAlive(pid);
}

async function pidsFrom(file: string): Promise<{ child: number; grandchild: number }> {
  return JSON.parse(await readFile(file, 'utf8')) as { child: number; grandchild: number };
}

/** A pid file for hang.sh / hang.js; if the test fails, whatever it recorded is killed afterwards. */
async function hangPidFile(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hookroute-hang-'));
  const pidFile = path.join(dir, 'pids.json');
  t.after(async () => {
    const pids = await pidsFrom(pidFile).catch(() => undefined);
    for (const pid of [pids?.child, pids?.grandchild]) {
      if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });
  return pidFile;
}

// A regression in group killing would otherwise hang the run: the grandchild holds stdout open.
const HANG = { timeout: 20_000 };

test('payload values reach the program as exactly one argument each, uninterpreted', async () => {
  const data = {
    semi: 'João; rm -rf ~ $(id)',
    tick: '`id` && echo pwned',
    quotes: `it's "quoted" \\ back`,
    lines: 'line1\nline2\r\n',
    glob: '*.txt',
    spaces: '  two  spaces  ',
  };
  const keys = Object.keys(data);
  const result = await runOnce(runAction, { run: ['./echo-args.js', ...keys.map((k) => `{{ ${k} }}`)] }, { dir: bin, data });
  assert.equal(result.outcome, 'ok', result.error);
  assert.deepEqual(JSON.parse(result.output ?? ''), Object.values(data));
});

test('a command string is split into words before values are inserted', async () => {
  const data = { ...user, evil: 'x"; id; echo "$(whoami)' };
  const run = `./echo-args.js --name={{ nome }} "two words" '{{ $substringBefore(nome, ' ') }}' {{ evil }} {{ id }}`;
  const result = await runOnce(runAction, { run }, { dir: bin, data });
  assert.equal(result.outcome, 'ok', result.error);
  assert.deepEqual(JSON.parse(result.output ?? ''), ['--name=João Silva', 'two words', 'João', data.evil, '123']);
});

test('objects become JSON text in an argument', async () => {
  const result = await runOnce(runAction, { run: ['./echo-args.js', '{{ $ }}'] }, { dir: bin, data: user });
  assert.deepEqual(JSON.parse(JSON.parse(result.output ?? '')[0] as string), user);
});

test('an undefined value fails rendering with HR_TEMPLATE_UNDEFINED and nothing runs', async (t) => {
  const dir = await tempDir(t);
  const marker = path.join(dir, 'ran');
  for (const raw of [
    { run: ['/usr/bin/env', 'touch', marker, '{{ missing }}'] },
    { run: `/usr/bin/env touch ${marker} {{ missing }}` },
    { run: ['/usr/bin/env', 'touch', marker], env: { X: '{{ missing }}' } },
  ]) {
    const { compiled, diagnostics } = compileAction(runAction, raw, dir);
    assert.deepEqual(diagnostics, []);
    await assert.rejects(runAction.render(compiled, makeEvent(user)), (e) => isHookrouteError(e, 'HR_TEMPLATE_UNDEFINED') && /missing/.test(e.message));
  }
  assert.equal(existsSync(marker), false);
});

test('shell: true refuses templates in the script and takes values through env', async () => {
  const templated = compileAction(runAction, { run: 'echo {{ nome }}', shell: true }, bin);
  assert.equal(templated.diagnostics.length, 1);
  assert.match(templated.diagnostics[0]?.message ?? '', /env/);
  assert.equal(templated.diagnostics[0]?.path, 'routes[0].actions[0].run');

  const list = compileAction(runAction, { run: ['echo', 'x'], shell: true }, bin);
  assert.equal(list.diagnostics.length, 1);

  const evil = 'a"; echo injected; `id` $(id)';
  const result = await runOnce(runAction, { run: 'printf "%s|" "$NAME" | tr -d "\\n"', shell: true, env: { NAME: '{{ evil }}' } }, { dir: bin, data: { evil } });
  assert.equal(result.outcome, 'ok', result.error);
  assert.equal(result.output, `${evil}|`);
});

test('a string with shell syntax is a compile diagnostic', () => {
  for (const run of ['./echo-args.js | cat', 'echo $HOME', 'rm *.txt', 'a; b']) {
    const { diagnostics } = compileAction(runAction, { run }, bin);
    assert.equal(diagnostics.length, 1, run);
    assert.equal(diagnostics[0]?.code, 'HR_CONFIG_INVALID');
    assert.match(diagnostics[0]?.message ?? '', /shell: true/);
  }
});

test('env is added to the inherited environment with the delivery and event; cwd defaults to the routes folder', async () => {
  process.env.HOOKROUTE_TEST_INHERITED = 'yes';
  const result = await runOnce(runAction, { run: ['./print-env.js'], env: { USER_ID: '{{ id }}', HOOKROUTE_EVENT: 'forged' } }, { dir: bin, data: user });
  delete process.env.HOOKROUTE_TEST_INHERITED;
  const { env, cwd } = JSON.parse(result.output ?? '') as { env: Record<string, string>; cwd: string };
  assert.equal(env.USER_ID, '123');
  assert.equal(env.HOOKROUTE_TEST_INHERITED, 'yes');
  assert.equal(env.HOOKROUTE_EVENT, 'usuario_registrado');
  assert.equal(env.HOOKROUTE_DELIVERY, 'delivery-1');
  assert.equal(cwd, bin);
});

test('a relative cwd resolves against the routes folder, and so does the program', async (t) => {
  const result = await runOnce(runAction, { run: ['./bin/print-env.js'], cwd: '..' }, { dir: fixture() });
  assert.equal(result.outcome, 'ok', result.error);
  assert.equal(JSON.parse(result.output ?? '').cwd, path.dirname(fixture()));

  const dir = await tempDir(t);
  const { compiled } = compileAction(runAction, { run: './echo-args.js a', cwd: dir, stdin: '{{ id }}', env: { A: '{{ nome }}' } }, bin);
  const rendered = await runAction.render(compiled, makeEvent(user));
  assert.deepEqual(runAction.describe?.(rendered), {
    argv: ['./echo-args.js', 'a'],
    file: path.join(bin, 'echo-args.js'),
    env: { A: 'João Silva' },
    cwd: dir,
    stdin: '123',
  });
  const outcome = await runAction.execute(rendered, makeAttempt());
  assert.deepEqual(JSON.parse(outcome.output ?? ''), ['a']);
});

test('stdin pipes the data as JSON; without it, stdin is not a pipe and reads empty', async () => {
  const piped = await runOnce(runAction, { run: ['./read-stdin.js'], stdin: '{{ $ }}' }, { dir: bin, data: user });
  assert.deepEqual(JSON.parse(JSON.parse(piped.output ?? '').stdin), user);
  const none = await runOnce(runAction, { run: ['./read-stdin.js'] }, { dir: bin, data: user });
  assert.deepEqual(JSON.parse(none.output ?? ''), { kind: 'device', stdin: '' });
});

test('a non-zero exit is failed, with the code and the last stderr line', async () => {
  const result = await runOnce(runAction, { run: './exit-3.js' }, { dir: bin });
  assert.equal(result.outcome, 'failed');
  assert.equal(result.exitCode, 3);
  assert.match(result.error ?? '', /3/);
  assert.match(result.error ?? '', /fatal: database is locked/);
  assert.equal(result.output, 'partial work\n');
});

test('a program that does not exist is an error naming it and where it was looked for', async () => {
  const relative = await runOnce(runAction, { run: ['./scripts/nope.sh'] }, { dir: bin });
  assert.equal(relative.outcome, 'error');
  assert.match(relative.error ?? '', /\.\/scripts\/nope\.sh/);
  assert.ok(relative.error?.includes(path.join(bin, 'scripts', 'nope.sh')), relative.error);

  const bare = await runOnce(runAction, { run: 'hookroute-no-such-program x' }, { dir: bin });
  assert.equal(bare.outcome, 'error');
  assert.match(bare.error ?? '', /hookroute-no-such-program.*PATH/);
});

test('on timeout the whole process group is killed, grandchild included', HANG, async (t) => {
  const pidFile = await hangPidFile(t);
  const result = await runOnce(runAction, { run: ['./hang.sh', pidFile] }, { dir: bin, attempt: { timeoutMs: 400 } });
  assert.equal(result.outcome, 'timeout');
  assert.equal(result.signal, 'SIGTERM');
  assert.match(result.output ?? '', /started/);
  const { child, grandchild } = await pidsFrom(pidFile);
  assert.ok(await waitUntilDead(child), 'child still alive');
  assert.ok(await waitUntilDead(grandchild), 'grandchild still alive');
});

test('a group that ignores SIGTERM gets SIGKILL after the grace period', HANG, async (t) => {
  const pidFile = await hangPidFile(t);
  const result = await runOnce(runAction, { run: ['./hang.sh', pidFile, '--ignore-term'] }, { dir: bin, attempt: { timeoutMs: 400 } });
  assert.equal(result.outcome, 'timeout');
  assert.equal(result.signal, 'SIGKILL');
  const { child, grandchild } = await pidsFrom(pidFile);
  assert.ok(await waitUntilDead(child), 'child still alive');
  assert.ok(await waitUntilDead(grandchild), 'grandchild still alive');
});

test('a shutdown stops the process group and reports it', HANG, async (t) => {
  const pidFile = await hangPidFile(t);
  const controller = new AbortController();
  const { compiled } = compileAction(runAction, { run: [path.join(bin, 'hang.js'), pidFile] }, bin);
  const rendered = await runAction.render(compiled, makeEvent({}));
  const running = runAction.execute(rendered, makeAttempt({ signal: controller.signal }));
  for (let i = 0; i < 250 && !existsSync(pidFile); i++) await sleep(20);
  controller.abort();
  const result = await running;
  assert.equal(result.outcome, 'error');
  assert.equal(result.error, 'stopped: shutting down');
  const { grandchild } = await pidsFrom(pidFile);
  assert.ok(await waitUntilDead(grandchild), 'grandchild still alive');
});

test('output over the cap is truncated, not fatal', async () => {
  const result = await runOnce(runAction, { run: ['./chatty.js', '200000'] }, { dir: bin });
  assert.equal(result.outcome, 'ok', result.error);
  assert.equal(result.output, `${'o'.repeat(65536)}\n[… ${200000 - 65536} more bytes truncated]`);
  assert.match(result.stderr ?? '', /^e{65536}\n\[… \d+ more bytes truncated\]$/);
});
