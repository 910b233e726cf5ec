import type { CompileSink } from './compile-context.js';
import { reportAt } from './compile-context.js';
import type { RouteTest } from './snapshot.js';
import type { ParsedSource } from './source.js';
import { locate } from './source.js';

export interface RawTest {
  name: string;
  endpoint?: string;
  headers?: Record<string, string>;
  body?: unknown;
  event?: string;
  data?: unknown;
  expect: { routes?: string[]; actions?: Record<string, unknown[]> };
}

/** A routes file's own tests: a sample request and what it must do (`hookroute test`). */
export function compileTests(sink: CompileSink, source: ParsedSource, raws: readonly RawTest[]): RouteTest[] {
  return raws.map((raw, i) => {
    if (raw.body === undefined && raw.event === undefined) {
      reportAt(sink, ['tests', i], 'HR_CONFIG_INVALID', 'a test needs `event` (and `data`) or a whole request `body`');
    }
    const body = raw.body ?? { event: raw.event, data: raw.data ?? {} };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.headers ?? {})) headers[k.toLowerCase()] = v;
    return {
      name: raw.name,
      line: locate(source, ['tests', i]).line,
      endpoint: raw.endpoint,
      headers,
      body,
      expectRoutes: raw.expect.routes,
      expectActions: raw.expect.actions,
    };
  });
}
