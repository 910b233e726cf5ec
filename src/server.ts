import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError, formatDiagnostic } from './config/diagnostics.js';
import { loadRoutesFile } from './config/load.js';
import type { Snapshot } from './config/snapshot.js';
import { createSnapshotRegistry, type SnapshotRegistry } from './config/snapshots.js';
import { hashText, watchRoutesFile, type RoutesWatcher } from './config/watch.js';
import { buildAdminApp } from './http/admin.js';
import { buildApp } from './http/app.js';
import { closeLogFiles } from './actions/log.js';
import { createDispatcher, type Dispatcher } from './journal/dispatcher.js';
import { openSqliteJournal } from './journal/sqlite.js';
import type { Journal } from './journal/types.js';
import { createLogger } from './telemetry/logger.js';
import { createTelemetry } from './telemetry/telemetry.js';
import type { Telemetry } from './telemetry/types.js';
import { createMetrics, type PromMetrics } from './telemetry/metrics.js';

// Puts the daemon together: routes, journal, dispatcher, public and admin listeners, the file
// watcher. `hookroute serve` and the tests both start the daemon through here.

export interface ServerOptions {
  readonly file: string;
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  readonly data?: string | undefined;
  readonly adminPort?: number | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly logLevel?: string | undefined;
  readonly logDestination?: NodeJS.WritableStream;
  readonly pretty?: boolean;
  readonly logOutput?: boolean;
  readonly watch?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly adminUrl: string | undefined;
  readonly snapshots: SnapshotRegistry;
  readonly journal: () => Journal | undefined;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  reload(): Promise<boolean>;
  stop(): Promise<void>;
}

function addressOf(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

const LOOPBACK = /^(127\.|::1$|localhost$|\[::1\]$)/;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const env = options.env ?? process.env;
  let snapshot: Snapshot = await loadRoutesFile(options.file, { env });
  // Declared before the logger, which reads it: a journal that fails to open logs before it is set.
  let registry: SnapshotRegistry | undefined;
  const secrets = (): readonly string[] => registry?.current().secrets ?? snapshot.secrets;
  const logger = createLogger({
    ...(options.logLevel !== undefined && { level: options.logLevel }),
    ...(options.logDestination !== undefined && { destination: options.logDestination }),
    ...(options.pretty !== undefined && { pretty: options.pretty }),
    secrets,
  });
  const metrics: PromMetrics = createMetrics();
  const telemetry = createTelemetry(logger, metrics, { logOutput: options.logOutput ?? false });

  const server = snapshot.server;
  const dataDir = options.data ?? server.data;
  let journal: Journal | undefined;
  const openJournal = (): boolean => {
    try {
      journal = openSqliteJournal({ dir: dataDir, durability: server.durability, onWriteError: (error) => telemetry.journalError({ error }) });
      return true;
    } catch (error) {
      telemetry.error('cannot open the journal; answering 503 until it opens', { dir: dataDir, error: (error as Error).message });
      return false;
    }
  };
  openJournal();

  registry = createSnapshotRegistry(snapshot, () => journal, env);
  const snapshots = registry;
  let accepting = true;
  let dispatcher: Dispatcher = createDispatcher({ journal: journal as Journal, snapshots, telemetry });
  if (journal !== undefined) dispatcher.start();

  // A journal that could not open (a missing mount, a full disk) is retried; until then the
  // public listener answers 503 so senders keep their events and retry.
  const currentJournal = (): Journal | undefined => journal;
  const reopen = journal === undefined
    ? setInterval(() => {
        if (currentJournal() !== undefined || !openJournal()) return;
        clearInterval(reopen);
        const opened = currentJournal() as Journal;
        opened.saveSnapshot(snapshots.current().id, snapshots.current().file, snapshots.current().source);
        dispatcher = createDispatcher({ journal: opened, snapshots, telemetry });
        dispatcher.start();
        telemetry.info('journal opened', { path: opened.path });
      }, 2000)
    : undefined;
  reopen?.unref();

  metrics.bindJournal(() => journal);

  const dispatcherProxy: Dispatcher = {
    start: () => dispatcher.start(),
    enqueue: (runs, ctx) => dispatcher.enqueue(runs, ctx),
    settled: (id, n) => dispatcher.settled(id, n),
    stop: (ms) => dispatcher.stop(ms),
    active: () => dispatcher.active(),
  };

  const app = await buildApp({
    logger, bodyLimit: server.bodyLimit, trustProxy: server.trustProxy,
    snapshots, journal: () => journal, dispatcher: dispatcherProxy, telemetry, accepting: () => accepting,
  });
  const host = options.host ?? env['HOOKROUTE_HOST'] ?? server.host;
  const port = options.port ?? (env['HOOKROUTE_PORT'] !== undefined ? Number(env['HOOKROUTE_PORT']) : server.port);
  await app.listen({ host, port });
  const url = addressOf(app);

  let admin: FastifyInstance | undefined;
  if (snapshot.admin.enabled) {
    admin = await buildAdminApp({
      logger, snapshots, journal: () => journal, dispatcher: dispatcherProxy, token: snapshot.admin.token,
      accepting: () => accepting, metrics: () => metrics.render(),
    });
    await admin.listen({ host: snapshot.admin.host, port: options.adminPort ?? snapshot.admin.port });
  }
  const adminUrl = admin === undefined ? undefined : addressOf(admin);

  const reload = async (): Promise<boolean> => {
    try {
      const next = await loadRoutesFile(options.file, { env });
      const before = snapshots.current();
      if (next.id === before.id) return true;
      snapshots.swap(next);
      telemetry.reload({ ok: true, file: next.file, routes: next.routes.length, snapshotId: next.id });
      for (const key of ['port', 'host', 'data', 'bodyLimit', 'durability', 'trustProxy'] as const) {
        if (JSON.stringify(next.server[key]) !== JSON.stringify(before.server[key])) {
          telemetry.warn(`server.${key} changed; restart hookroute to apply it`);
        }
      }
      if (JSON.stringify(next.admin) !== JSON.stringify(before.admin)) telemetry.warn('admin settings changed; restart hookroute to apply them');
      return true;
    } catch (error) {
      const errors = error instanceof ConfigError ? error.diagnostics.map(formatDiagnostic) : [(error as Error).message];
      telemetry.reload({ ok: false, file: options.file, errors });
      return false;
    }
  };

  let watcher: RoutesWatcher | undefined;
  if (options.watch !== false) {
    watcher = watchRoutesFile({
      file: snapshot.file,
      currentHash: () => hashText(snapshots.current().source),
      reload: async () => void (await reload()),
      onError: (error) => telemetry.error('watching the routes file failed', { error: error.message }),
    });
    await watcher.ready;
  }

  const prune = setInterval(() => {
    const s = snapshots.current().server;
    void journal?.prune(Date.now() - s.retentionMs, Date.now() - s.dedupWindowMs)
      .then((n) => n > 0 && telemetry.info('pruned finished deliveries', { count: n }))
      .catch((error: unknown) => telemetry.error('pruning the journal failed', { error: String(error) }));
  }, 10 * 60_000);
  prune.unref();

  summarise(telemetry, snapshot, url, adminUrl, host, journal);

  let stopped: Promise<void> | undefined;
  return {
    url, adminUrl, snapshots, journal: () => journal, telemetry, logger, reload,
    stop() {
      stopped ??= (async () => {
        accepting = false;
        clearInterval(prune);
        if (reopen !== undefined) clearInterval(reopen);
        await watcher?.close();
        const s = snapshots.current().server;
        telemetry.info('stopping: new requests get 503; waiting for running actions', { timeoutMs: s.shutdownTimeoutMs });
        await dispatcher.stop(s.shutdownTimeoutMs);
        await app.close();
        await admin?.close();
        // After the dispatcher has stopped no action writes to a log; the spawn workers are idle
        // and unref'd, and are shared with any other server in this process, so they stay.
        await closeLogFiles();
        await journal?.close();
        telemetry.info('stopped');
      })();
      return stopped;
    },
  };
}

function summarise(t: Telemetry, s: Snapshot, url: string, adminUrl: string | undefined, host: string, journal: Journal | undefined): void {
  const actions = s.routes.reduce((n, r) => n + r.actions.length, 0);
  t.info(`hookroute listening on ${url}`, {
    routesFile: s.file,
    endpoints: [...s.endpoints.values()].map((e) => `POST ${e.path} (auth: ${e.auth.describe}${e.respond === 'wait' ? ', respond: wait' : ''})`),
    routes: s.routes.length,
    actions,
    journal: journal?.path ?? 'unavailable',
    admin: adminUrl ?? 'disabled',
  });
  if (!LOOPBACK.test(host)) {
    for (const e of s.endpoints.values()) {
      if (e.auth.verifier === undefined && e.allow === undefined) {
        t.warn(`endpoint ${e.path} has no authentication and listens on ${host}: anyone who can reach it can trigger its routes (set token or verify)`);
      }
    }
  }
  if (s.admin.enabled && !LOOPBACK.test(s.admin.host) && s.admin.token === undefined) {
    t.warn(`the admin listener is on ${s.admin.host} without admin.token: anyone who can reach it can read and replay deliveries`);
  }
}
