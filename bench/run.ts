import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  FLOOD_ROUTE, SEED_ROUTE, counter, heapMb, repoRoot, routesYaml, startHookroute, waitForEmptyBacklog, type Hookroute,
} from './hookroute.js';
import { SEED_BODY, load, type LoadResult } from './load.js';
import { cpuMs, killAll, memoryMb, pinSelf, runJson, sleep, startProcess, taskset, type Started } from './proc.js';
import { formatReport, median, type Report } from './report.js';

// `npm run bench`: hookroute against a bare Fastify server measured in the same run, as ratios
// (performance.md: the machines are noisy, compare ratios from one run only). Servers run as
// child processes pinned to core 1, autocannon runs here on core 0. Everything lives in one temp
// folder, removed at the end. The last stdout line is `BENCH_JSON {...}`.

const SERVER_CORE = 1;
const LOAD_CORE = 0;
const CONNECTIONS = 50;
const WARMUP_S = 2;
const ROUND_S = 5;
const ROUNDS = 3;
const FLOOD_S = 5;
const DRAIN_CAP_MS = 45_000;
const SPAWN_N = 500;
const SPAWN_CONCURRENCY = 8;
const HARD_LIMIT_MS = 240_000;

const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

interface Contender {
  readonly key: string;
  readonly label: string;
  readonly url: string;
  readonly pid: number;
  readonly hookroute?: Hookroute;
}

async function startBare(tmp: string, core: number | undefined): Promise<Started & { url: string }> {
  const started = await startProcess({
    name: 'bare', command: process.execPath, args: [path.join(repoRoot, 'dist', 'bench', 'bare-fastify.js')],
    core, logFile: path.join(tmp, 'bare.stdout.log'), isReady: (line) => line['msg'] === 'bare fastify listening',
  });
  return { ...started, url: String(started.ready['url']) };
}

/** Part 1: the seed event, bare Fastify and hookroute variants, interleaved rounds. */
async function seedEvent(tmp: string, core: number | undefined, stopLater: (s: Started) => void): Promise<Report['seed'] & { normal: Hookroute; bareStartupMs: number; barePid: number }> {
  const bare = await startBare(tmp, core);
  stopLater(bare);
  const variants = [
    { key: 'normal', label: 'hookroute, durability normal', durability: 'normal' as const },
    { key: 'full', label: 'hookroute, durability full', durability: 'full' as const },
    { key: 'normalWarn', label: 'hookroute, normal, --log-level warn (diagnostic)', durability: 'normal' as const, logLevel: 'warn' },
  ];
  const contenders: Contender[] = [{ key: 'bare', label: 'bare Fastify 5 (logger off)', url: bare.url, pid: bare.pid }];
  for (const v of variants) {
    const h = await startHookroute({
      name: `seed-${v.key}`, tmp, core, yaml: routesYaml({ durability: v.durability, routes: SEED_ROUTE }),
      ...(v.logLevel !== undefined && { logLevel: v.logLevel }),
    });
    stopLater(h);
    contenders.push({ key: v.key, label: v.label, url: h.url, pid: h.pid, hookroute: h });
  }

  const drained = async (c: Contender): Promise<number | null> =>
    c.hookroute === undefined ? 0 : ((await waitForEmptyBacklog(c.hookroute, 15_000, 50)) ?? null);

  for (const c of contenders) {
    log(`warm-up ${c.key} (${WARMUP_S} s)`);
    await load({ url: `${c.url}/webhook`, connections: CONNECTIONS, seconds: WARMUP_S });
    await drained(c);
  }
  const normal = contenders.find((c) => c.key === 'normal')?.hookroute as Hookroute;
  const rssAfterWarmup = memoryMb(normal.pid);

  const rounds: Record<string, (LoadResult & { drainMs: number | null })[]> = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of contenders) {
      log(`round ${round}/${ROUNDS} ${c.key} (${ROUND_S} s)`);
      const result = await load({ url: `${c.url}/webhook`, connections: CONNECTIONS, seconds: ROUND_S, serverPid: c.pid });
      // A hookroute round is over when its dispatcher has also caught up (the log actions).
      const drainMs = await drained(c);
      (rounds[c.key] ??= []).push({ ...result, drainMs });
    }
  }

  const bareRps = median((rounds['bare'] ?? []).map((r) => r.rps));
  const rows = contenders.map((c) => {
    const rs = rounds[c.key] ?? [];
    const bareRounds = rounds['bare'] ?? [];
    return {
      key: c.key,
      label: c.label,
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      ratio: Math.round((median(rs.map((r) => r.rps)) / bareRps) * 100) / 100,
      ratioPerRound: rs.map((r, i) => Math.round((r.rps / (bareRounds[i]?.rps ?? NaN)) * 100) / 100),
      serverCpuUsPerReq: median(rs.map((r) => r.serverCpuUsPerReq ?? NaN)),
      serverCpuPct: median(rs.map((r) => r.serverCpuPct ?? NaN)),
      loadgenCpuPct: median(rs.map((r) => r.loadgenCpuPct)),
      drainMsMax: rs.some((r) => r.drainMs === null) ? null : Math.max(...rs.map((r) => r.drainMs ?? 0)),
      refused: rs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
      answered: rs.reduce((n, r) => n + r.ok, 0),
      rounds: rs,
    };
  });
  return { rows, rssAfterWarmupMb: rssAfterWarmup?.rss ?? null, normal, bareStartupMs: bare.startupMs, barePid: bare.pid };
}

/** Part 2: a flood of events that each run `true`; answering, then the dispatcher's backlog. */
async function commandFlood(tmp: string, core: number | undefined, bareRps: number): Promise<Report['flood']> {
  const h = await startHookroute({ name: 'flood', tmp, core, yaml: routesYaml({ durability: 'normal', routes: FLOOD_ROUTE }) });
  try {
    log('flood warm-up (1 s, 10 connections)');
    await load({ url: `${h.url}/webhook`, connections: 10, seconds: 1 });
    await waitForEmptyBacklog(h, 20_000);
    const runs = (): Promise<number> => counter(h, 'hookroute_actions_total', { route: 'flood' });
    const before = await runs();
    const cpuBefore = cpuMs(h.pid) ?? NaN;
    log(`flood (${FLOOD_S} s, ${CONNECTIONS} connections)`);
    const floodStart = performance.now();
    const answer = await load({ url: `${h.url}/webhook`, connections: CONNECTIONS, seconds: FLOOD_S, serverPid: h.pid });
    const floodEnd = performance.now();
    const atFloodEnd = await runs();
    log(`flood answered ${answer.ok}; waiting for the dispatcher (cap ${DRAIN_CAP_MS / 1000} s)`);
    const drainMs = await waitForEmptyBacklog(h, DRAIN_CAP_MS);
    const drainedAt = performance.now();
    const after = await runs();
    const ok = await counter(h, 'hookroute_actions_total', { route: 'flood', outcome: 'ok' });
    const pendingLeft = drainMs === undefined ? await counter(h, 'hookroute_jobs', { state: 'pending' }) : 0;
    const cpuAfter = cpuMs(h.pid) ?? NaN;
    const drainRuns = after - atFloodEnd;
    const memory = memoryMb(h.pid);
    return {
      answer: { ...answer, ratio: Math.round((answer.rps / bareRps) * 100) / 100 },
      accepted: answer.ok,
      runsDuringFlood: atFloodEnd - before,
      runsDuringFloodPerSecond: Math.round(((atFloodEnd - before) / (floodEnd - floodStart)) * 1000),
      drainMs: drainMs ?? null,
      pendingLeftAtCap: pendingLeft,
      runsAfterFlood: drainRuns,
      drainRunsPerSecond: drainMs === undefined || drainMs < 200 ? null : Math.round((drainRuns / (drainedAt - floodEnd)) * 1000),
      overallRunsPerSecond: Math.round(((after - before) / (drainedAt - floodStart)) * 1000),
      runsOk: ok,
      runsTotal: after,
      serverCpuMsPerRun: Math.round(((cpuAfter - cpuBefore) / Math.max(after - before, 1)) * 100) / 100,
      rssMb: memory?.rss ?? null,
      peakRssMb: memory?.peak ?? null,
    };
  } finally {
    await h.stop();
  }
}

/** Polls POST `endpoint` until it answers 202; the ms since `since`, or null after `capMs`. */
async function until202(url: string, endpoint: string, since: number, capMs: number): Promise<number | null> {
  const body = JSON.stringify({ evento: 'added', dados: { endpoint } });
  while (performance.now() - since < capMs) {
    const response = await fetch(`${url}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.arrayBuffer();
    if (response.status === 202) return Math.round(performance.now() - since);
    await sleep(5);
  }
  return null;
}

const withEndpoints = (endpoints: string[]): string => {
  const routes = endpoints.map((e, i) => `  - name: added-${i + 1}\n    event: added\n    actions:\n      - log: logs/added.jsonl\n`).join('');
  return routesYaml({ durability: 'normal', routes: SEED_ROUTE + routes, extraEndpoints: endpoints });
};

/**
 * Part 3: start-up time (3 fresh starts, each with a new journal) and how fast a saved routes
 * file is applied: once saved right after the "listening" line, then 3 saves on a settled server.
 */
async function startupAndReload(tmp: string, core: number | undefined, bareStartupMs: number): Promise<Report['lifecycle']> {
  const startups: number[] = [];
  let saveAtStart: number | null = null;
  let last: Hookroute | undefined;
  for (let i = 0; i < 3; i++) {
    const h = await startHookroute({ name: `startup-${i}`, tmp, core, yaml: routesYaml({ durability: 'normal', routes: SEED_ROUTE }) });
    startups.push(h.startupMs);
    if (i === 0) {
      const saved = performance.now();
      await writeFile(h.routesFile, withEndpoints(['/added-at-start']));
      saveAtStart = await until202(h.url, '/added-at-start', saved, 3000);
    }
    if (i < 2) await h.stop();
    else last = h;
  }
  const h = last as Hookroute;
  const reloads: (number | null)[] = [];
  try {
    await sleep(1000);
    const endpoints: string[] = [];
    for (let i = 1; i <= 3; i++) {
      endpoints.push(`/added-${i}`);
      const saved = performance.now();
      await writeFile(h.routesFile, withEndpoints(endpoints));
      reloads.push(await until202(h.url, `/added-${i}`, saved, 5000));
      await sleep(300);
    }
  } finally {
    await h.stop();
  }
  const startupMedianMs = median(startups);
  return {
    startupMs: startups, startupMedianMs, bareStartupMs,
    startupRatio: Math.round((startupMedianMs / bareStartupMs) * 10) / 10,
    saveRightAfterStartMs: saveAtStart, reloadMs: reloads, reloadMedianMs: median(reloads.map((r) => r ?? NaN)),
  };
}

async function main(): Promise<number> {
  const benchStarted = performance.now();
  const loadavgAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  // Counted before pinning: availableParallelism follows this process's affinity.
  const cores = os.availableParallelism();
  const pinned = cores > 1 && taskset() !== null && pinSelf(LOAD_CORE);
  const core = pinned ? SERVER_CORE : undefined;
  log(pinned ? `pinned: load generator on core ${LOAD_CORE}, servers on core ${SERVER_CORE}` : 'taskset unavailable (or one core): running unpinned');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'hookroute-bench-'));
  const toStop: Started[] = [];
  const hard = setTimeout(() => {
    log(`over ${HARD_LIMIT_MS / 1000} s: stopping`);
    killAll();
    void rm(tmp, { recursive: true, force: true }).finally(() => process.exit(2));
  }, HARD_LIMIT_MS);
  const onSignal = (): void => {
    killAll();
    void rm(tmp, { recursive: true, force: true }).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const seed = await seedEvent(tmp, core, (s) => toStop.push(s));
    const events = seed.rows.find((r) => r.key === 'normal')?.answered ?? 0;
    const afterRuns = memoryMb(seed.normal.pid);
    const heap = await heapMb(seed.normal);
    const bareMemory = memoryMb(seed.barePid);
    for (const s of toStop.splice(0)) await s.stop();

    const bareRps = seed.rows.find((r) => r.key === 'bare')?.rps ?? NaN;
    const flood = await commandFlood(tmp, core, bareRps);

    log(`raw spawn baseline (${SPAWN_N} × true, concurrency ${SPAWN_CONCURRENCY})`);
    const spawn = (await runJson(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'spawn-baseline.js'), String(SPAWN_N), String(SPAWN_CONCURRENCY)], core)) as {
      results: { variant: string; n: number; concurrency: number; ms: number; perSecond: number }[];
    };
    const rawSpawn = spawn.results.find((r) => r.variant === 'spawn')?.perSecond ?? NaN;

    log('start-up and reload');
    const lifecycle = await startupAndReload(tmp, core, seed.bareStartupMs);

    const report: Report = {
      machine: { cores, node: process.version, pinned, cpu: os.cpus()[0]?.model ?? 'unknown', loadavgAtStart, loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      method: { connections: CONNECTIONS, warmupS: WARMUP_S, roundS: ROUND_S, rounds: ROUNDS, floodS: FLOOD_S, body: SEED_BODY, loadGenerator: 'autocannon@9 (in-process, one core)' },
      seed: { rows: seed.rows, rssAfterWarmupMb: seed.rssAfterWarmupMb },
      flood,
      spawn: { results: spawn.results, rawPerSecond: rawSpawn, ratio: flood.drainRunsPerSecond === null ? null : Math.round((flood.drainRunsPerSecond / rawSpawn) * 100) / 100 },
      memory: {
        seedNormal: {
          events, rssMb: afterRuns?.rss ?? null, peakRssMb: afterRuns?.peak ?? null, anonMb: afterRuns?.anon ?? null, fileMb: afterRuns?.file ?? null,
          rssAfterWarmupMb: seed.rssAfterWarmupMb, ...heap,
        },
        flood: { rssMb: flood.rssMb, peakRssMb: flood.peakRssMb },
        bare: { rssMb: bareMemory?.rss ?? null, anonMb: bareMemory?.anon ?? null, fileMb: bareMemory?.file ?? null },
      },
      lifecycle,
      totalSeconds: 0,
    };
    report.totalSeconds = Math.round((performance.now() - benchStarted) / 1000);
    process.stdout.write(formatReport(report));
    // Per-round figures stay in the table's source; the JSON keeps medians and per-round ratios.
    const json = { ...report, seed: { ...report.seed, rows: report.seed.rows.map(({ rounds: _rounds, ...row }) => row) } };
    process.stdout.write(`BENCH_JSON ${JSON.stringify(json)}\n`);
    return 0;
  } catch (error) {
    log(`failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    for (const s of toStop) await s.stop().catch(() => undefined);
    killAll();
    clearTimeout(hard);
    await rm(tmp, { recursive: true, force: true });
  }
}

process.exitCode = await main();
