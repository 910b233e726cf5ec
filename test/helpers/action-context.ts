import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { ActionResult, ActionSpec, AttemptContext } from '../../src/actions/types.js';
import { createCompileContext } from '../../src/config/compile-context.js';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import type { EventContext } from '../../src/template/expression.js';

/** Compiles a raw action through the real CompileContext, collecting its diagnostics. */
export function compileAction<C>(spec: ActionSpec<any, C>, raw: object, dir: string): { compiled: C; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const ctx = createCompileContext(
    { dir, locate: () => ({ file: 'routes.yaml', line: 1, col: 1 }), report: (d) => diagnostics.push(d) },
    ['routes', 0, 'actions', 0],
  );
  return { compiled: spec.compile(raw, ctx), diagnostics };
}

/** An event as the ingest path builds it, from the default envelope. */
export function makeEvent(data: unknown, event = 'usuario_registrado', raw?: { body: Buffer; contentType: string }): EventContext {
  const body = { evento: event, dados: data };
  return {
    data,
    bindings: {
      event,
      id: 'delivery-1',
      headers: { 'content-type': 'application/json' },
      query: {},
      body,
      received: '2024-05-01T12:00:00.000Z',
      endpoint: '/webhook',
    },
    raw: raw ?? { body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' },
  };
}

export function makeAttempt(overrides: Partial<AttemptContext> = {}): AttemptContext {
  return {
    signal: new AbortController().signal,
    timeoutMs: 10_000,
    deliveryId: 'delivery-1',
    event: 'usuario_registrado',
    ...overrides,
  };
}

/** compile, check there were no diagnostics, render, execute: the dispatcher's path. */
export async function runOnce(
  spec: ActionSpec,
  raw: object,
  options: { dir: string; data?: unknown; event?: EventContext; attempt?: Partial<AttemptContext> },
): Promise<ActionResult> {
  const { compiled, diagnostics } = compileAction(spec, raw, options.dir);
  if (diagnostics.length > 0) throw new Error(`unexpected diagnostics: ${JSON.stringify(diagnostics)}`);
  const rendered: unknown = await spec.render(compiled, options.event ?? makeEvent(options.data ?? {}));
  return spec.execute(rendered, makeAttempt(options.attempt));
}

/** A fresh temporary folder, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hookroute-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
