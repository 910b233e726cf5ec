import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SnapshotRegistry } from '../config/snapshots.js';
import { safeEqual } from '../verify/compare.js';
import type { Dispatcher } from '../journal/dispatcher.js';
import type { DeliveryStatus, Journal } from '../journal/types.js';
import { replyError } from './reply-error.js';

// The admin listener: health, readiness, metrics and the deliveries API. It is a separate
// Fastify instance on its own address (loopback by default), never the public port.

export interface AdminDeps {
  readonly logger: Logger;
  readonly snapshots: SnapshotRegistry;
  readonly journal: () => Journal | undefined;
  readonly dispatcher: Dispatcher;
  readonly token: string | undefined;
  readonly accepting: () => boolean;
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
}

const STATUSES: readonly DeliveryStatus[] = ['pending', 'failed', 'dead', 'done'];

export function replayDelivery(deps: Pick<AdminDeps, 'snapshots' | 'dispatcher'>, journal: Journal, id: string): number {
  const current = deps.snapshots.current();
  const runs = journal.requeue(id, (name) => {
    const route = current.routes.find((r) => r.name === name);
    if (route === undefined) return undefined;
    return { snapshotId: current.id, routeIndex: route.index, jobs: route.actions.map((a) => ({ index: a.index, name: a.name, type: a.type })) };
  });
  deps.dispatcher.enqueue(runs, undefined);
  return runs.length;
}

export async function buildAdminApp(deps: AdminDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });

  app.addHook('onRequest', async (request, reply) => {
    if (deps.token === undefined || request.url === '/healthz') return;
    const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (!safeEqual(given, deps.token)) await reply.code(401).send({ error: 'unauthorized' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reasons: string[] = [];
    const journal = deps.journal();
    if (journal === undefined) reasons.push('journal is not open');
    else {
      try {
        journal.probe();
      } catch (error) {
        reasons.push(`journal is not writable: ${(error as Error).message}`);
      }
    }
    if (!deps.accepting()) reasons.push('shutting down');
    const snapshot = deps.snapshots.current();
    if (reasons.length > 0) return reply.code(503).send({ status: 'unavailable', reasons });
    return { status: 'ready', routes: snapshot.routes.length, snapshot: snapshot.id, ...deps.dispatcher.active() };
  });
  app.get('/metrics', async (_request, reply) => {
    if (deps.metrics === undefined) return reply.code(404).send({ error: 'metrics are not enabled' });
    const { contentType, body } = await deps.metrics();
    return reply.type(contentType).send(body);
  });

  const withJournal = (reply: import('fastify').FastifyReply): Journal | undefined => {
    const journal = deps.journal();
    if (journal === undefined) void replyError(reply, 'HR_UNAVAILABLE', 'the journal is not open');
    return journal;
  };

  app.get<{ Querystring: { status?: string; event?: string; limit?: string } }>('/api/deliveries', async (request, reply) => {
    const { status, event, limit } = request.query;
    if (status !== undefined && !STATUSES.includes(status as DeliveryStatus)) {
      return reply.code(400).send({ error: `status ${JSON.stringify(status)} is not one of ${STATUSES.join(', ')}` });
    }
    const journal = withJournal(reply);
    if (journal === undefined) return reply;
    const count = limit === undefined ? undefined : Number(limit);
    if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > 1000)) {
      return reply.code(400).send({ error: `limit ${JSON.stringify(limit)} is not a whole number from 1 to 1000` });
    }
    return { deliveries: journal.list({ status: status as DeliveryStatus | undefined, event, limit: count }) };
  });
  app.get<{ Params: { id: string } }>('/api/deliveries/:id', async (request, reply) => {
    const journal = withJournal(reply);
    if (journal === undefined) return reply;
    const detail = journal.detail(request.params.id);
    if (detail === undefined) return replyError(reply, 'HR_DELIVERY_NOT_FOUND', `no delivery ${JSON.stringify(request.params.id)}`);
    return detail;
  });
  app.post<{ Params: { id: string } }>('/api/deliveries/:id/replay', async (request, reply) => {
    const journal = withJournal(reply);
    if (journal === undefined) return reply;
    const detail = journal.detail(request.params.id);
    if (detail === undefined) return replyError(reply, 'HR_DELIVERY_NOT_FOUND', `no delivery ${JSON.stringify(request.params.id)}`);
    return { id: detail.id, requeued: replayDelivery(deps, journal, detail.id) };
  });
  app.post<{ Querystring: { status?: string } }>('/api/replay', async (request, reply) => {
    if ((request.query.status ?? 'dead') !== 'dead') return reply.code(400).send({ error: 'only status=dead can be replayed in bulk' });
    const journal = withJournal(reply);
    if (journal === undefined) return reply;
    const ids = journal.deadDeliveryIds(10_000);
    let runs = 0;
    for (const id of ids) runs += replayDelivery(deps, journal, id);
    return { deliveries: ids.length, requeued: runs };
  });
  return app;
}
