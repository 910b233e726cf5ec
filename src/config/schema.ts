import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import type { ActionSpec } from '../actions/types.js';

// The routes file's shape, written once: the validator and the editor's JSON Schema
// (schema/routes.schema.json) are both made from these definitions and the action specs.
// `x-expects` says, for a union, what a person should write; the validator uses it as the message.

const duration = (description: string, example = '30s'): TSchema =>
  Type.String({ description, examples: [example], 'x-expects': `a duration such as ${example}, 500ms, 5m` });

const stringOrList = (description: string): TSchema =>
  Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 })], {
    description,
    'x-expects': 'a string or a list of strings',
  });

const closed = { additionalProperties: false } as const;

/** A closed map whose keys are optional but for `required`. */
function obj(properties: Record<string, TSchema>, required: readonly string[], options: Record<string, unknown> = {}): TObject {
  const props: Record<string, TSchema> = {};
  for (const [key, schema] of Object.entries(properties)) props[key] = required.includes(key) ? schema : Type.Optional(schema);
  return Type.Object(props, { ...closed, ...options });
}

export const retrySchema = obj(
  {
    attempts: Type.Integer({ minimum: 1, maximum: 100, description: 'How many times to try in all (1 = no retry).' }),
    backoff: duration('Delay before the first retry; it doubles each time, with jitter.', '1s'),
    maxDelay: duration('The longest delay between two attempts.', '5m'),
  },
  [], { description: 'Retries with exponential backoff and jitter.' },
);

/** Keys every action has, whatever its type. */
export const commonActionKeys = {
  name: Type.String({ description: 'A name for this action in logs and delivery records.' }),
  timeout: duration('How long one attempt may take before it is stopped.'),
  retry: retrySchema,
};

export function closedActionSchema(spec: ActionSpec): TObject {
  const required = [spec.type, ...(spec.schema.required ?? []).filter((k: string) => k !== spec.type)];
  return obj({ ...spec.schema.properties, ...commonActionKeys }, required, { description: spec.description });
}

const serverSchema = obj(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'Port of the public listener (default 5000; --port and HOOKROUTE_PORT override).' }),
    host: Type.String({ description: 'Address of the public listener (default 0.0.0.0).' }),
    bodyLimit: Type.Union([Type.String(), Type.Integer({ minimum: 1 })], {
      description: 'Largest request body accepted (default 1mb); larger ones are answered 413.',
      'x-expects': 'a size such as 512kb or 1mb',
    }),
    data: Type.String({ description: 'Folder of the journal (default ./data, next to the routes file).' }),
    durability: Type.Union([Type.Literal('normal'), Type.Literal('full')], {
      description: 'normal survives a process crash; full also waits for fsync and survives power loss.',
      'x-expects': 'normal or full',
    }),
    dedupWindow: duration('How long a delivery id is remembered to answer replays as duplicates (default 24h).', '24h'),
    retention: duration('How long finished deliveries are kept (default 7d).', '7d'),
    shutdownTimeout: duration('How long SIGTERM waits for running actions (default 30s).'),
    trustProxy: Type.Union([Type.Boolean(), Type.String(), Type.Array(Type.String()), Type.Integer({ minimum: 0 })], {
      description: 'Trust X-Forwarded-For from these proxies (as Fastify trustProxy): true, a list of addresses/CIDRs, or a hop count.',
      'x-expects': 'true, false, an address, a list of addresses or CIDRs, or a number of hops',
    }),
  },
  [], { description: 'The public listener and the journal.' },
);

const adminSchema = obj(
  {
    host: Type.String({ description: 'Address of the admin listener (default 127.0.0.1).' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'Port of the admin listener (default 5001).' }),
    token: Type.String({ description: 'Bearer token the admin API requires (needed when host is not loopback).' }),
    enabled: Type.Boolean({ description: 'Set false to run without an admin listener.' }),
  },
  [], { description: 'Metrics, health and the deliveries API. Never on the public port.' },
);

export function endpointSchema(schemeNames: readonly string[]): TObject {
  return obj(
    {
      path: Type.String({ pattern: '^/', description: 'URL path the sender POSTs to, such as /webhook.' }),
      respond: Type.Union([Type.Literal('accept'), Type.Literal('wait')], {
        description: 'accept: 202 once journaled (default). wait: answer after the actions ran, with their results.',
        'x-expects': 'accept or wait',
      }),
      waitTimeout: duration('With respond: wait, answer 202 after this long while the work goes on (default 5s).', '5s'),
      envelope: obj(
        {
          event: Type.String({ description: 'JSONata over $body, $headers, $query: the event name.' }),
          data: Type.String({ description: 'JSONata: the event data (root $ of routes).' }),
          id: Type.String({ description: 'JSONata: the delivery id, used to answer replays as duplicates.' }),
        },
        [], { description: 'Where the event name, data and delivery id are in the request.' },
      ),
      token: stringOrList('Shared secret: Authorization: Bearer <token> or X-Webhook-Token: <token>. A list rotates.'),
      verify: Type.Union(schemeNames.map((n) => Type.Literal(n)), {
        description: 'Signature scheme of the sender; also reads that sender\'s envelope.',
        'x-expects': `one of ${schemeNames.join(', ')}`,
      }),
      secret: stringOrList('Signing secret for verify; a list rotates without downtime.'),
      tolerance: duration('For timestamped schemes: how old or new a signature may be (default 5m).', '5m'),
      algorithm: Type.Union([Type.Literal('sha1'), Type.Literal('sha256'), Type.Literal('sha512')], {
        description: 'verify: hmac — the hash (default sha256).',
        'x-expects': 'sha1, sha256 or sha512',
      }),
      header: Type.String({ description: 'verify: hmac — the header carrying the signature.' }),
      encoding: Type.Union([Type.Literal('hex'), Type.Literal('base64')], {
        description: 'verify: hmac — how the signature is written (default hex).',
        'x-expects': 'hex or base64',
      }),
      prefix: Type.String({ description: 'verify: hmac — text before the signature, such as sha256=.' }),
      allow: Type.Array(Type.String(), { description: 'Client addresses allowed, as CIDRs (IPv4 and IPv6).' }),
      rateLimit: obj(
        {
          max: Type.Integer({ minimum: 1, description: 'Requests allowed per client address per window.' }),
          window: duration('The window (default 1m).', '1m'),
        },
        ['max'], { description: 'Rate limit per client address; over it answers 429.' },
      ),
    },
    ['path'], { description: 'An HTTP path that receives webhooks.' },
  );
}

const concurrencySchema = Type.Union(
  [
    Type.Integer({ minimum: 1 }),
    obj(
      {
        limit: Type.Integer({ minimum: 1, description: 'Deliveries of this route (per key) running at once.' }),
        key: Type.String({ description: 'Template: deliveries with the same key value share the limit.' }),
        latest: Type.Boolean({ description: 'When several wait for a key, run only the newest; mark the others superseded.' }),
      },
      ['limit'],
    ),
  ],
  {
    description: 'How many deliveries of this route run at once; 1 serialises them in arrival order.',
    'x-expects': 'a number such as 1, or {limit, key, latest}',
  },
);

function routeSchema(action: TSchema): TObject {
  return obj(
    {
      name: Type.String({ minLength: 1, description: 'A unique name, shown in answers, logs and records.' }),
      event: stringOrList('The event name, a list of names, or a glob such as pedido.* (* matches any).'),
      when: Type.String({ description: 'JSONata filter over the event data; the route fires when it is truthy.' }),
      actions: Type.Array(action, { minItems: 1, description: 'What to do, in order.' }),
      concurrency: concurrencySchema,
      continueOnError: Type.Boolean({ description: "Run later actions even when one fails (default false)." }),
    },
    ['name', 'event', 'actions'], { description: 'When an event matches, run these actions.' },
  );
}

const testSchema = obj(
  {
    name: Type.String({ description: 'What this test checks.' }),
    endpoint: Type.String({ description: 'Endpoint path the sample arrives on (default the first).' }),
    headers: Type.Record(Type.String(), Type.String(), { description: 'Request headers of the sample.' }),
    body: Type.Unknown({ description: 'The sample request body, as the sender sends it.' }),
    event: Type.String({ description: 'Shortcut: the event name (with data, makes the default envelope).' }),
    data: Type.Unknown({ description: 'Shortcut: the event data.' }),
    expect: obj(
      {
        routes: Type.Array(Type.String(), { description: 'Names of the routes that must fire, in order.' }),
        actions: Type.Record(Type.String(), Type.Array(Type.Unknown()), {
          description: 'Per route name: the rendered actions expected (each compared as a subset).',
        }),
      },
      [],
    ),
  },
  ['name', 'expect'], { description: 'A sample event and what it must do (hookroute test).' },
);

export interface SchemaParts {
  readonly actions: readonly ActionSpec[];
  readonly schemeNames: readonly string[];
}

function rootSchema(parts: SchemaParts, action: TSchema): TObject {
  return obj(
    {
      $schema: Type.String(),
      server: serverSchema,
      admin: adminSchema,
      endpoints: Type.Array(endpointSchema(parts.schemeNames), {
        description: 'Where webhooks arrive. Default: POST /webhook, default envelope, no authentication.',
      }),
      routes: Type.Array(routeSchema(action), { description: 'What to do for each event.' }),
      tests: Type.Array(testSchema, { description: 'Sample events and their expected routes (hookroute test).' }),
    },
    ['routes'], { title: 'hookroute routes file' },
  );
}

/**
 * The schema the validator runs first. Actions are only required to be objects here: each is
 * then checked against the schema of its own type, so an error names the right keys.
 */
export function validatorSchema(parts: SchemaParts): TObject {
  return rootSchema(parts, Type.Object({}, { 'x-expects': 'an action: a map with one of run, forward or log' }));
}

/** The schema editors load (schema/routes.schema.json). */
export function editorSchema(parts: SchemaParts): TObject {
  const action = Type.Union(parts.actions.map(closedActionSchema), { description: 'One action.' });
  return rootSchema(parts, action);
}
