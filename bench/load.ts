import autocannon from 'autocannon';
import { cpuMs } from './proc.js';

// One autocannon run against one server, summarised: answers per second (2xx only), latency
// percentiles, refusals and errors, and how busy the server's core and the load generator were
// (a load generator near 100% means the figure is the generator's ceiling, not the server's).

export const SEED_BODY = '{"evento":"usuario_registrado","dados":{"id":123,"nome":"João Silva","email":"joao@example.com"}}';

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly seconds: number;
  /** Server CPU time per answered request, in microseconds. */
  readonly serverCpuUsPerReq: number | undefined;
  /** Server CPU use over the run, % of one core. */
  readonly serverCpuPct: number | undefined;
  /** This process's CPU use over the run, % of one core. */
  readonly loadgenCpuPct: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly serverPid?: number;
  readonly body?: string;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const cpuBefore = options.serverPid === undefined ? undefined : cpuMs(options.serverPid);
  const selfBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    connections: options.connections,
    duration: options.seconds,
    headers: { 'content-type': 'application/json' },
    body: options.body ?? SEED_BODY,
    timeout: 10,
  });
  const wallMs = performance.now() - wallBefore;
  const self = process.cpuUsage(selfBefore);
  const cpuAfter = options.serverPid === undefined ? undefined : cpuMs(options.serverPid);
  const serverCpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  const ok = result['2xx'];
  const seconds = result.duration;
  return {
    rps: Math.round(ok / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    serverCpuUsPerReq: serverCpu === undefined || ok === 0 ? undefined : Math.round((serverCpu * 1000) / ok),
    serverCpuPct: serverCpu === undefined ? undefined : Math.round((serverCpu / wallMs) * 100),
    loadgenCpuPct: Math.round(((self.user + self.system) / 1000 / wallMs) * 100),
  };
}
