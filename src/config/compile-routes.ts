import type { ActionSpec } from '../actions/types.js';
import { compileEventMatcher } from '../routing/event-matcher.js';
import type { KeyPath } from './diagnostics.js';
import { compileStringAt, createCompileContext, reportAt, type CompileSink } from './compile-context.js';
import { durationAt, expressionAt } from './compile-endpoints.js';
import type { Action, Concurrency, Route } from './snapshot.js';
import type { ParsedSource } from './source.js';
import type { SchemaCheck } from './validate.js';

export interface RawAction {
  name?: string;
  timeout?: string;
  retry?: { attempts?: number; backoff?: string; maxDelay?: string };
  [key: string]: unknown;
}

export interface RawRoute {
  name: string;
  event: string | string[];
  when?: string;
  actions: RawAction[];
  concurrency?: number | { limit: number; key?: string; latest?: boolean };
  continueOnError?: boolean;
}

/** An action type with the check of its closed schema (its own keys plus the shared ones). */
export interface ActionType {
  readonly spec: ActionSpec;
  readonly check: SchemaCheck;
}

export interface RouteCompiler {
  readonly sink: CompileSink;
  readonly source: ParsedSource;
  readonly types: readonly ActionType[];
}

function compileAction(c: RouteCompiler, path: KeyPath, index: number, raw: RawAction): Action | undefined {
  const present = c.types.filter((t) => t.spec.type in raw);
  if (present.length !== 1) {
    const names = c.types.map((t) => t.spec.type).join(', ');
    const message =
      present.length === 0
        ? `an action needs one of ${names}; found keys ${Object.keys(raw).join(', ') || 'none'}`
        : `an action has exactly one type; this one has ${present.map((t) => t.spec.type).join(' and ')} (split it into two actions)`;
    reportAt(c.sink, path, 'HR_CONFIG_INVALID', message);
    return undefined;
  }
  const { spec, check } = present[0] as ActionType;
  if (!check(raw, path, c.source, c.sink.report)) return undefined;
  const compiled: unknown = spec.compile(raw, createCompileContext(c.sink, path));
  const retry = raw.retry ?? {};
  return {
    index,
    name: raw.name ?? `${spec.type}#${index + 1}`,
    type: spec.type,
    spec,
    compiled,
    timeoutMs: durationAt(c.sink, [...path, 'timeout'], raw.timeout, spec.defaultTimeoutMs),
    retry: {
      attempts: retry.attempts ?? spec.defaultAttempts,
      backoffMs: durationAt(c.sink, [...path, 'retry', 'backoff'], retry.backoff, 1000),
      maxDelayMs: durationAt(c.sink, [...path, 'retry', 'maxDelay'], retry.maxDelay, 5 * 60_000),
    },
  };
}

function compileConcurrency(c: RouteCompiler, path: KeyPath, raw: RawRoute['concurrency']): Concurrency | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'number') return { limit: raw, key: undefined, latest: false };
  return {
    limit: raw.limit,
    key: raw.key === undefined ? undefined : compileStringAt(c.sink, [...path, 'key'], raw.key),
    latest: raw.latest ?? false,
  };
}

export function compileRoutes(c: RouteCompiler, raws: readonly RawRoute[]): Route[] {
  const seen = new Map<string, number>();
  const routes: Route[] = [];
  raws.forEach((raw, index) => {
    const path: KeyPath = ['routes', index];
    const earlier = seen.get(raw.name);
    if (earlier !== undefined) {
      reportAt(c.sink, [...path, 'name'], 'HR_CONFIG_INVALID', `"${raw.name}" is already the name of routes[${earlier}]; route names must be unique`);
    }
    seen.set(raw.name, index);
    // Only strings: a file that failed its schema is still compiled to find its other problems.
    const patterns = (Array.isArray(raw.event) ? raw.event : [raw.event]).filter((p): p is string => typeof p === 'string');
    patterns.forEach((p, i) => {
      if (p.trim() === '') reportAt(c.sink, Array.isArray(raw.event) ? [...path, 'event', i] : [...path, 'event'], 'HR_CONFIG_INVALID', 'an event name cannot be empty (use "*" for every event)');
    });
    const actions = raw.actions
      .map((a, i) => compileAction(c, [...path, 'actions', i], i, a))
      .filter((a): a is Action => a !== undefined);
    routes.push({
      index,
      name: raw.name,
      event: compileEventMatcher(patterns),
      when: raw.when === undefined ? undefined : expressionAt(c.sink, [...path, 'when'], raw.when),
      actions,
      concurrency: compileConcurrency(c, [...path, 'concurrency'], raw.concurrency),
      continueOnError: raw.continueOnError ?? false,
    });
  });
  return routes;
}
