import type { EventContext } from '../template/expression.js';
import { parseBody } from '../http/parse-body.js';
import type { StoredDelivery } from '../journal/types.js';

export interface EventFields {
  readonly id: string;
  readonly event: string;
  readonly endpoint: string;
  readonly receivedAt: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly data: unknown;
  readonly rawBody: Buffer;
  readonly contentType: string;
}

export function eventContext(f: EventFields): EventContext {
  return {
    data: f.data,
    bindings: {
      event: f.event,
      id: f.id,
      headers: f.headers,
      query: f.query,
      body: f.body,
      received: new Date(f.receivedAt).toISOString(),
      endpoint: f.endpoint,
    },
    raw: { body: f.rawBody, contentType: f.contentType },
  };
}

/** The context of a delivery read back from the journal (after a restart or for a replay). */
export function storedEventContext(d: StoredDelivery): EventContext {
  let body: unknown;
  try {
    body = parseBody(d.body, d.contentType);
  } catch {
    body = undefined;
  }
  return eventContext({ ...d, rawBody: d.body, body });
}
