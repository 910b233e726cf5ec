import jsonata from 'jsonata';
import { HookrouteError } from '../errors.js';

/** What an expression or template sees: the event's data as `$`, and the bound variables. */
export interface EventContext {
  readonly data: unknown;
  readonly bindings: EventBindings;
  /** The request body exactly as received, for actions that pass it on unchanged. */
  readonly raw: RawRequest;
}

export interface RawRequest {
  readonly body: Buffer;
  readonly contentType: string;
}

export interface EventBindings {
  readonly event: string;
  readonly id: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly received: string;
  readonly endpoint: string;
}

/** A JSONata expression compiled once, when the routes file loads. */
export interface Expression {
  readonly source: string;
  evaluate(input: unknown, bindings: object): Promise<unknown>;
}

/** A JSONata syntax error, with the character offset (0-based) inside the expression. */
export class ExpressionSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ExpressionSyntaxError';
    this.offset = offset;
  }
}

interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

// JSONata throws plain objects, not Errors; keep its message and where it happened.
function describeFailure(failure: unknown): { message: string; position: number | undefined } {
  if (failure !== null && typeof failure === 'object') {
    const f = failure as JsonataFailure;
    const message = f.message ?? String(failure);
    return { message: f.code === undefined ? message : `${message} [${f.code}]`, position: f.position };
  }
  return { message: String(failure), position: undefined };
}

export function compileExpression(source: string): Expression {
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source);
  } catch (failure) {
    const { message, position } = describeFailure(failure);
    // JSONata's position points just past the offending token.
    throw new ExpressionSyntaxError(message, Math.max(0, (position ?? 1) - 1));
  }
  return {
    source,
    async evaluate(input, bindings) {
      try {
        return await compiled.evaluate(input, bindings as Record<string, unknown>);
      } catch (failure) {
        const { message } = describeFailure(failure);
        throw new HookrouteError('HR_TEMPLATE_FAILED', `expression ${JSON.stringify(source)} failed: ${message}`);
      }
    },
  };
}

export function evaluateIn(expression: Expression, ctx: EventContext): Promise<unknown> {
  return expression.evaluate(ctx.data, ctx.bindings);
}

/** JSONata's notion of truth, as `when` uses it: the boolean cast of the result. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  if (Array.isArray(value)) return value.some(isTruthy);
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
