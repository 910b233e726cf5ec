import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';

// `hookroute init` through the real CLI (a child process), in a fresh folder.

const bin = path.join(repoRoot, 'dist/src/cli/bin.js');

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd, env: { ...process.env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('init writes a starter routes.yaml that passes check and its own tests, with its scripts', async (t) => {
  const dir = await tempDir(t);
  const run = await cli(dir, 'init');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /routes\.yaml/);

  const routes = await readFile(path.join(dir, 'routes.yaml'), 'utf8');
  assert.match(routes, /^# yaml-language-server: \$schema=\.\/routes\.schema\.json\n/);
  assert.match(routes, /hookroute init/);
  assert.doesNotMatch(routes, /examples\/scripts/, 'script paths point into the package');
  assert.match(routes, /\.\/scripts\/welcome\.sh/);
  JSON.parse(await readFile(path.join(dir, 'routes.schema.json'), 'utf8'));
  for (const script of ['welcome.sh', 'deploy.sh']) {
    await access(path.join(dir, 'scripts', script), constants.X_OK);
  }

  const checked = await cli(dir, 'check');
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, new RegExp(`${path.join(dir, 'routes.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ok`));

  const tested = await cli(dir, 'test');
  assert.equal(tested.code, 0, tested.stdout + tested.stderr);
  assert.match(tested.stdout, /4 passed, 0 failed/);
});

test('a second init refuses, names the file, and changes nothing', async (t) => {
  const dir = await tempDir(t);
  assert.equal((await cli(dir, 'init')).code, 0);
  const file = path.join(dir, 'routes.yaml');
  await writeFile(file, '# my own edits\nroutes: []\n');
  const before = await stat(file);

  const again = await cli(dir, 'init');
  assert.equal(again.code, 1);
  assert.ok(again.stderr.includes(file), again.stderr);
  assert.match(again.stderr, /never overwrites/);
  assert.equal(await readFile(file, 'utf8'), '# my own edits\nroutes: []\n');
  assert.equal((await stat(file)).mtimeMs, before.mtimeMs);
});

test('init writes nothing when only one of its files is in the way', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'scripts'));
  await writeFile(path.join(dir, 'scripts', 'deploy.sh'), '#!/bin/sh\necho mine\n');

  const run = await cli(dir, 'init');
  assert.equal(run.code, 1);
  assert.ok(run.stderr.includes(path.join(dir, 'scripts', 'deploy.sh')), run.stderr);
  await assert.rejects(access(path.join(dir, 'routes.yaml')), { code: 'ENOENT' });
  assert.equal(await readFile(path.join(dir, 'scripts', 'deploy.sh'), 'utf8'), '#!/bin/sh\necho mine\n');
});

test('init takes no arguments', async (t) => {
  const dir = await tempDir(t);
  const run = await cli(dir, 'init', '--force');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /usage: hookroute init/);
  await assert.rejects(access(path.join(dir, 'routes.yaml')), { code: 'ENOENT' });
});
