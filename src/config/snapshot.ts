import type { ActionSpec } from '../actions/types.js';
import type { EventMatcher } from '../routing/event-matcher.js';
import type { Expression } from '../template/expression.js';
import type { StringTemplate } from '../template/template.js';
import type { Verifier } from '../verify/types.js';
import type { Diagnostic } from './diagnostics.js';

// A loaded routes file, compiled and frozen. The request path reads it and never parses config;
// a reload swaps the whole snapshot at once.

export interface Snapshot {
  /** Content hash of the file: the journal records which snapshot routed each delivery. */
  readonly id: string;
  readonly file: string;
  readonly dir: string;
  readonly source: string;
  readonly server: ServerSettings;
  readonly admin: AdminSettings;
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  readonly routes: readonly Route[];
  readonly tests: readonly RouteTest[];
  /** Values to redact from every log line and printed output. */
  readonly secrets: readonly string[];
  readonly warnings: readonly Diagnostic[];
}

export interface ServerSettings {
  readonly port: number;
  readonly host: string;
  readonly bodyLimit: number;
  readonly data: string;
  readonly durability: 'normal' | 'full';
  readonly dedupWindowMs: number;
  readonly retentionMs: number;
  readonly shutdownTimeoutMs: number;
  readonly trustProxy: boolean | string | string[] | number;
}

export interface AdminSettings {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
}

export interface EnvelopeInput {
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
}

export interface EnvelopeResult {
  readonly event: unknown;
  readonly data: unknown;
  readonly id: unknown;
}

export interface Envelope {
  /** How it reads the request, for the start-up summary and errors. */
  readonly describe: string;
  extract(input: EnvelopeInput): Promise<EnvelopeResult>;
}

export interface EndpointAuth {
  /** "none", "token", "verify: github", ... for the start-up summary. */
  readonly describe: string;
  readonly verifier: Verifier | undefined;
}

export interface Endpoint {
  readonly path: string;
  readonly respond: 'accept' | 'wait';
  readonly waitTimeoutMs: number;
  readonly envelope: Envelope;
  readonly auth: EndpointAuth;
  readonly allow: { allows(address: string): boolean } | undefined;
  readonly rateLimit: { readonly max: number; readonly windowMs: number } | undefined;
  /** Signature headers of this endpoint's scheme, dropped on top of SECRET_HEADERS before storing. */
  readonly secretHeaders: readonly string[];
  /** The sender's set-up request, answered directly (Slack's url_verification). */
  readonly handshake: ((body: unknown) => unknown) | undefined;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxDelayMs: number;
}

export interface Action {
  readonly index: number;
  readonly name: string;
  readonly type: string;
  readonly spec: ActionSpec;
  readonly compiled: unknown;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
}

export interface Concurrency {
  readonly limit: number;
  readonly key: StringTemplate | undefined;
  readonly latest: boolean;
}

export interface Route {
  readonly index: number;
  readonly name: string;
  readonly event: EventMatcher;
  readonly when: Expression | undefined;
  readonly actions: readonly Action[];
  readonly concurrency: Concurrency | undefined;
  readonly continueOnError: boolean;
}

export interface RouteTest {
  readonly name: string;
  readonly line: number;
  readonly endpoint: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly expectRoutes: readonly string[] | undefined;
  readonly expectActions: Readonly<Record<string, readonly unknown[]>> | undefined;
}
