import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { TestContext } from 'node:test';
import { startServer, type RunningServer } from '../../src/server.js';
import { repoRoot } from './paths.js';

// Two ways to run the real daemon in a test: in-process (startServer, port 0) when the test
// needs its internals, or as a child process (the real CLI) when it must be killed or signalled.

export async function tempDir(t: TestContext, prefix = 'hookroute-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a routes file; `data` and `admin` defaults keep tests off the real ports. */
export async function writeRoutes(dir: string, yaml: string, name = 'routes.yaml'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, yaml);
  return file;
}

export interface InProcess {
  readonly server: RunningServer;
  readonly url: string;
  readonly adminUrl: string;
  readonly logs: () => string;
}

export async function startInProcess(t: TestContext, file: string, env: NodeJS.ProcessEnv = {}, options: { data?: string; host?: string; logOutput?: boolean; watch?: boolean } = {}): Promise<InProcess> {
  const out = new PassThrough();
  let captured = '';
  out.on('data', (chunk: Buffer) => (captured += chunk.toString()));
  const server = await startServer({
    file, port: 0, host: options.host ?? '127.0.0.1', adminPort: 0, env: { ...process.env, ...env },
    logDestination: out, pretty: false, logLevel: 'debug', ...(options.data !== undefined && { data: options.data }),
    ...(options.logOutput !== undefined && { logOutput: options.logOutput }), ...(options.watch !== undefined && { watch: options.watch }),
  });
  t.after(() => server.stop());
  return { server, url: server.url, adminUrl: server.adminUrl ?? '', logs: () => captured };
}

export interface ChildDaemon {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminUrl: string;
  readonly output: () => string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/** Starts `hookroute serve` as a real process and waits for its "listening" line. */
export async function startChild(t: TestContext, args: string[], env: NodeJS.ProcessEnv = {}, cwd = repoRoot): Promise<ChildDaemon> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/src/cli/bin.js'), 'serve', '--port', '0', '--admin-port', '0', '--host', '127.0.0.1', ...args], {
    cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const ready = new Promise<{ url: string; adminUrl: string }>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /"msg":"hookroute listening on (http:\/\/[^"]+)"/.exec(output);
      const admin = /"admin":"(http:\/\/[^"]+|disabled)"/.exec(output);
      if (match?.[1] !== undefined && admin?.[1] !== undefined) resolve({ url: match[1], adminUrl: admin[1] });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`hookroute exited (${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`hookroute did not start within 15 s:\n${output}`)), 15_000).unref();
  });
  const { url, adminUrl } = await ready;
  return { child, url, adminUrl, output: () => output, exited };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
