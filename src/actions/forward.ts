import { Type } from '@sinclair/typebox';
import { HookrouteError } from '../errors.js';
import type { EventContext } from '../template/expression.js';
import type { JsonTemplate, StringTemplate, TextMapTemplate } from '../template/template.js';
import type { ActionResult, ActionSpec, AttemptContext } from './types.js';
import { readCapped } from './capture.js';

export interface ForwardRaw {
  readonly forward: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export interface ForwardCompiled {
  readonly url: StringTemplate;
  readonly method: string;
  readonly headers: TextMapTemplate | undefined;
  /** undefined: pass the received body on unchanged. */
  readonly body: JsonTemplate | undefined;
}

export type ForwardBody =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'received'; readonly bytes: Uint8Array; readonly contentType: string }
  | { readonly kind: 'none' };

export interface ForwardRendered {
  readonly method: string;
  readonly url: string;
  /** The action's headers and the body's content type; per-attempt headers are added at send. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ForwardBody;
}

const METHOD = /^[A-Za-z]+$/;
// RFC 9110 token characters: anything else cannot be a header name.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BODILESS = new Set(['GET', 'HEAD']);

const schema = Type.Object({
  forward: Type.String({
    description:
      'The URL to send the event to, http:// or https://. May hold templates; their values are URL-encoded.',
  }),
  method: Type.Optional(Type.String({ default: 'POST', description: 'HTTP method.' })),
  headers: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description: 'Request headers; values are templates. They override User-Agent and X-Hookroute-*.',
    }),
  ),
  body: Type.Optional(
    Type.Unknown({
      description:
        'The JSON body, a structure whose strings may be templates ("{{ id }}" keeps its JSON type). ' +
        'Default: the received body, byte for byte, with its content type.',
    }),
  ),
});

function hasHeader(headers: Readonly<Record<string, string>>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function checkedUrl(text: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new HookrouteError('HR_FORWARD_URL', `forward ${JSON.stringify(source)} rendered ${JSON.stringify(text)}, not an http(s) URL`);
  }
  return url.href;
}

async function renderBody(compiled: ForwardCompiled, event: EventContext): Promise<ForwardBody> {
  if (compiled.body !== undefined) {
    const value = await compiled.body.render(event);
    if (value === undefined) throw new HookrouteError('HR_TEMPLATE_UNDEFINED', 'body renders to nothing for this event');
    return { kind: 'json', value };
  }
  if (BODILESS.has(compiled.method)) return { kind: 'none' };
  return { kind: 'received', bytes: event.raw.body, contentType: event.raw.contentType };
}

function connectionError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; errors?: { code?: string }[]; message?: string } }).cause;
  const code = cause?.code ?? cause?.errors?.find((e) => e.code !== undefined)?.code;
  return code ?? cause?.message ?? (error as Error).message;
}

async function send(rendered: ForwardRendered, attempt: AttemptContext, signal: AbortSignal): Promise<ActionResult> {
  const started = performance.now();
  const headers = new Headers({
    'User-Agent': 'hookroute',
    'X-Hookroute-Delivery': attempt.deliveryId,
    'X-Hookroute-Event': attempt.event,
  });
  for (const [name, value] of Object.entries(rendered.headers)) headers.set(name, value);
  const body = rendered.body;
  const response = await fetch(rendered.url, {
    method: rendered.method,
    headers,
    signal,
    // A redirect is an answer to report, not to follow: following it would turn a POST into a GET.
    redirect: 'manual',
    ...(body.kind === 'json' ? { body: JSON.stringify(body.value) } : {}),
    ...(body.kind === 'received' ? { body: body.bytes } : {}),
  });
  const output = await readCapped(response.body);
  const durationMs = Math.round(performance.now() - started);
  if (response.ok) return { outcome: 'ok', durationMs, status: response.status, output };
  const origin = new URL(rendered.url).origin;
  const location = response.headers.get('location');
  const redirect = location === null ? '' : ` (redirects are not followed; Location: ${location})`;
  return {
    outcome: 'failed',
    durationMs,
    status: response.status,
    output,
    error: `${origin} answered ${response.status} ${response.statusText}${redirect}`.trim(),
  };
}

export const forwardAction: ActionSpec<ForwardRaw, ForwardCompiled, ForwardRendered> = {
  type: 'forward',
  description: 'Sends the event on to another HTTP endpoint; a 2xx answer is success.',
  schema,
  defaultAttempts: 5,
  defaultTimeoutMs: 10_000,

  compile(raw, ctx) {
    const url = ctx.string(['forward'], raw.forward);
    if (url.isLiteral) {
      try {
        checkedUrl(raw.forward, raw.forward);
      } catch {
        ctx.error(['forward'], `${JSON.stringify(raw.forward)} is not an http:// or https:// URL`);
      }
    } else if (!/^https?:\/\//i.test(raw.forward)) {
      // Inserted values are URL-encoded, so they can never supply a scheme or a host.
      ctx.error(['forward'], `${JSON.stringify(raw.forward)} must start with http:// or https:// written out, not a template`);
    }
    const method = (raw.method ?? 'POST').toUpperCase();
    if (!METHOD.test(method)) ctx.error(['method'], `${JSON.stringify(raw.method)} is not an HTTP method (try POST, PUT, PATCH)`);
    if (raw.body !== undefined && BODILESS.has(method)) ctx.error(['body'], `a ${method} request carries no body: remove body or use POST`);
    for (const name of Object.keys(raw.headers ?? {})) {
      if (!HEADER_NAME.test(name)) ctx.error(['headers', name], `${JSON.stringify(name)} is not a valid header name`);
    }
    return {
      url,
      method,
      headers: raw.headers === undefined ? undefined : ctx.textMap(['headers'], raw.headers),
      body: raw.body === undefined ? undefined : ctx.json(['body'], raw.body),
    };
  },

  async render(compiled, event) {
    const url = checkedUrl(await compiled.url.text(event, encodeURIComponent), compiled.url.source);
    const headers = compiled.headers === undefined ? {} : await compiled.headers.render(event);
    for (const [name, value] of Object.entries(headers)) {
      // A payload value must not be able to end a header and start another.
      if (/[\r\n\0]/.test(value)) throw new HookrouteError('HR_TEMPLATE_FAILED', `header ${name}: its value holds a line break or NUL`);
    }
    const body = await renderBody(compiled, event);
    const contentType = body.kind === 'json' ? 'application/json' : body.kind === 'received' ? body.contentType : '';
    if (contentType !== '' && !hasHeader(headers, 'content-type')) headers['Content-Type'] = contentType;
    return { method: compiled.method, url, headers, body };
  },

  async execute(rendered, attempt) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const origin = URL.canParse(rendered.url) ? new URL(rendered.url).origin : rendered.url;
    if (attempt.signal.aborted) return { outcome: 'error', durationMs: 0, error: 'stopped: shutting down' };
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), attempt.timeoutMs);
    try {
      return await send(rendered, attempt, AbortSignal.any([timeout.signal, attempt.signal]));
    } catch (error) {
      if (attempt.signal.aborted) return { outcome: 'error', durationMs: elapsed(), error: 'stopped: shutting down' };
      if (timeout.signal.aborted) {
        return { outcome: 'timeout', durationMs: elapsed(), error: `no complete answer from ${origin} within ${attempt.timeoutMs} ms` };
      }
      return { outcome: 'error', durationMs: elapsed(), error: `could not reach ${origin}: ${connectionError(error)}` };
    } finally {
      clearTimeout(timer);
    }
  },

  describe(rendered) {
    const body = rendered.body;
    return {
      method: rendered.method,
      url: rendered.url,
      headers: rendered.headers,
      ...(body.kind === 'json' ? { body: body.value } : {}),
      ...(body.kind === 'received'
        ? { body: `<received body, ${body.bytes.length} bytes, ${body.contentType === '' ? 'no content type' : body.contentType}>` }
        : {}),
    };
  },
};
