import { HookrouteError } from '../errors.js';
import { compileExpression, evaluateIn, type EventContext, type Expression } from './expression.js';

// A string holding `{{ expr }}` is a template. Templates are parsed and their expressions
// compiled once, at load; rendering only evaluates.

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;

type Part = { readonly literal: string } | { readonly expression: Expression };

/** A template inside a string; `offset` is where the expression starts in that string. */
export interface TemplateSyntaxError {
  readonly message: string;
  readonly offset: number;
}

export class TemplateCompileError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'TemplateCompileError';
    this.offset = offset;
  }
}

export interface StringTemplate {
  readonly source: string;
  /** True when the string holds no `{{ }}` at all. */
  readonly isLiteral: boolean;
  /** True when the whole string is exactly one `{{ expr }}`: it may keep its JSON type. */
  readonly isWhole: boolean;
  /**
   * Renders as text: an undefined value is an error naming the expression. `encode` is applied
   * to each inserted value, not to the literal parts (a URL's values are URL-encoded).
   */
  text(ctx: EventContext, encode?: (value: string) => string): Promise<string>;
  /** Renders for a JSON target: a whole template keeps its type; undefined stays undefined. */
  json(ctx: EventContext): Promise<unknown>;
  /** The expressions in it, in order. */
  readonly expressions: readonly Expression[];
}

export function hasTemplate(source: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(source);
}

function parse(source: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const start = match.index;
    if (start > last) parts.push({ literal: source.slice(last, start) });
    const inner = match[1] ?? '';
    const innerStart = start + 2;
    if (inner.trim() === '') throw new TemplateCompileError('empty template {{ }}: put a JSONata expression inside', innerStart);
    try {
      parts.push({ expression: compileExpression(inner.trim()) });
    } catch (error) {
      const offset = (error as { offset?: number }).offset ?? 0;
      const lead = inner.length - inner.trimStart().length;
      throw new TemplateCompileError(
        `${(error as Error).message} in {{${inner}}}`,
        innerStart + lead + offset,
      );
    }
    last = start + match[0].length;
  }
  if (last < source.length) parts.push({ literal: source.slice(last) });
  const unclosed = source.indexOf('{{', last);
  if (unclosed !== -1) throw new TemplateCompileError('"{{" is never closed by "}}"', unclosed);
  return parts;
}

/** Text of a value for an argument, a header, a URL or an env var: objects as JSON. */
export function toText(value: unknown, expression: Expression): string {
  if (value === undefined || value === null) {
    throw new HookrouteError(
      'HR_TEMPLATE_UNDEFINED',
      `{{ ${expression.source} }} is ${value === null ? 'null' : 'undefined'} for this event, so it cannot become text`,
    );
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') {
    throw new HookrouteError('HR_TEMPLATE_FAILED', `{{ ${expression.source} }} is a function, not a value`);
  }
  return JSON.stringify(value);
}

export function compileString(source: string): StringTemplate {
  const parts = parse(source);
  const expressions = parts.flatMap((p) => ('expression' in p ? [p.expression] : []));
  const isLiteral = expressions.length === 0;
  const only = parts.length === 1 ? parts[0] : undefined;
  const whole = only !== undefined && 'expression' in only ? only.expression : undefined;

  async function text(ctx: EventContext, encode?: (value: string) => string): Promise<string> {
    if (isLiteral) return source;
    let out = '';
    for (const part of parts) {
      if ('literal' in part) out += part.literal;
      else {
        const value = toText(await evaluateIn(part.expression, ctx), part.expression);
        out += encode === undefined ? value : encode(value);
      }
    }
    return out;
  }

  return {
    source,
    isLiteral,
    isWhole: whole !== undefined,
    expressions,
    text,
    async json(ctx) {
      if (whole !== undefined) return normalise(await evaluateIn(whole, ctx));
      return text(ctx);
    },
  };
}

// JSONata results can be sequences (arrays with extra flags) or hold functions; keep plain JSON.
function normalise(value: unknown): unknown {
  if (value === undefined || typeof value === 'function') return undefined;
  if (value === null || typeof value !== 'object') return value;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * A JSON structure whose strings may be templates: a body or a log record. A key whose value
 * renders undefined is left out, as the design says.
 */
export interface JsonTemplate {
  render(ctx: EventContext): Promise<unknown>;
}

export type TemplateVisitor = (template: StringTemplate, path: readonly (string | number)[]) => void;

export function compileJson(value: unknown, onCompiled?: TemplateVisitor, path: (string | number)[] = []): JsonTemplate {
  if (typeof value === 'string') {
    const template = compileString(value);
    onCompiled?.(template, path);
    if (template.isLiteral) return { render: async () => value };
    return { render: (ctx) => template.json(ctx) };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileJson(item, onCompiled, [...path, i]));
    return {
      async render(ctx) {
        const out: unknown[] = [];
        for (const item of items) {
          const rendered = await item.render(ctx);
          out.push(rendered === undefined ? null : rendered);
        }
        return out;
      },
    };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, v]) => [key, compileJson(v, onCompiled, [...path, key])] as const);
    return {
      async render(ctx) {
        const out: Record<string, unknown> = {};
        for (const [key, template] of entries) {
          const rendered = await template.render(ctx);
          if (rendered !== undefined) out[key] = rendered;
        }
        return out;
      },
    };
  }
  return { render: async () => value };
}

/** A map of text templates (headers, env): every value must render. */
export interface TextMapTemplate {
  render(ctx: EventContext): Promise<Record<string, string>>;
}

export function compileTextMap(map: Readonly<Record<string, string>>): TextMapTemplate {
  const entries = Object.entries(map).map(([key, v]) => [key, compileString(v)] as const);
  return {
    async render(ctx) {
      const out: Record<string, string> = {};
      for (const [key, template] of entries) out[key] = await template.text(ctx);
      return out;
    },
  };
}
