import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';

// Child processes for the bench: optionally pinned to a core with taskset, their output sent to
// a file in the bench's temp folder (a file, not a pipe, so the load generator's core never
// spends time reading the servers' logs), and a wait for a "ready" line in that file.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let tasksetPath: string | null | undefined;

/** The path of taskset, or null when it is missing (the bench then runs unpinned). */
export function taskset(): string | null {
  if (tasksetPath !== undefined) return tasksetPath;
  try {
    tasksetPath = execFileSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).trim() || null;
  } catch {
    tasksetPath = null;
  }
  return tasksetPath;
}

/** Pins this process (every thread) to `core`; false when it cannot. */
export function pinSelf(core: number): boolean {
  const bin = taskset();
  if (bin === null) return false;
  try {
    execFileSync(bin, ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Date.now() just before spawn. */
  readonly spawnedAt: number;
  /** The parsed ready line. */
  readonly ready: Record<string, unknown>;
  /** ms from spawn to the ready line (its own `time` field when it has one, else when it was seen). */
  readonly startupMs: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly core?: number | undefined;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly isReady: (line: Record<string, unknown>) => boolean;
  /** Polled as well as the output, for a server that prints no ready line. */
  readonly probe?: () => Promise<boolean>;
  readonly timeoutMs?: number;
}

const live = new Set<ChildProcess>();

/** Kills whatever is still running (used on errors and signals); only processes started here. */
export function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs = 8000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited(child);
    clearTimeout(timer);
  }
  live.delete(child);
}

function timeOf(line: Record<string, unknown>): number | undefined {
  const t = line['time'];
  if (typeof t === 'number') return t;
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

export async function startProcess(options: StartOptions): Promise<Started> {
  const pin = options.core !== undefined ? taskset() : null;
  const command = pin === null ? options.command : pin;
  const args = pin === null ? [...options.args] : ['-c', String(options.core), options.command, ...options.args];
  const fd = openSync(options.logFile, 'a');
  const spawnedAt = Date.now();
  // taskset execs the command, so the pid is the server's own.
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  live.add(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: could not start ${command}`);

  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const handle = await open(options.logFile, 'r');
  let text = '';
  let offset = 0;
  try {
    for (;;) {
      const buffer = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      text += buffer.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      text = lines.pop() ?? '';
      for (const raw of lines) {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (options.isReady(line)) {
          const seenAt = Date.now();
          const at = timeOf(line);
          return {
            name: options.name, child, pid, spawnedAt, ready: line, logFile: options.logFile,
            startupMs: (at !== undefined && at >= spawnedAt && at <= seenAt ? at : seenAt) - spawnedAt,
            stop: () => stopChild(child),
          };
        }
      }
      if (bytesRead === 0 && options.probe !== undefined && (await options.probe())) {
        return {
          name: options.name, child, pid, spawnedAt, ready: {}, logFile: options.logFile,
          startupMs: Date.now() - spawnedAt, stop: () => stopChild(child),
        };
      }
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        const tail = readFileSync(options.logFile, 'utf8').slice(-2000);
        await stopChild(child, 1000);
        throw new Error(`${options.name} did not become ready (exit ${child.exitCode ?? child.signalCode ?? 'none'}); output:\n${tail}`);
      }
      if (bytesRead === 0) await sleep(2);
    }
  } finally {
    await handle.close();
  }
}

/** Runs a child to completion and returns its last stdout line parsed as JSON. */
export async function runJson(command: string, args: readonly string[], core?: number): Promise<Record<string, unknown>> {
  const pin = core !== undefined ? taskset() : null;
  const child = spawn(pin ?? command, pin === null ? [...args] : ['-c', String(core), command, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  live.add(child);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await exited(child);
  live.delete(child);
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}

/** VmRSS, VmHWM (peak) and the anonymous / file-backed parts of RSS, in MB, from /proc. */
export function memoryMb(pid: number): { rss: number; peak: number; anon: number; file: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mb = (key: string): number => Math.round(Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 102.4) / 10;
    return { rss: mb('VmRSS'), peak: mb('VmHWM'), anon: mb('RssAnon'), file: mb('RssFile') };
  } catch {
    return undefined;
  }
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

/** CPU time (user + system) a process has used so far, in ms, from /proc/PID/stat. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
