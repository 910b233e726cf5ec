import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';

// The package as a user gets it: `npm pack` (whose prepack builds), then `npm install` of the
// tarball in an empty project and `npx hookroute`. better-sqlite3 has no prebuilt binary to
// download here and would compile from source for minutes on two cores; compiling a native
// addon is npm's and node-gyp's business, not this package's, so the install skips install
// scripts and takes the binding this checkout already built for the same version and Node.

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the npm_* variables an enclosing `npm test` sets, like a fresh shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function ok(result: Run, what: string): Run {
  assert.equal(result.code, 0, `${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

const npm = 'npm';
const npx = 'npx';

test('npm pack --dry-run lists the runtime files and no tests', async () => {
  const result = ok(await run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], repoRoot), 'npm pack --dry-run');
  const [pack] = JSON.parse(result.stdout) as [{ files: { path: string }[] }];
  const files = pack.files.map((f) => f.path);

  for (const wanted of [
    'package.json', 'README.md', 'routes.example.yaml', 'schema/routes.schema.json',
    'examples/scripts/welcome.sh', 'examples/scripts/deploy.sh',
    'deploy/hookroute.service', 'deploy/README.md',
    'dist/src/cli/bin.js', 'dist/src/cli/main.js', 'dist/src/cli/commands/init.js', 'dist/src/server.js',
  ]) {
    assert.ok(files.includes(wanted), `${wanted} is missing from the package`);
  }
  const tests = files.filter((f) => f.startsWith('dist/test/') || f.startsWith('test/') || /\.test\.(js|ts)(\.map)?$/.test(f));
  assert.deepEqual(tests, [], 'test files are in the package');
  const sources = files.filter((f) => f.startsWith('src/') || f.startsWith('bench/') || f.startsWith('dist/bench/') || f.endsWith('.tsbuildinfo'));
  assert.deepEqual(sources, [], 'sources or build state are in the package');

  // Compiled output of a source file that no longer exists would ship dead code.
  const stale = files.filter((f) => f.startsWith('dist/src/') && f.endsWith('.js') && !existsSync(path.join(repoRoot, f.slice('dist/'.length).replace(/\.js$/, '.ts'))));
  assert.deepEqual(stale, [], 'dist/src holds output of deleted sources: rm -rf dist and build again');
});

test('the packed tarball installs in an empty project and runs with npx', { timeout: 300_000 }, async (t) => {
  const packDir = await tempDir(t, 'hookroute-pack-');
  ok(await run(npm, ['pack', '--pack-destination', packDir], repoRoot), 'npm pack');
  const tarballs = (await readdir(packDir)).filter((f) => f.endsWith('.tgz'));
  assert.equal(tarballs.length, 1, `expected one tarball in ${packDir}: ${tarballs.join(', ')}`);
  const tarball = path.join(packDir, tarballs[0] as string);

  const project = await tempDir(t, 'hookroute-install-');
  ok(await run(npm, ['init', '-y'], project), 'npm init -y');
  ok(await run(npm, ['install', tarball, '--no-audit', '--no-fund', '--ignore-scripts'], project), 'npm install <tarball>');
  const builtHere = path.join(repoRoot, 'node_modules', 'better-sqlite3');
  const builtThere = path.join(project, 'node_modules', 'better-sqlite3');
  const versionOf = async (dir: string): Promise<string> => (JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(await versionOf(builtThere), await versionOf(builtHere), 'the package resolves the better-sqlite3 this checkout built');
  await cp(path.join(builtHere, 'build'), path.join(builtThere, 'build'), { recursive: true });

  const installed = path.join(project, 'node_modules', 'hookroute');
  const bin = path.join(installed, 'dist/src/cli/bin.js');
  assert.match(await readFile(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the shebang survived tsc');
  assert.ok(((await stat(bin)).mode & 0o111) !== 0, 'bin.js is executable after install');
  assert.ok(existsSync(path.join(project, 'node_modules', '.bin', 'hookroute')), 'npm linked the hookroute bin');
  assert.ok(!existsSync(path.join(installed, 'dist', 'test')), 'dist/test was installed');

  // --no: never fetch a "hookroute" from the registry; only the one just installed may run.
  const checked = ok(await run(npx, ['--no', '--', 'hookroute', 'check', 'node_modules/hookroute/routes.example.yaml'], project), 'npx hookroute check');
  assert.match(checked.stdout, /routes\.example\.yaml: ok \(4 endpoint\(s\), \d+ route\(s\)/);

  const version = ok(await run(npx, ['--no', '--', 'hookroute', '--version'], project), 'npx hookroute --version');
  const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), `hookroute ${pkg.version}`);

  // init reads the example and its scripts from the installed package's own folder.
  const starter = path.join(project, 'starter');
  await mkdir(starter);
  ok(await run(npx, ['--no', '--', 'hookroute', 'init'], starter), 'npx hookroute init');
  ok(await run(npx, ['--no', '--', 'hookroute', 'check'], starter), 'npx hookroute check (starter)');
  assert.ok(((await stat(path.join(starter, 'scripts', 'welcome.sh'))).mode & 0o111) !== 0);

  // The native SQLite binding loads: the installed daemon opens its journal and is ready.
  const data = path.join(project, 'journal');
  const child = spawn(path.join(project, 'node_modules', '.bin', 'hookroute'),
    ['serve', 'node_modules/hookroute/routes.example.yaml', '--port', '0', '--admin-port', '0', '--data', data],
    { cwd: project, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  let admin: string | undefined;
  while (admin === undefined) {
    admin = /"admin":"(http:\/\/[^"]+)"/.exec(output)?.[1];
    assert.ok(child.exitCode === null, `the installed hookroute exited (${child.exitCode}):\n${output}`);
    assert.ok(Date.now() < deadline, `the installed hookroute did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ready = await fetch(`${admin}/readyz`);
  assert.equal(ready.status, 200, await ready.text());
  assert.ok(existsSync(data), 'the journal folder was created');
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});
