import { schemes } from '../verify/registry.js';
import { checkTokens, createTokenVerifier } from '../verify/token.js';
import { createAllowList } from '../verify/allow.js';
import type { SchemeName, SchemeOptions, Verifier, VerifyRequest } from '../verify/types.js';
import { compileExpression, ExpressionSyntaxError, type Expression } from '../template/expression.js';
import type { KeyPath } from './diagnostics.js';
import { reportAt, type CompileSink } from './compile-context.js';
import type { Endpoint, EndpointAuth, Envelope, EnvelopeInput } from './snapshot.js';
import { parseDuration } from './units.js';

export interface RawEndpoint {
  path: string;
  respond?: 'accept' | 'wait';
  waitTimeout?: string;
  envelope?: { event?: string; data?: string; id?: string };
  token?: string | string[];
  verify?: SchemeName;
  secret?: string | string[];
  tolerance?: string;
  algorithm?: string;
  header?: string;
  encoding?: 'hex' | 'base64';
  prefix?: string;
  allow?: string[];
  rateLimit?: { max: number; window?: string };
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function durationAt(sink: CompileSink, path: KeyPath, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined) {
    reportAt(sink, path, 'HR_CONFIG_DURATION', `"${text}" is not a duration (try 30s, 500ms, 5m)`);
    return fallback;
  }
  return ms;
}

export function expressionAt(sink: CompileSink, path: KeyPath, source: string): Expression | undefined {
  try {
    return compileExpression(source);
  } catch (error) {
    const offset = error instanceof ExpressionSyntaxError ? error.offset : 0;
    reportAt(sink, path, 'HR_CONFIG_EXPRESSION', `${(error as Error).message} in ${JSON.stringify(source)}`, offset);
    return undefined;
  }
}

// The seed guide's envelope, {"evento": ..., "dados": ...} or {"event": ..., "data": ...}, read
// without JSONata because it is the hot path. The id may come from the body or common headers.
const ID_HEADERS = ['idempotency-key', 'webhook-id', 'x-github-delivery', 'x-request-id'];
export const defaultEnvelope: Envelope = {
  describe: 'default ({"evento"|"event", "dados"|"data", "id"})',
  async extract({ body, headers }) {
    const b = (body ?? {}) as Record<string, unknown>;
    let id: unknown = b['id'];
    if (id === undefined) for (const h of ID_HEADERS) if (headers[h] !== undefined) { id = headers[h]; break; }
    return { event: b['evento'] ?? b['event'], data: 'dados' in b ? b['dados'] : b['data'], id };
  },
};

function expressionEnvelope(describe: string, event: Expression, data: Expression, id: Expression | undefined): Envelope {
  return {
    describe,
    async extract(input: EnvelopeInput) {
      const bindings = { body: input.body, headers: input.headers, query: input.query };
      return {
        event: await event.evaluate(input.body, bindings),
        data: await data.evaluate(input.body, bindings),
        id: id === undefined ? undefined : await id.evaluate(input.body, bindings),
      };
    },
  };
}

function compileEnvelope(sink: CompileSink, path: KeyPath, raw: RawEndpoint): Envelope {
  const preset = raw.verify === undefined ? undefined : schemes[raw.verify]?.envelope;
  if (raw.envelope === undefined && preset === undefined) return defaultEnvelope;
  const own = raw.envelope ?? {};
  const pick = (key: 'event' | 'data' | 'id', fallback: string | undefined): Expression | undefined => {
    const source = own[key] ?? preset?.[key] ?? fallback;
    if (source === undefined) return undefined;
    return own[key] !== undefined ? expressionAt(sink, [...path, 'envelope', key], source) : compileExpression(source);
  };
  const event = pick('event', undefined);
  const data = pick('data', '$body');
  const id = pick('id', undefined);
  if (event === undefined) {
    if (own.event === undefined) reportAt(sink, [...path, 'envelope'], 'HR_CONFIG_INVALID', 'envelope needs `event`: a JSONata expression naming the event, such as $body.type');
    return defaultEnvelope;
  }
  if (data === undefined) return defaultEnvelope;
  const describe = raw.envelope === undefined ? `${raw.verify} preset` : 'custom';
  return expressionEnvelope(describe, event, data, id);
}

function both(a: Verifier, b: Verifier): Verifier {
  return (req: VerifyRequest) => {
    const first = a(req);
    return first.ok ? b(req) : first;
  };
}

function compileAuth(sink: CompileSink, path: KeyPath, raw: RawEndpoint): EndpointAuth {
  const parts: string[] = [];
  let verifier: Verifier | undefined;
  const tokens = list(raw.token);
  if (tokens.length > 0) {
    const problems = checkTokens(tokens);
    for (const problem of problems) reportAt(sink, [...path, 'token'], 'HR_CONFIG_INVALID', problem);
    if (problems.length === 0) verifier = createTokenVerifier(tokens);
    parts.push('token');
  }
  const secrets = list(raw.secret);
  if (raw.verify === undefined) {
    if (secrets.length > 0) reportAt(sink, [...path, 'secret'], 'HR_CONFIG_INVALID', '`secret` is used with `verify`: add verify: github (or another scheme)');
    for (const key of ['algorithm', 'header', 'encoding', 'prefix', 'tolerance'] as const) {
      if (raw[key] !== undefined) reportAt(sink, [...path, key], 'HR_CONFIG_INVALID', `\`${key}\` is used with \`verify\`; add verify: hmac (or another scheme)`);
    }
  } else {
    const spec = schemes[raw.verify];
    const options: SchemeOptions = {
      secrets,
      toleranceMs: durationAt(sink, [...path, 'tolerance'], raw.tolerance, 5 * 60_000),
      ...(raw.algorithm !== undefined && { algorithm: raw.algorithm }),
      ...(raw.header !== undefined && { header: raw.header.toLowerCase() }),
      ...(raw.encoding !== undefined && { encoding: raw.encoding }),
      ...(raw.prefix !== undefined && { prefix: raw.prefix }),
    };
    const problems = secrets.length === 0 ? [`verify: ${raw.verify} needs \`secret\` (one, or a list to rotate)`] : spec.check(options);
    // A tolerance the scheme cannot enforce would promise a replay protection that is not there.
    if (raw.tolerance !== undefined && !spec.timestamped) {
      reportAt(sink, [...path, 'tolerance'], 'HR_CONFIG_INVALID', `\`tolerance\` applies only to schemes with a signed timestamp (stripe, slack, standard-webhooks); ${raw.verify} has none (remove it)`);
    }
    for (const problem of problems) reportAt(sink, [...path, 'verify'], 'HR_CONFIG_INVALID', problem);
    if (problems.length === 0) {
      const scheme = spec.create(options);
      verifier = verifier === undefined ? scheme : both(verifier, scheme);
    }
    parts.push(`verify: ${raw.verify}`);
  }
  return { describe: parts.length === 0 ? 'none' : parts.join(' + '), verifier };
}

export function compileEndpoint(sink: CompileSink, index: number, raw: RawEndpoint): Endpoint {
  const path: KeyPath = ['endpoints', index];
  let allow: Endpoint['allow'];
  if (raw.allow !== undefined) {
    const list = createAllowList(raw.allow);
    for (const problem of list.problems) reportAt(sink, [...path, 'allow'], 'HR_CONFIG_INVALID', problem);
    allow = list;
  }
  // SECRET_HEADERS are always dropped (withoutSecrets); these are the ones this endpoint adds.
  const secretHeaders: string[] = [];
  if (raw.verify !== undefined) secretHeaders.push(...schemes[raw.verify].signatureHeaders);
  if (raw.header !== undefined) secretHeaders.push(raw.header.toLowerCase());
  return {
    path: raw.path,
    respond: raw.respond ?? 'accept',
    waitTimeoutMs: durationAt(sink, [...path, 'waitTimeout'], raw.waitTimeout, 5000),
    envelope: compileEnvelope(sink, path, raw),
    auth: compileAuth(sink, path, raw),
    allow,
    rateLimit:
      raw.rateLimit === undefined
        ? undefined
        : { max: raw.rateLimit.max, windowMs: durationAt(sink, [...path, 'rateLimit', 'window'], raw.rateLimit.window, 60_000) },
    secretHeaders,
    handshake: raw.verify === undefined ? undefined : schemes[raw.verify].handshake,
  };
}
