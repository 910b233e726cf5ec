import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { execa, type Options } from 'execa';
import { EXECA_OPTIONS, startInGroup } from '../src/actions/spawn-local.js';
import { SpawnPool } from '../src/actions/spawn-pool.js';

// `node dist/bench/execa-options.js [n=300] [concurrency=8] [rounds=3] [variant,...]`: what each
// execa option costs, against a raw child_process.spawn, starting `true` n times with a fixed
// concurrency. Rounds are interleaved (the machines are noisy) and the median is printed, with
// the main thread's busy time per run (event-loop utilisation: what a spawn takes from HTTP) and
// the process's CPU per run (every thread, the fork included). One JSON line at the end.

const n = Number(process.argv[2] ?? 300);
const concurrency = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 3);
const only = process.argv[5]?.split(',');

const extra = { HOOKROUTE_EVENT: 'bench', HOOKROUTE_DELIVERY: 'bench' };
// The options src/actions/spawn.ts used before it was tuned.
const before: Options = { env: extra, extendEnv: true, reject: false, detached: true, buffer: false, stdin: 'ignore' };

function drain(child: { stdout?: NodeJS.ReadableStream | null; stderr?: NodeJS.ReadableStream | null }): void {
  child.stdout?.resume();
  child.stderr?.resume();
}

function viaExeca(options: Options): () => Promise<unknown> {
  return async () => {
    const child = execa('true', [], options);
    drain(child as never);
    return child;
  };
}

const pools = { pool1: new SpawnPool({ size: 1 }), pool2: new SpawnPool({ size: 2 }) };
const signal = new AbortController().signal;
const request = { file: 'true', args: [], cwd: process.cwd(), env: extra, timeoutMs: 30_000 };

const variants: Record<string, () => Promise<unknown>> = {
  raw: () =>
    new Promise((resolve, reject) => {
      const child = spawn('true', [], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', resolve);
    }),
  rawLikeHookroute: () =>
    new Promise((resolve, reject) => {
      const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...extra } });
      drain(child);
      child.on('error', reject);
      child.on('close', resolve);
    }),
  execaDefault: viaExeca({}),
  execaBefore: viaExeca(before),
  'before+buffer': viaExeca({ ...before, buffer: true }),
  'before+buffer-stripFinalNewline': viaExeca({ ...before, buffer: true, stripFinalNewline: false }),
  'before+buffer+lines': viaExeca({ ...before, buffer: true, lines: true }),
  'before+stdioIgnore': viaExeca({ ...before, stdout: 'ignore', stderr: 'ignore' }),
  'before+encodingBuffer': viaExeca({ ...before, encoding: 'buffer' }),
  'before-cleanup': viaExeca({ ...before, cleanup: false }),
  'before-env': viaExeca({ ...before, env: undefined }),
  'before+envPrebuilt': viaExeca({ ...before, env: { ...process.env, ...extra }, extendEnv: false }),
  'before+cancelSignal': async () => viaExeca({ ...before, cancelSignal: new AbortController().signal })(),
  'before+timeout': viaExeca({ ...before, timeout: 30_000 }),
  'before-forceKillAfterDelay': viaExeca({ ...before, forceKillAfterDelay: false }),
  'before-detached': viaExeca({ ...before, detached: false }),
  execaTuned: viaExeca({ ...EXECA_OPTIONS, env: extra, stdin: 'ignore' }),
  // The product path: execa tuned + capture + timer + group stopper, here or in worker threads.
  startInGroupMain: () => startInGroup(request).outcome,
  pool1: () => pools.pool1.spawn({ ...request, signal }),
  pool2: () => pools.pool2.spawn({ ...request, signal }),
};

interface Sample {
  perSecond: number;
  mainMsPerRun: number;
  mainCpuMsPerRun: number;
  cpuMsPerRun: number;
}

// CPU time of the main thread alone (its task id is the pid), in ms: unlike event-loop
// utilisation, it does not count time the thread waited for a core on a loaded machine.
const ticksMs = 10; // USER_HZ is 100 on Linux
function mainThreadCpuMs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * ticksMs;
  } catch {
    return NaN;
  }
}

async function measure(run: () => Promise<unknown>, count: number): Promise<Sample> {
  let next = 0;
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const mainCpu = mainThreadCpuMs();
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < count) {
      next++;
      await run();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const ms = performance.now() - started;
  const busy = performance.eventLoopUtilization(elu);
  const used = process.cpuUsage(cpu);
  return {
    perSecond: Math.round((count / ms) * 1000),
    mainMsPerRun: Number((busy.active / count).toFixed(3)),
    mainCpuMsPerRun: Number(((mainThreadCpuMs() - mainCpu) / count).toFixed(3)),
    cpuMsPerRun: Number(((used.user + used.system) / 1000 / count).toFixed(3)),
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const names = Object.keys(variants).filter((name) => only === undefined || only.includes(name));
const samples: Record<string, Sample[]> = {};
for (const name of names) await measure(variants[name]!, Math.min(30, n)); // warm-up: module loading, worker start
for (let round = 1; round <= rounds; round++) {
  for (const name of names) {
    const sample = await measure(variants[name]!, n);
    (samples[name] ??= []).push(sample);
    process.stderr.write(`round ${round} ${name.padEnd(34)} ${String(sample.perSecond).padStart(4)}/s  main ${sample.mainMsPerRun} ms/run  cpu ${sample.cpuMsPerRun} ms/run\n`);
  }
}
const results = names.map((name) => {
  const s = samples[name]!;
  return {
    variant: name,
    perSecond: median(s.map((x) => x.perSecond)),
    mainMsPerRun: median(s.map((x) => x.mainMsPerRun)),
    mainCpuMsPerRun: median(s.map((x) => x.mainCpuMsPerRun)),
    cpuMsPerRun: median(s.map((x) => x.cpuMsPerRun)),
    rounds: s.map((x) => x.perSecond),
  };
});
const raw = results.find((r) => r.variant === 'raw')?.perSecond;
process.stdout.write('\nvariant                              runs/s  ×raw  main busy ms  main cpu ms  all cpu ms   rounds (per run)\n');
for (const r of results) {
  const ratio = raw === undefined ? '' : (r.perSecond / raw).toFixed(2);
  process.stdout.write(`${r.variant.padEnd(36)} ${String(r.perSecond).padStart(6)}  ${ratio.padStart(4)}  ${String(r.mainMsPerRun).padStart(12)}  ${String(r.mainCpuMsPerRun).padStart(11)}  ${String(r.cpuMsPerRun).padStart(10)}   ${r.rounds.join(' ')}\n`);
}
process.stdout.write(`${JSON.stringify({ n, concurrency, rounds, results })}\n`);
await Promise.all(Object.values(pools).map((p) => p.close()));
