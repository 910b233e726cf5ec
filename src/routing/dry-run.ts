import { randomUUID } from 'node:crypto';
import type { ActionResult } from '../actions/types.js';
import type { Endpoint, Snapshot } from '../config/snapshot.js';
import { eventContext } from './event-context.js';
import { selectRoutes } from './select.js';
import type { EventContext } from '../template/expression.js';

// What an event would do, without the journal: used by `hookroute test` and a routes file's own
// `tests:`. With `run`, each action is also executed, in order, as the dispatcher would.

export interface DryRunRequest {
  readonly endpoint: Endpoint;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Skip the envelope: the event name and data are given directly. */
  readonly direct?: { readonly event: string; readonly data: unknown };
}

export interface RenderedAction {
  readonly name: string;
  readonly type: string;
  readonly rendered?: Record<string, unknown>;
  readonly error?: string;
  readonly result?: ActionResult;
}

export interface DryRunResult {
  readonly event: string | undefined;
  readonly data: unknown;
  readonly error?: string;
  readonly routes: readonly { readonly name: string; readonly key?: string; readonly actions: readonly RenderedAction[] }[];
  readonly skipped: readonly { readonly route: string; readonly error: string }[];
}

export async function dryRun(snapshot: Snapshot, req: DryRunRequest, run = false): Promise<DryRunResult> {
  let event: unknown;
  let data: unknown;
  if (req.direct !== undefined) ({ event, data } = req.direct);
  else {
    try {
      ({ event, data } = await req.endpoint.envelope.extract({ body: req.body, headers: req.headers, query: {} }));
    } catch (error) {
      return { event: undefined, data: undefined, error: `envelope failed: ${(error as Error).message}`, routes: [], skipped: [] };
    }
  }
  if (typeof event !== 'string' || event === '') {
    return { event: undefined, data, error: `no event name found (envelope: ${req.endpoint.envelope.describe})`, routes: [], skipped: [] };
  }
  const raw = Buffer.from(JSON.stringify(req.body));
  const ctx: EventContext = eventContext({
    id: `dry-run-${randomUUID()}`, event, endpoint: req.endpoint.path, receivedAt: Date.now(), headers: req.headers, query: {},
    body: req.body, data: data ?? {}, rawBody: raw, contentType: 'application/json',
  });
  const { selected, errors } = await selectRoutes(snapshot, ctx);
  const routes = [];
  for (const { route, key } of selected) {
    const actions: RenderedAction[] = [];
    let failed = false;
    for (const action of route.actions) {
      if (failed && !route.continueOnError) break;
      try {
        const rendered: unknown = await action.spec.render(action.compiled, ctx);
        const described = action.spec.describe?.(rendered) ?? (rendered as Record<string, unknown>);
        let result: ActionResult | undefined;
        if (run) {
          const controller = new AbortController();
          result = await action.spec.execute(rendered, { signal: controller.signal, timeoutMs: action.timeoutMs, deliveryId: ctx.bindings.id, event });
          failed = result.outcome !== 'ok';
        }
        actions.push({ name: action.name, type: action.type, rendered: described, ...(result !== undefined && { result }) });
      } catch (error) {
        failed = true;
        actions.push({ name: action.name, type: action.type, error: (error as Error).message });
      }
    }
    routes.push({ name: route.name, ...(key !== undefined && { key }), actions });
  }
  return { event, data, routes, skipped: errors.map((e) => ({ route: e.route, error: e.error.message })) };
}
