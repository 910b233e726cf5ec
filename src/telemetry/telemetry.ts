import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';
import type { Telemetry } from './types.js';

/** Logs each happening as one JSON line and counts it; `metrics` is optional for tools like `check`. */
export function createTelemetry(log: Logger, metrics?: Metrics, options: { logOutput?: boolean } = {}): Telemetry {
  return {
    delivery(e) {
      metrics?.delivery(e);
      log.info(
        { delivery: e.deliveryId, endpoint: e.endpoint, event: e.event, routes: e.routes, ...(e.duplicate && { duplicate: true }) },
        e.duplicate ? 'duplicate delivery ignored' : e.routes.length === 0 ? 'delivery accepted; no route matched' : 'delivery accepted',
      );
    },
    action(e) {
      metrics?.action(e);
      const r = e.result;
      const fields = {
        delivery: e.deliveryId, route: e.route, action: e.action, type: e.type, attempt: e.attempt,
        outcome: r.outcome, next: e.next, durationMs: Math.round(r.durationMs),
        ...(r.exitCode !== undefined && { exitCode: r.exitCode }),
        ...(r.signal !== undefined && { signal: r.signal }),
        ...(r.status !== undefined && { status: r.status }),
        ...(r.error !== undefined && { error: r.error }),
        ...(e.retryInMs !== undefined && { retryInMs: e.retryInMs }),
        ...(options.logOutput === true && r.output !== undefined && { output: r.output }),
      };
      if (r.outcome === 'ok') log.info(fields, 'action succeeded');
      else if (e.next === 'dead') log.error(fields, 'action failed; no attempts left');
      else log.warn(fields, 'action failed; will retry');
    },
    runSuperseded(e) {
      metrics?.superseded(e.route);
      log.info({ delivery: e.deliveryId, route: e.route }, `run superseded by ${e.by}`);
    },
    routeError(e) {
      log.warn({ delivery: e.deliveryId, route: e.route, error: e.error.message }, 'a route\'s `when` or concurrency key failed to evaluate');
    },
    request(e) {
      metrics?.request(e.endpoint, e.status);
    },
    authFailed(e) {
      metrics?.authFailed(e.endpoint, e.reason);
      log.warn({ endpoint: e.endpoint, reason: e.reason, client: e.address }, 'request refused');
    },
    reload(e) {
      metrics?.reload(e.ok);
      if (e.ok) log.info({ file: e.file, routes: e.routes, snapshot: e.snapshotId }, 'routes loaded');
      else log.error({ file: e.file, errors: e.errors }, `routes file not applied; the previous routes keep serving:\n${e.errors.join('\n')}`);
    },
    journalError(e) {
      metrics?.journalError();
      log.error({ error: e.error.message }, 'journal write failed; answering 503 so senders retry');
    },
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}
