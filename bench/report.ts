import type { LoadResult } from './load.js';

// The bench's figures and the table printed at the end, with the targets of performance.md.

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface SeedRow {
  readonly key: string;
  readonly label: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly ratio: number;
  readonly ratioPerRound: readonly number[];
  readonly serverCpuUsPerReq: number;
  readonly serverCpuPct: number;
  readonly loadgenCpuPct: number;
  /** The longest wait after a round for the dispatcher to finish its backlog (null: over the cap). */
  readonly drainMsMax: number | null;
  readonly refused: number;
  readonly answered: number;
  readonly rounds: readonly (LoadResult & { drainMs: number | null })[];
}

export interface Report {
  machine: { cores: number; node: string; pinned: boolean; cpu: string; loadavgAtStart: number[]; loadavg: number[] };
  method: { connections: number; warmupS: number; roundS: number; rounds: number; floodS: number; body: string; loadGenerator: string };
  seed: { rows: SeedRow[]; rssAfterWarmupMb: number | null };
  flood: {
    answer: LoadResult & { ratio: number };
    accepted: number;
    runsDuringFlood: number;
    runsDuringFloodPerSecond: number;
    drainMs: number | null;
    pendingLeftAtCap: number;
    runsAfterFlood: number;
    drainRunsPerSecond: number | null;
    overallRunsPerSecond: number;
    runsOk: number;
    runsTotal: number;
    serverCpuMsPerRun: number;
    rssMb: number | null;
    peakRssMb: number | null;
  };
  spawn: { results: { variant: string; n: number; concurrency: number; ms: number; perSecond: number }[]; rawPerSecond: number; ratio: number | null };
  memory: {
    seedNormal: {
      events: number; rssMb: number | null; peakRssMb: number | null; anonMb: number | null; fileMb: number | null;
      rssAfterWarmupMb: number | null; heapUsed: number; heapTotal: number; external: number;
    };
    flood: { rssMb: number | null; peakRssMb: number | null };
    bare: { rssMb: number | null; anonMb: number | null; fileMb: number | null };
  };
  lifecycle: {
    startupMs: number[]; startupMedianMs: number; bareStartupMs: number; startupRatio: number;
    saveRightAfterStartMs: number | null; reloadMs: (number | null)[]; reloadMedianMs: number;
  };
  totalSeconds: number;
}

function table(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '—' : typeof c === 'number' ? c.toLocaleString('en-US') : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: readonly (string | number)[]): string => `| ${r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [line(cells[0] as string[]), `|${widths.map((w, i) => (i === 0 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`, ...cells.slice(1).map((r) => line(r as string[]))].join('\n');
}

const verdict = (ok: boolean | undefined): string => (ok === undefined ? '?' : ok ? 'ok' : 'MISSED');

export function formatReport(r: Report): string {
  const out: string[] = [];
  out.push('', `hookroute bench — ${r.machine.cores} cores, Node ${r.machine.node}, ${r.machine.pinned ? 'load on core 0, servers on core 1 (taskset)' : 'unpinned'}, load average ${r.machine.loadavgAtStart.join(' ')} at start, ${r.machine.loadavg.join(' ')} at end`);
  out.push(`POST /webhook with the seed body, ${r.method.connections} connections, ${r.method.warmupS} s warm-up, ${r.method.rounds} interleaved rounds of ${r.method.roundS} s, medians; load by ${r.method.loadGenerator}.`, '');

  out.push('1. Seed event (when: $contains(email, "@"), log action to a file)');
  out.push(table(
    ['server', 'req/s', 'p50 ms', 'p99 ms', '÷ bare', 'per round', 'server CPU µs/req', 'server CPU %', 'loadgen CPU %', 'backlog drain ms (max)', 'non-2xx/errors'],
    r.seed.rows.map((row) => [row.label, row.rps, row.p50, row.p99, row.ratio.toFixed(2), row.ratioPerRound.map((x) => x.toFixed(2)).join(' '),
      row.serverCpuUsPerReq, row.serverCpuPct, row.loadgenCpuPct, row.key === 'bare' ? '' : row.drainMsMax, row.refused]),
  ));

  const f = r.flood;
  out.push('', '2. Flood of command events (route: run ["true"]), journal normal');
  out.push(table(
    ['measure', 'value'],
    [
      ['answered req/s (÷ bare)', `${f.answer.rps.toLocaleString('en-US')} (${f.answer.ratio.toFixed(2)}×)`],
      ['answer latency p50 / p99 ms', `${f.answer.p50} / ${f.answer.p99}`],
      ['events accepted in the flood', f.accepted],
      ['runs finished during the flood (per s)', `${f.runsDuringFlood} (${f.runsDuringFloodPerSecond}/s)`],
      ['backlog drained after the flood in ms', f.drainMs === null ? `not within the cap; ${f.pendingLeftAtCap} jobs left` : f.drainMs],
      ['runs finished after the flood (per s)', `${f.runsAfterFlood} (${f.drainRunsPerSecond ?? '—'}/s)`],
      ['runs per s, flood start to empty backlog', f.overallRunsPerSecond],
      ['runs ok / total', `${f.runsOk} / ${f.runsTotal}`],
      ['hookroute CPU ms per event (ingest + run)', f.serverCpuMsPerRun],
      ...r.spawn.results.map((s): [string, string] => [`${s.variant}: ${s.n} × true, concurrency ${s.concurrency}`, `${s.perSecond}/s (${s.ms} ms)`]),
      ['run completions ÷ raw spawn', r.spawn.ratio === null ? '—' : `${r.spawn.ratio.toFixed(2)}×`],
    ],
  ));

  const m = r.memory;
  const l = r.lifecycle;
  out.push('', '3. Memory, start-up, reload');
  out.push(table(
    ['measure', 'value'],
    [
      ['RSS after warm-up (seed, normal)', `${m.seedNormal.rssAfterWarmupMb} MB`],
      [`RSS after the seed runs (${m.seedNormal.events.toLocaleString('en-US')} events measured)`, `${m.seedNormal.rssMb} MB (peak ${m.seedNormal.peakRssMb} MB)`],
      ['  of which anonymous / file-backed', `${m.seedNormal.anonMb} / ${m.seedNormal.fileMb} MB`],
      ['  V8 heap used / heap total / external', `${m.seedNormal.heapUsed} / ${m.seedNormal.heapTotal} / ${m.seedNormal.external} MB`],
      ['bare Fastify RSS after its rounds (anonymous / file-backed)', `${m.bare.rssMb} MB (${m.bare.anonMb} / ${m.bare.fileMb} MB)`],
      ['RSS after the flood and its backlog', `${m.flood.rssMb} MB (peak ${m.flood.peakRssMb} MB)`],
      ['start to listening line (3 fresh starts)', `${l.startupMs.join(', ')} ms (median ${l.startupMedianMs})`],
      ['  bare Fastify start to listening, same run', `${l.bareStartupMs} ms (hookroute ${l.startupRatio}×)`],
      ['saved routes file to 202 on a new endpoint (3 saves, server settled 1 s)', `${l.reloadMs.map((x) => x ?? '>5000').join(', ')} ms (median ${l.reloadMedianMs})`],
      ['a save right after the listening line', l.saveRightAfterStartMs === null ? 'NOT applied within 3 s' : `${l.saveRightAfterStartMs} ms`],
    ],
  ));

  const normal = r.seed.rows.find((row) => row.key === 'normal');
  out.push('', 'Targets (performance.md)');
  out.push(table(
    ['target', 'measured', ''],
    [
      ['seed event, journal on: ≥ 0.5× bare (aim 0.75×)', normal === undefined ? '—' : `${normal.ratio.toFixed(2)}×`, verdict(normal === undefined ? undefined : normal.ratio >= 0.5)],
      ['seed event p99 < 20 ms', normal === undefined ? '—' : `${normal.p99} ms`, verdict(normal === undefined ? undefined : normal.p99 < 20)],
      ['flood answering ≥ 5× adnanh/webhook (755/s there: 3,775/s)', `${f.answer.rps}/s`, verdict(f.answer.rps >= 3775)],
      ['flood answering not capped by process creation (> 2× raw spawn/s)', `${(f.answer.rps / r.spawn.rawPerSecond).toFixed(1)}× raw spawn`, verdict(f.answer.rps > 2 * r.spawn.rawPerSecond)],
      ['flood answer p99 < 50 ms', `${f.answer.p99} ms`, verdict(f.answer.p99 < 50)],
      ['run completions ≥ 1.0× raw spawn', r.spawn.ratio === null ? '—' : `${r.spawn.ratio.toFixed(2)}×`, verdict(r.spawn.ratio === null ? undefined : r.spawn.ratio >= 1)],
      ['routes file applied ≤ 300 ms', `${l.reloadMedianMs} ms${l.saveRightAfterStartMs === null ? ' (a save right after start: missed)' : ''}`,
        verdict(l.reloadMedianMs <= 300 && l.saveRightAfterStartMs !== null)],
      ['memory < 100 MB', `${Math.max(m.seedNormal.peakRssMb ?? NaN, m.flood.peakRssMb ?? NaN)} MB peak`, verdict(Math.max(m.seedNormal.peakRssMb ?? Infinity, m.flood.peakRssMb ?? Infinity) < 100)],
      ['start to listening < 500 ms', `${l.startupMedianMs} ms`, verdict(l.startupMedianMs < 500)],
    ],
  ));
  out.push('', `Whole run: ${r.totalSeconds} s.`, '');
  return `${out.join('\n')}\n`;
}
