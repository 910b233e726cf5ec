import type { TObject } from '@sinclair/typebox';
import type { EventContext } from '../template/expression.js';
import type { JsonTemplate, StringTemplate, TextMapTemplate } from '../template/template.js';
import type { KeyPath } from '../config/diagnostics.js';

/** How one attempt of an action ended. */
export type ActionOutcome = 'ok' | 'failed' | 'timeout' | 'error';

export interface ActionResult {
  readonly outcome: ActionOutcome;
  readonly durationMs: number;
  /** run: the exit code, when the process exited. */
  readonly exitCode?: number;
  /** run: the signal that ended the process (SIGKILL after a timeout). */
  readonly signal?: string;
  /** forward: the target's HTTP status. */
  readonly status?: number;
  /** run: stdout; forward: the response body. Capped. */
  readonly output?: string;
  /** run: stderr. Capped. */
  readonly stderr?: string;
  /** Why it did not succeed, for a person. */
  readonly error?: string;
}

/** What an attempt is given besides its rendered input. */
export interface AttemptContext {
  /** Aborted when the daemon must stop now; the action ends its work and reports. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Delivery id, for headers and environment such as HOOKROUTE_DELIVERY. */
  readonly deliveryId: string;
  readonly event: string;
}

/**
 * What an action's compile step may use. Every method reports problems as located diagnostics
 * (file:line:col) and returns a stand-in, so one load reports every problem at once.
 */
export interface CompileContext {
  /** The routes file's folder: relative paths resolve against it. */
  readonly dir: string;
  /** Where this action sits in the routes file: routes[0].actions[1]. */
  readonly path: KeyPath;
  /** A string that may hold {{ }} templates; `key` is its path below the action. */
  string(key: KeyPath, source: string): StringTemplate;
  /** A JSON structure whose strings may be templates (a body, a record). */
  json(key: KeyPath, value: unknown): JsonTemplate;
  /** A map of text templates (headers, env). */
  textMap(key: KeyPath, map: Readonly<Record<string, string>>): TextMapTemplate;
  /** Reports a problem at `key` below the action. */
  error(key: KeyPath, message: string): void;
}

/**
 * One action type: the key that names it in YAML (run, forward, log), the JSON Schema of its
 * keys (the validator and the editor schema are both made from it), and its three steps.
 * Adding an action type is one file that exports a spec and one line in the registry.
 */
export interface ActionSpec<Raw extends object = any, Compiled = any, Rendered = any> {
  readonly type: string;
  readonly description: string;
  /** Its own keys, the type key included; the shared keys (name, timeout, retry) are added. */
  readonly schema: TObject;
  /** Attempts when `retry` is not set. */
  readonly defaultAttempts: number;
  /** Timeout when `timeout` is not set, in milliseconds. */
  readonly defaultTimeoutMs: number;
  compile(raw: Raw, ctx: CompileContext): Compiled;
  /** Everything the attempt will use, templates rendered: what `hookroute test` shows. */
  render(compiled: Compiled, event: EventContext): Promise<Rendered>;
  execute(rendered: Rendered, attempt: AttemptContext): Promise<ActionResult>;
  /** The rendered action as `hookroute test` prints it (secrets are redacted by the caller). */
  describe?(rendered: Rendered): Record<string, unknown>;
}
