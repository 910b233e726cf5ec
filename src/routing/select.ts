import type { Route, Snapshot } from '../config/snapshot.js';
import { evaluateIn, isTruthy, type EventContext } from '../template/expression.js';

export interface SelectedRoute {
  readonly route: Route;
  /** The rendered concurrency key, when the route has a keyed concurrency. */
  readonly key: string | undefined;
}

/**
 * Every route whose `event` matches and whose `when` is truthy, in file order. A `when` that
 * fails to evaluate does not fire its route; the errors are returned so they can be logged.
 */
export async function selectRoutes(
  snapshot: Snapshot,
  ctx: EventContext,
): Promise<{ selected: SelectedRoute[]; errors: { route: string; error: Error }[] }> {
  const selected: SelectedRoute[] = [];
  const errors: { route: string; error: Error }[] = [];
  for (const route of snapshot.routes) {
    if (!route.event.matches(ctx.bindings.event)) continue;
    try {
      if (route.when !== undefined && !isTruthy(await evaluateIn(route.when, ctx))) continue;
    } catch (error) {
      errors.push({ route: route.name, error: error as Error });
      continue;
    }
    // A key that cannot be rendered must not lose the event: it shares the route's empty key.
    let key: string | undefined;
    if (route.concurrency?.key !== undefined) {
      try {
        key = await route.concurrency.key.text(ctx);
      } catch (error) {
        errors.push({ route: route.name, error: error as Error });
        key = '';
      }
    }
    selected.push({ route, key });
  }
  return { selected, errors };
}
