import { HookrouteError } from '../errors.js';

// Bodies are parsed by us, from the raw bytes we keep for signatures, and again from the journal
// after a restart: one function, so both paths read a body the same way.

export type BodyKind = 'json' | 'form';

export function bodyKind(contentType: string): BodyKind | undefined {
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/json' || type === 'text/json' || (type.startsWith('application/') && type.endsWith('+json'))) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return undefined;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HookrouteError('HR_BODY_NOT_JSON', `${where} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * JSON as is; a form-encoded body carries its JSON in `payload=` (GitHub's and Slack's form
 * option); a form without `payload` (a Slack slash command) becomes an object of its fields.
 */
export function parseBody(raw: Buffer, contentType: string): unknown {
  const kind = bodyKind(contentType);
  if (kind === undefined) {
    throw new HookrouteError('HR_UNSUPPORTED_MEDIA_TYPE', `content type ${JSON.stringify(contentType || '(none)')} is not accepted`);
  }
  const text = raw.toString('utf8');
  if (kind === 'json') {
    if (text.trim() === '') throw new HookrouteError('HR_BODY_NOT_JSON', 'the body is empty');
    return parseJson(text, 'the body');
  }
  const form = new URLSearchParams(text);
  const payload = form.get('payload');
  if (payload !== null) return parseJson(payload, 'the form field "payload"');
  return Object.fromEntries(form);
}
