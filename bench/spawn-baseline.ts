import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { EXECA_OPTIONS } from '../src/actions/spawn-local.js';

// The ceiling for `run` actions on this machine: how fast Node starts and reaps `true`, N times
// with a fixed concurrency. Run as a child process (pinned like the server) by bench/run.ts; prints
// one JSON line. Three variants separate the cost of Node's spawn from the options hookroute uses
// (own process group, piped output, extra env) and from execa on top of them.

type Variant = 'spawn' | 'spawnLikeHookroute' | 'execaLikeHookroute';

const n = Number(process.argv[2] ?? 500);
const concurrency = Number(process.argv[3] ?? 8);
const variants = (process.argv[4] ?? 'spawn,spawnLikeHookroute,execaLikeHookroute').split(',') as Variant[];

function once(variant: Variant): Promise<void> {
  const env = { ...process.env, HOOKROUTE_EVENT: 'bench', HOOKROUTE_DELIVERY: 'bench' };
  if (variant === 'spawn') {
    return new Promise((resolve, reject) => {
      const child = spawn('true', [], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', () => resolve());
    });
  }
  if (variant === 'spawnLikeHookroute') {
    return new Promise((resolve, reject) => {
      const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
      child.stdout.resume();
      child.stderr.resume();
      child.on('error', reject);
      child.on('close', () => resolve());
    });
  }
  // The options of src/actions/spawn-local.ts (what spawnInGroup runs in its worker).
  const child = execa('true', [], { ...EXECA_OPTIONS, env, stdin: 'ignore' });
  child.stdout?.resume();
  child.stderr?.resume();
  return child.then(() => undefined);
}

async function measure(variant: Variant, n: number): Promise<{ variant: Variant; n: number; concurrency: number; ms: number; perSecond: number }> {
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await once(variant);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - started;
  return { variant, n, concurrency, ms: Math.round(ms), perSecond: Math.round((n / ms) * 1000) };
}

const results = [];
for (const variant of variants) {
  await measure(variant, Math.min(50, n)); // warm-up: module loading, first forks
  results.push(await measure(variant, n));
}
process.stdout.write(`${JSON.stringify({ results })}\n`);
