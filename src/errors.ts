// Every error a user can see, in one registry: a stable code (tests assert codes, not wording),
// the HTTP status where one applies, and a hint saying what would be right.
// Modelled on fastify's lib/errors.js.

export interface ErrorSpec {
  readonly status?: number;
  readonly hint?: string;
}

export const ERRORS = {
  // Requests (public listener)
  HR_BODY_NOT_JSON: { status: 400, hint: 'send a JSON object such as {"evento": "teste", "dados": {...}}' },
  HR_BODY_NOT_OBJECT: { status: 400, hint: 'the body must be a JSON object, not a list or a bare value' },
  HR_NO_EVENT_NAME: { status: 400, hint: 'name the event in "evento" (or "event"), or set the endpoint\'s envelope.event' },
  HR_ENVELOPE_FAILED: { status: 400, hint: "check the endpoint's envelope expressions against what the sender sends" },
  HR_FORM_NO_PAYLOAD: { status: 400, hint: 'a form-encoded body must carry the JSON in a "payload" field' },
  HR_UNSUPPORTED_MEDIA_TYPE: { status: 415, hint: 'send Content-Type: application/json (or form-encoded with payload=)' },
  HR_BODY_TOO_LARGE: { status: 413, hint: 'raise server.bodyLimit in the routes file if such bodies are expected' },
  HR_UNKNOWN_ENDPOINT: { status: 404, hint: 'POST to one of the endpoints the routes file declares' },
  HR_UNAUTHORIZED: { status: 401 },
  HR_FORBIDDEN: { status: 403 },
  HR_RATE_LIMITED: { status: 429 },
  HR_UNAVAILABLE: { status: 503, hint: 'the sender should retry: nothing was accepted' },
  HR_DELIVERY_NOT_FOUND: { status: 404, hint: 'list deliveries with `hookroute deliveries`' },

  // Routes file
  HR_CONFIG_READ: { hint: 'check the path and its permissions' },
  HR_CONFIG_YAML: { hint: 'fix the YAML syntax' },
  HR_CONFIG_INVALID: {},
  HR_CONFIG_UNKNOWN_KEY: {},
  HR_CONFIG_ENV_MISSING: { hint: 'export the variable, or give a default: ${NAME:-default}' },
  HR_CONFIG_EXPRESSION: { hint: 'see https://docs.jsonata.org for the expression syntax' },
  HR_CONFIG_DURATION: { hint: 'write a duration such as 500ms, 30s, 5m, 2h or 7d' },
  HR_CONFIG_SIZE: { hint: 'write a size such as 512kb, 1mb or 10mb' },
  HR_CONFIG_NOT_SUPPORTED: {},

  // Actions at run time
  HR_TEMPLATE_UNDEFINED: { hint: 'give a default in the template: {{ field ?: "default" }}, or guard the route with `when`' },
  HR_TEMPLATE_FAILED: {},
  HR_PATH_ESCAPES: { hint: "a templated path must stay inside the routes file's folder" },
  HR_ACTION_TIMEOUT: { hint: 'raise the action\'s timeout, or make the work faster' },
  HR_FORWARD_URL: { hint: 'a forward URL must be absolute and start with http:// or https://' },

  // Command line
  HR_CLI_USAGE: { hint: 'run `hookroute --help`' },
  HR_ADMIN_UNREACHABLE: { hint: 'is `hookroute serve` running? Pass --admin URL if its admin listener is elsewhere' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class HookrouteError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HookrouteError';
    this.code = code;
    const spec: ErrorSpec = ERRORS[code];
    this.status = spec.status;
    this.hint = options?.hint ?? spec.hint;
  }

  /** The message with its hint, as a user reads it. */
  get detail(): string {
    return this.hint === undefined ? this.message : `${this.message} (${this.hint})`;
  }
}

export function isHookrouteError(value: unknown, code?: ErrorCode): value is HookrouteError {
  return value instanceof HookrouteError && (code === undefined || value.code === code);
}
