import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { logAction } from '../../src/actions/log.js';
import { isHookrouteError } from '../../src/errors.js';
import { compileAction, makeAttempt, makeEvent, runOnce, tempDir } from '../helpers/action-context.js';

const user = { id: 123, nome: 'João Silva', email: 'joao@example.com' };

async function lines(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8');
  assert.ok(text.endsWith('\n'));
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as unknown);
}

test('the default record is {received, id, event, data}, in a created folder', async (t) => {
  const dir = await tempDir(t);
  const result = await runOnce(logAction, { log: 'logs/deep/usuarios.jsonl' }, { dir, data: user });
  assert.equal(result.outcome, 'ok', result.error);
  await runOnce(logAction, { log: 'logs/deep/usuarios.jsonl' }, { dir, data: { id: 2 } });
  assert.deepEqual(await lines(path.join(dir, 'logs/deep/usuarios.jsonl')), [
    { received: '2024-05-01T12:00:00.000Z', id: 'delivery-1', event: 'usuario_registrado', data: user },
    { received: '2024-05-01T12:00:00.000Z', id: 'delivery-1', event: 'usuario_registrado', data: { id: 2 } },
  ]);
});

test('a record template keeps JSON types and leaves out undefined keys', async (t) => {
  const dir = await tempDir(t);
  const record = { who: '{{ nome }}', id: '{{ id }}', at: '{{ $received }}', missing: '{{ nada }}', note: 'line\nbreak' };
  const { compiled } = compileAction(logAction, { log: 'out.jsonl', record }, dir);
  const rendered = await logAction.render(compiled, makeEvent(user));
  const expected = { who: 'João Silva', id: 123, at: '2024-05-01T12:00:00.000Z', note: 'line\nbreak' };
  assert.deepEqual(logAction.describe?.(rendered), { path: 'out.jsonl', record: expected });
  assert.equal((await logAction.execute(rendered, makeAttempt())).outcome, 'ok');
  assert.deepEqual(await lines(path.join(dir, 'out.jsonl')), [expected]);
});

test('a templated path is rendered inside the routes folder', async (t) => {
  const dir = await tempDir(t);
  const result = await runOnce(logAction, { log: 'logs/{{ $event }}-{{ id }}.jsonl' }, { dir, data: user });
  assert.equal(result.outcome, 'ok', result.error);
  assert.equal((await lines(path.join(dir, 'logs', 'usuario_registrado-123.jsonl'))).length, 1);
});

test('a templated path cannot leave the routes folder, and nothing is written outside', async (t) => {
  const outside = await tempDir(t);
  const dir = path.join(outside, 'routes');
  await mkdir(dir);
  const { compiled, diagnostics } = compileAction(logAction, { log: '{{ name }}' }, dir);
  assert.deepEqual(diagnostics, []);
  for (const name of ['../escape.jsonl', 'logs/../../escape.jsonl', '..', path.join(outside, 'abs.jsonl'), 'a\0b', '', '.']) {
    await assert.rejects(logAction.render(compiled, makeEvent({ name })), (e) => isHookrouteError(e, 'HR_PATH_ESCAPES'), JSON.stringify(name));
  }
  // A rendered action that did not come from render() is checked again before writing.
  const forged = { path: path.join(outside, 'forged.jsonl'), record: {}, confinedTo: dir };
  const result = await logAction.execute(forged, makeAttempt());
  assert.equal(result.outcome, 'error');
  assert.match(result.error ?? '', /HR_PATH_ESCAPES/);
  assert.deepEqual(await readdir(outside), ['routes']);
  assert.deepEqual(await readdir(dir), []);
});

test('a templated path written absolute or with ".." is a compile diagnostic; a literal absolute path is allowed', async (t) => {
  const dir = await tempDir(t);
  for (const log of ['/var/log/{{ $event }}.jsonl', '../logs/{{ $event }}.jsonl']) {
    const { diagnostics } = compileAction(logAction, { log }, dir);
    assert.equal(diagnostics.length, 1, log);
    assert.equal(diagnostics[0]?.path, 'routes[0].actions[0].log');
  }
  const absolute = path.join(dir, 'elsewhere', 'abs.jsonl');
  const result = await runOnce(logAction, { log: absolute }, { dir: path.join(dir, 'routes'), data: user });
  assert.equal(result.outcome, 'ok', result.error);
  assert.ok(existsSync(absolute));
});

test('200 concurrent appends to one file never interleave', async (t) => {
  const dir = await tempDir(t);
  // Large lines make a torn or interleaved write likely if appends were not atomic.
  const { compiled } = compileAction(logAction, { log: 'all.jsonl', record: { n: '{{ n }}', pad: '{{ pad }}' } }, dir);
  const pad = 'x'.repeat(16 * 1024);
  const results = await Promise.all(
    Array.from({ length: 200 }, async (_, n) => logAction.execute(await logAction.render(compiled, makeEvent({ n, pad })), makeAttempt())),
  );
  assert.ok(results.every((r) => r.outcome === 'ok'));
  const records = (await lines(path.join(dir, 'all.jsonl'))) as { n: number; pad: string }[];
  assert.equal(records.length, 200);
  assert.ok(records.every((r) => r.pad === pad));
  assert.deepEqual(records.map((r) => r.n).sort((a, b) => a - b), Array.from({ length: 200 }, (_, n) => n));
});

test('a shutdown before the write writes nothing', async (t) => {
  const dir = await tempDir(t);
  const controller = new AbortController();
  controller.abort();
  const result = await runOnce(logAction, { log: 'x.jsonl' }, { dir, attempt: { signal: controller.signal } });
  assert.equal(result.outcome, 'error');
  assert.equal(existsSync(path.join(dir, 'x.jsonl')), false);
});
