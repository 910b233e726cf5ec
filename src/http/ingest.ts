import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Endpoint, Snapshot } from '../config/snapshot.js';
import type { SnapshotRegistry } from '../config/snapshots.js';
import { isHookrouteError } from '../errors.js';
import type { Dispatcher, RunOutcome } from '../journal/dispatcher.js';
import type { Journal, StoredRun } from '../journal/types.js';
import { newDeliveryId } from '../journal/ids.js';
import { eventContext } from '../routing/event-context.js';
import { selectRoutes } from '../routing/select.js';
import type { Telemetry } from '../telemetry/types.js';
import { parseBody } from './parse-body.js';
import { withoutSecrets } from '../verify/redact-headers.js';
import { replyError, replyHookrouteError } from './reply-error.js';

// The request path only authenticates, parses, matches, journals and answers; the actions run
// later, from the journal (octokit answers 202 well within GitHub's 10 s for the same reason).

export interface IngestDeps {
  readonly snapshots: SnapshotRegistry;
  readonly journal: () => Journal | undefined;
  readonly dispatcher: Dispatcher;
  readonly telemetry: Telemetry;
  readonly accepting: () => boolean;
  readonly now?: () => number;
}

export function endpointPath(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function findEndpoint(snapshot: Snapshot, url: string): Endpoint | undefined {
  return snapshot.endpoints.get(endpointPath(url));
}

/** The headers kept with a delivery: credentials and signatures dropped, repeats joined. */
function storedHeaders(headers: FastifyRequest['headers'], extra: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(withoutSecrets(headers, extra))) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function asId(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function registerIngest(app: FastifyInstance, deps: IngestDeps): void {
  const now = deps.now ?? Date.now;

  app.post('/*', async (request, reply) => {
    const snapshot = deps.snapshots.current();
    const endpoint = findEndpoint(snapshot, request.url);
    const path = endpointPath(request.url);
    const answer = (status: number, reason?: string): void => deps.telemetry.request({ endpoint: endpoint?.path ?? 'unknown', status, ...(reason !== undefined && { reason }) });
    if (endpoint === undefined) {
      answer(404);
      return replyError(reply, 'HR_UNKNOWN_ENDPOINT', `no endpoint at ${JSON.stringify(path)}; this server receives on ${[...snapshot.endpoints.keys()].join(', ')}`);
    }
    const journal = deps.journal();
    if (!deps.accepting() || journal === undefined) {
      answer(503);
      reply.header('retry-after', '5');
      return replyError(reply, 'HR_UNAVAILABLE', deps.accepting() ? 'the journal is unavailable, so no event can be kept now' : 'the server is shutting down');
    }
    if (endpoint.allow !== undefined && !endpoint.allow.allows(request.ip)) {
      answer(403);
      deps.telemetry.authFailed({ endpoint: endpoint.path, reason: `client address ${request.ip} is not in allow`, address: request.ip });
      return reply.code(403).send({ error: 'forbidden', code: 'HR_FORBIDDEN' });
    }
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (endpoint.auth.verifier !== undefined) {
      const verdict = endpoint.auth.verifier({ rawBody, headers: request.headers, now: now() });
      if (!verdict.ok) {
        answer(401);
        deps.telemetry.authFailed({ endpoint: endpoint.path, reason: verdict.reason, address: request.ip });
        return reply.code(401).send({ error: 'unauthorized' });
      }
    }

    const contentType = request.headers['content-type'] ?? '';
    let body: unknown;
    try {
      body = parseBody(rawBody, contentType);
    } catch (error) {
      if (!isHookrouteError(error)) throw error;
      answer(error.status ?? 400);
      return replyHookrouteError(reply, error);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      answer(400);
      return replyError(reply, 'HR_BODY_NOT_OBJECT', `the body is ${Array.isArray(body) ? 'a list' : `a bare ${body === null ? 'null' : typeof body}`}`);
    }

    const handshake = endpoint.handshake?.(body);
    if (handshake !== undefined) {
      answer(200);
      return reply.code(200).send(handshake);
    }

    const headers = storedHeaders(request.headers, endpoint.secretHeaders);
    const query = (request.query ?? {}) as Record<string, string>;
    let envelope;
    try {
      envelope = await endpoint.envelope.extract({ body, headers, query });
    } catch (error) {
      answer(400);
      return replyError(reply, 'HR_ENVELOPE_FAILED', `the envelope (${endpoint.envelope.describe}) could not be read: ${(error as Error).message}`);
    }
    const event = envelope.event;
    if (typeof event !== 'string' || event === '') {
      answer(400);
      const found = event === undefined ? 'no event name was found' : `the event name is ${JSON.stringify(event)}, not a non-empty string`;
      return replyError(reply, 'HR_NO_EVENT_NAME', `${found} (envelope: ${endpoint.envelope.describe})`);
    }

    const receivedAt = now();
    const id = newDeliveryId(receivedAt);
    const data = envelope.data === undefined ? {} : envelope.data;
    const ctx = eventContext({ id, event, endpoint: endpoint.path, receivedAt, headers, query, body, data, rawBody, contentType });
    const { selected, errors } = await selectRoutes(snapshot, ctx);
    for (const e of errors) deps.telemetry.routeError({ deliveryId: id, route: e.route, error: e.error });

    let result;
    try {
      result = await journal.accept(
        {
          id, sourceId: asId(envelope.id), endpoint: endpoint.path, event, receivedAt, snapshotId: snapshot.id,
          headers, query, contentType, body: rawBody, data,
          runs: selected.map(({ route, key }) => ({
            routeIndex: route.index, route: route.name, key,
            jobs: route.actions.map((a) => ({ index: a.index, name: a.name, type: a.type })),
          })),
        },
        snapshot.server.dedupWindowMs,
      );
    } catch (error) {
      deps.telemetry.journalError({ error: error as Error });
      answer(503);
      reply.header('retry-after', '5');
      return replyError(reply, 'HR_UNAVAILABLE', 'the journal could not keep this event');
    }
    const routes = selected.map((s) => s.route.name);
    const named = snapshot.routes.some((r) => r.event.names(event));
    if (result.kind === 'duplicate') {
      deps.telemetry.delivery({ deliveryId: result.id, endpoint: endpoint.path, event, routes: [], duplicate: true, named });
      answer(200);
      return reply.code(200).send({ id: result.id, duplicate: true });
    }
    deps.telemetry.delivery({ deliveryId: id, endpoint: endpoint.path, event, routes, duplicate: false, named });

    const runs: StoredRun[] = selected.map(({ route, key }, i) => ({
      ...(result.runs[i] as { id: string; seq: number }), deliveryId: id, routeIndex: route.index, route: route.name, key,
      snapshotId: snapshot.id, status: 'pending',
    }));
    const waiting = endpoint.respond === 'wait' ? deps.dispatcher.settled(id, runs.length) : undefined;
    deps.dispatcher.enqueue(runs, ctx);
    if (waiting === undefined) {
      answer(202);
      return reply.code(202).send({ id, event, routes });
    }
    return respondWhenDone(reply, waiting, endpoint.waitTimeoutMs, { id, event, routes }, answer);
  });
}

async function respondWhenDone(
  reply: FastifyReply,
  waiting: Promise<RunOutcome[]>,
  timeoutMs: number,
  accepted: { id: string; event: string; routes: string[] },
  answer: (status: number) => void,
): Promise<FastifyReply> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const outcomes = await Promise.race([waiting, timeout]);
  clearTimeout(timer);
  if (outcomes === undefined) {
    answer(202);
    return reply.code(202).send({ ...accepted, pending: true });
  }
  const failed = outcomes.some((o) => o.status !== 'done' && o.status !== 'superseded');
  answer(failed ? 502 : 200);
  return reply.code(failed ? 502 : 200).send({ ...accepted, results: outcomes });
}

