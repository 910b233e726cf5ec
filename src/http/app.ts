import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import { registerIngest, findEndpoint, type IngestDeps } from './ingest.js';
import { replyError } from './reply-error.js';

export interface AppDeps extends IngestDeps {
  readonly logger: Logger;
  readonly bodyLimit: number;
  readonly trustProxy: boolean | string | string[] | number;
}

/** The public listener, built but not listening, so tests can inject or listen on port 0. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit,
    // Fastify's overloads take each trustProxy form separately; the value is passed through as is.
    trustProxy: deps.trustProxy as boolean,
    return503OnClosing: true,
  });

  // We keep the raw bytes: signatures are computed over them, and the journal stores them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return replyError(reply, 'HR_BODY_TOO_LARGE', `the body is larger than the limit of ${deps.bodyLimit} bytes`);
    }
    if (error.statusCode === 429) return reply.code(429).send({ error: error.message, code: 'HR_RATE_LIMITED' });
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: error.message, code: error.code });
    }
    deps.telemetry.error('request failed', { error: error.message, stack: error.stack });
    return reply.code(500).send({ error: 'internal error; see the server log', code: 'HR_INTERNAL' });
  });
  app.setNotFoundHandler((request, reply) =>
    replyError(reply, 'HR_UNKNOWN_ENDPOINT', `${request.method} ${request.url} is not served: webhooks are POSTed to ${[...deps.snapshots.current().endpoints.keys()].join(', ')}`),
  );

  // Limits follow the routes file in force: a reload that changes rateLimit applies at once.
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: (request) => findEndpoint(deps.snapshots.current(), request.url)?.rateLimit?.max ?? Number.MAX_SAFE_INTEGER,
    timeWindow: (request) => findEndpoint(deps.snapshots.current(), request.url)?.rateLimit?.windowMs ?? 60_000,
    allowList: (request) => request.method !== 'POST' || findEndpoint(deps.snapshots.current(), request.url)?.rateLimit === undefined,
    keyGenerator: (request) => `${request.url.split('?')[0] ?? ''}|${request.ip}`,
    // The plugin throws what this returns: it must be an Error (with a message) for the error
    // handler above to answer {"error": ...}.
    errorResponseBuilder: (request, context) => {
      const windowMs = findEndpoint(deps.snapshots.current(), request.url)?.rateLimit?.windowMs ?? 60_000;
      const message = `rate limited: more than ${context.max} requests in ${windowMs / 1000}s from this address; retry after ${context.after}`;
      return Object.assign(new Error(message), { statusCode: 429 });
    },
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  registerIngest(app, deps);
  return app;
}
