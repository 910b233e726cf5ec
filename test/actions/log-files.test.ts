import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { readFile, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { LogFiles } from '../../src/actions/log-files.js';
import { closeLogFiles, logAction } from '../../src/actions/log.js';
import { runOnce, tempDir } from '../helpers/action-context.js';

/** Descriptors this process holds open on files under `dir`. */
function openUnder(dir: string): string[] {
  const found: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(`${dir}${path.sep}`)) found.push(target);
    } catch {
      // closed while listing
    }
  }
  return found;
}

async function records(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
}

// The rotation check runs at most once a second per file.
const CHECK_MS = 1000;

test('a file renamed away (logrotate) or deleted is recreated at its path, and so is its folder', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'logs', 'app.jsonl');
  const log = async (n: number) => {
    const result = await runOnce(logAction, { log: 'logs/app.jsonl', record: { n: '{{ n }}' } }, { dir, data: { n } });
    assert.equal(result.outcome, 'ok', result.error);
  };
  await log(1);
  await log(2);
  await rename(file, `${file}.1`);
  await sleep(CHECK_MS + 100);
  await log(3);
  assert.deepEqual(await records(`${file}.1`), [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(await records(file), [{ n: 3 }]);

  await unlink(file);
  await sleep(CHECK_MS + 100);
  await log(4);
  assert.deepEqual(await records(file), [{ n: 4 }]);

  await rm(path.join(dir, 'logs'), { recursive: true });
  await sleep(CHECK_MS + 100);
  await log(5);
  assert.deepEqual(await records(file), [{ n: 5 }]);
  await closeLogFiles();
});

test('one handle per file stays open across events, and closeLogFiles() closes it', async (t) => {
  const dir = await tempDir(t);
  for (let n = 0; n < 50; n++) await runOnce(logAction, { log: 'a/one.jsonl' }, { dir, data: { n } });
  assert.deepEqual(openUnder(dir), [path.join(dir, 'a', 'one.jsonl')]);
  assert.equal((await records(path.join(dir, 'a', 'one.jsonl'))).length, 50);
  await closeLogFiles();
  assert.deepEqual(openUnder(dir), []);
  // Usable again after closing.
  assert.equal((await runOnce(logAction, { log: 'a/one.jsonl' }, { dir })).outcome, 'ok');
  assert.equal((await records(path.join(dir, 'a', 'one.jsonl'))).length, 51);
  await closeLogFiles();
});

test('at most maxOpen handles, least recently used closed first; idle ones are closed', async (t) => {
  const dir = await tempDir(t);
  const files = new LogFiles({ maxOpen: 4, idleMs: 200 });
  t.after(() => files.close());
  for (let i = 0; i < 10; i++) await files.append(path.join(dir, `f${i}.jsonl`), Buffer.from(`{"i":${i}}\n`));
  assert.equal(files.open, 4);
  await sleep(50);
  assert.deepEqual(openUnder(dir).sort(), [6, 7, 8, 9].map((i) => path.join(dir, `f${i}.jsonl`)));
  await sleep(700);
  assert.equal(files.open, 0);
  assert.deepEqual(openUnder(dir), []);
  for (let i = 0; i < 10; i++) assert.deepEqual(await records(path.join(dir, `f${i}.jsonl`)), [{ i }]);
});

test('close() waits for the writes in flight, none is lost or torn', async (t) => {
  const dir = await tempDir(t);
  const files = new LogFiles();
  const file = path.join(dir, 'busy.jsonl');
  const pad = 'y'.repeat(32 * 1024);
  const writes = Array.from({ length: 100 }, (_, n) => files.append(file, Buffer.from(`${JSON.stringify({ n, pad })}\n`)));
  await files.close();
  const lines = (await records(file)) as { n: number; pad: string }[];
  assert.equal(lines.length, 100);
  assert.ok(lines.every((line) => line.pad === pad));
  assert.deepEqual(openUnder(dir), []);
  await Promise.all(writes);
});
