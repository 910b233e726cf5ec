import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Journal } from '../journal/types.js';

// Prometheus metrics, served on the admin listener only. Label values stay bounded: an event
// that no route names is counted as "(other)", so a sender cannot blow up the series count.

export interface Metrics {
  delivery(e: { endpoint: string; event: string; duplicate: boolean; named: boolean }): void;
  action(e: { route: string; type: string; next: string; result: { outcome: string; durationMs: number }; attempt: number }): void;
  superseded(route: string): void;
  request(endpoint: string, status: number): void;
  authFailed(endpoint: string, reason: string): void;
  reload(ok: boolean): void;
  journalError(): void;
}

export interface PromMetrics extends Metrics {
  bindJournal(journal: () => Journal | undefined): void;
  render(): Promise<{ contentType: string; body: string }>;
  readonly registry: Registry;
}

/** Auth failure reasons carry details (header names, ages); the metric keeps their kind. */
export function reasonKind(reason: string): string {
  if (/missing/i.test(reason)) return 'missing_header';
  if (/timestamp|old|future/i.test(reason)) return 'stale_timestamp';
  if (/malformed/i.test(reason)) return 'malformed';
  if (/allow/i.test(reason)) return 'address_not_allowed';
  if (/token/i.test(reason)) return 'bad_token';
  return 'bad_signature';
}

export function createMetrics(): PromMetrics {
  const registry = new Registry();
  // prom-client's names already start with process_ / nodejs_: hookroute_process_cpu_seconds_total.
  collectDefaultMetrics({ register: registry, prefix: 'hookroute_' });
  const c = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> => new Counter({ name, help, labelNames, registers: [registry] });

  const requests = c('hookroute_http_requests_total', 'Webhook requests answered, by endpoint and status.', ['endpoint', 'status']);
  const received = c('hookroute_events_received_total', 'Events received, by endpoint and event.', ['endpoint', 'event']);
  const accepted = c('hookroute_events_accepted_total', 'Events journaled and answered 2xx.', ['endpoint', 'event']);
  const duplicates = c('hookroute_events_duplicate_total', 'Deliveries answered as duplicates (replay protection).', ['endpoint']);
  const authFailures = c('hookroute_auth_failures_total', 'Requests refused by authentication or allow lists, by reason.', ['endpoint', 'reason']);
  const actions = c('hookroute_actions_total', 'Action attempts, by route, type and outcome.', ['route', 'type', 'outcome']);
  const retries = c('hookroute_action_retries_total', 'Attempts that failed and were scheduled again.', ['route', 'type']);
  const superseded = c('hookroute_runs_superseded_total', 'Runs skipped because a newer delivery overtook them.', ['route']);
  const reloads = c('hookroute_config_reloads_total', 'Routes file loads, by result.', ['result']);
  const journalErrors = c('hookroute_journal_write_errors_total', 'Journal commits that failed (each answered 503).', []);
  const lastReload = new Gauge({ name: 'hookroute_config_last_reload_success_timestamp_seconds', help: 'When the routes file last loaded successfully.', registers: [registry] });
  const duration = new Histogram({
    name: 'hookroute_action_duration_seconds', help: 'Duration of action attempts.', labelNames: ['route', 'type'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry],
  });
  let journal: () => Journal | undefined = () => undefined;
  new Gauge({
    name: 'hookroute_jobs', help: 'Jobs in the journal by state (pending includes retrying).', labelNames: ['state'], registers: [registry],
    collect() {
      const counts = journal()?.counts();
      if (counts === undefined) return;
      this.set({ state: 'pending' }, counts.pending);
      this.set({ state: 'running' }, counts.running);
      this.set({ state: 'dead' }, counts.dead);
    },
  });
  lastReload.setToCurrentTime();
  reloads.inc({ result: 'success' }, 0);
  reloads.inc({ result: 'failure' }, 0);

  return {
    registry,
    delivery(e) {
      const event = e.named ? e.event : '(other)';
      received.inc({ endpoint: e.endpoint, event });
      if (e.duplicate) duplicates.inc({ endpoint: e.endpoint });
      else accepted.inc({ endpoint: e.endpoint, event });
    },
    action(e) {
      actions.inc({ route: e.route, type: e.type, outcome: e.result.outcome });
      duration.observe({ route: e.route, type: e.type }, e.result.durationMs / 1000);
      if (e.next === 'retrying') retries.inc({ route: e.route, type: e.type });
    },
    superseded: (route) => superseded.inc({ route }),
    request: (endpoint, status) => requests.inc({ endpoint, status: String(status) }),
    authFailed: (endpoint, reason) => authFailures.inc({ endpoint, reason: reasonKind(reason) }),
    reload(ok) {
      reloads.inc({ result: ok ? 'success' : 'failure' });
      if (ok) lastReload.setToCurrentTime();
    },
    journalError: () => journalErrors.inc(),
    bindJournal(j) {
      journal = j;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
