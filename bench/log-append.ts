import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LogFiles } from '../src/actions/log-files.js';

// `node dist/bench/log-append.js [n=5000] [concurrency=50] [rounds=3]`: what one log line costs,
// the way the log action wrote before (mkdir + open + write + close per event) against the
// open-handle cache (src/actions/log-files.ts), interleaved rounds, median printed.

const n = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 50);
const rounds = Number(process.argv[4] ?? 3);
const line = Buffer.from(
  `${JSON.stringify({ received: new Date().toISOString(), id: 'delivery-1', event: 'usuario_registrado', data: { id: 123, nome: 'João Silva', email: 'joao@example.com' } })}\n`,
);

async function perEvent(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'a');
  try {
    await handle.write(line);
  } finally {
    await handle.close();
  }
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'hookroute-log-bench-'));
const files = new LogFiles();
const variants: Record<string, (file: string) => Promise<void>> = {
  'mkdir+open+write+close': perEvent,
  'cached handle': (file) => files.append(file, line),
};

async function measure(append: (file: string) => Promise<void>, file: string): Promise<{ perSecond: number; cpuUsPerLine: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < n) {
      next++;
      await append(file);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { perSecond: Math.round((n / ms) * 1000), cpuUsPerLine: Math.round((used.user + used.system) / n) };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const samples: Record<string, { perSecond: number; cpuUsPerLine: number }[]> = {};
try {
  for (let round = 0; round <= rounds; round++) {
    for (const [name, append] of Object.entries(variants)) {
      const sample = await measure(append, path.join(tmp, 'logs', `${name.replace(/\W/g, '')}.jsonl`));
      if (round > 0) (samples[name] ??= []).push(sample); // round 0 warms up
    }
  }
} finally {
  await files.close();
  await rm(tmp, { recursive: true, force: true });
}
const results = Object.entries(samples).map(([variant, s]) => ({
  variant,
  perSecond: median(s.map((x) => x.perSecond)),
  cpuUsPerLine: median(s.map((x) => x.cpuUsPerLine)),
  rounds: s.map((x) => x.perSecond),
}));
for (const r of results) process.stdout.write(`${r.variant.padEnd(24)} ${String(r.perSecond).padStart(7)} lines/s  ${String(r.cpuUsPerLine).padStart(4)} µs CPU/line   ${r.rounds.join(' ')}\n`);
process.stdout.write(`${JSON.stringify({ n, concurrency, rounds, results })}\n`);
