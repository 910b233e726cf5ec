import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, startProcess, type Started } from './proc.js';

// Starting `hookroute serve` (the real CLI, built in dist/) for the bench, and the few admin API
// reads the bench needs: is the backlog empty, how many actions have finished.

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(repoRoot, 'dist', 'src', 'cli', 'bin.js');

export interface Hookroute extends Started {
  readonly url: string;
  readonly adminUrl: string;
  readonly dir: string;
  readonly routesFile: string;
}

export interface RoutesOptions {
  readonly durability: 'normal' | 'full';
  readonly routes: string;
  readonly extraEndpoints?: readonly string[];
}

/** A routes file: one open endpoint /webhook (plus extras) and the given routes block. */
export function routesYaml(o: RoutesOptions): string {
  const endpoints = ['/webhook', ...(o.extraEndpoints ?? [])].map((p) => `  - path: ${p}`).join('\n');
  return `server:\n  durability: ${o.durability}\n\nendpoints:\n${endpoints}\n\nroutes:\n${o.routes}`;
}

/** The seed scenario's route: a JSONata `when` and a `log` action. */
export const SEED_ROUTE = `  - name: registered
    event: usuario_registrado
    when: $contains(email, "@")
    actions:
      - log: logs/usuarios.jsonl
`;

/** The flood scenario's route: one `run` of `true` per event. */
export const FLOOD_ROUTE = `  - name: flood
    event: usuario_registrado
    actions:
      - run: ["true"]
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartHookroute {
  readonly name: string;
  /** The bench's temp folder; the instance gets <tmp>/<name>/ for its routes file, journal and logs. */
  readonly tmp: string;
  readonly yaml: string;
  readonly core?: number | undefined;
  readonly logLevel?: string;
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts one instance on its own ports. The routes file sits alone in its folder (the watcher
 * watches the folder); the journal and stdout go next to it, not inside.
 */
export async function startHookroute(o: StartHookroute): Promise<Hookroute> {
  const dir = path.join(o.tmp, o.name);
  const configDir = path.join(dir, 'config');
  await mkdir(configDir, { recursive: true });
  const routesFile = path.join(configDir, 'routes.yaml');
  await writeFile(routesFile, o.yaml);
  // Fixed ports, chosen here: with --log-level warn the "listening" line (info) is not printed,
  // so readiness is then read from the admin /healthz instead.
  const port = await freePort();
  const adminPort = await freePort();
  const quiet = o.logLevel !== undefined && !['trace', 'debug', 'info'].includes(o.logLevel);
  const args = [
    ...(o.nodeArgs ?? []), BIN, 'serve', routesFile, '--port', String(port), '--admin-port', String(adminPort),
    '--host', '127.0.0.1', '--data', path.join(dir, 'data'), ...(o.logLevel === undefined ? [] : ['--log-level', o.logLevel]),
  ];
  const started = await startProcess({
    name: o.name, command: process.execPath, args, core: o.core, cwd: configDir,
    logFile: path.join(dir, 'stdout.log'),
    isReady: (line) => typeof line['msg'] === 'string' && line['msg'].startsWith('hookroute listening on'),
    ...(quiet && { probe: () => fetch(`http://127.0.0.1:${adminPort}/healthz`).then((r) => r.ok, () => false) }),
  });
  return { ...started, url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPort}`, dir, routesFile };
}

/** True when the journal holds no pending delivery. */
export async function backlogEmpty(h: Hookroute): Promise<boolean> {
  const response = await fetch(`${h.adminUrl}/api/deliveries?status=pending&limit=1`);
  const body = (await response.json()) as { deliveries?: unknown[] };
  return Array.isArray(body.deliveries) && body.deliveries.length === 0;
}

/** Polls until the backlog is empty; returns the ms it took, or undefined if `capMs` passed first. */
export async function waitForEmptyBacklog(h: Hookroute, capMs: number, everyMs = 100): Promise<number | undefined> {
  const started = performance.now();
  for (;;) {
    if (await backlogEmpty(h)) return Math.round(performance.now() - started);
    if (performance.now() - started > capMs) return undefined;
    await sleep(everyMs);
  }
}

/** Sums a Prometheus counter's samples whose labels include all of `labels`. */
export async function counter(h: Hookroute, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${h.adminUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The V8 heap and external memory, from the process metrics hookroute serves (prom-client). */
export async function heapMb(h: Hookroute): Promise<{ heapUsed: number; heapTotal: number; external: number }> {
  const text = await (await fetch(`${h.adminUrl}/metrics`)).text();
  const read = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`hookroute_${name} `));
    return line === undefined ? NaN : Math.round(Number(line.slice(line.lastIndexOf(' ') + 1)) / 104857.6) / 10;
  };
  return { heapUsed: read('nodejs_heap_size_used_bytes'), heapTotal: read('nodejs_heap_size_total_bytes'), external: read('nodejs_external_memory_bytes') };
}
