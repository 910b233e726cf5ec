import type { CliIo } from './io.js';

// The commands that talk to a running daemon go through its admin listener.

export interface AdminTarget {
  readonly url: string;
  readonly token: string | undefined;
}

export function adminTarget(flag: string | undefined, token: string | undefined, io: CliIo): AdminTarget {
  return {
    url: (flag ?? io.env['HOOKROUTE_ADMIN'] ?? 'http://127.0.0.1:5001').replace(/\/$/, ''),
    token: token ?? io.env['HOOKROUTE_ADMIN_TOKEN'],
  };
}

export class AdminRequestError extends Error {}

export async function adminRequest<T>(target: AdminTarget, method: 'GET' | 'POST', path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, {
      method,
      headers: target.token === undefined ? {} : { authorization: `Bearer ${target.token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new AdminRequestError(`cannot reach the admin listener at ${target.url} (${cause}); is \`hookroute serve\` running? Pass --admin URL if it listens elsewhere`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = { error: text };
  }
  if (!response.ok) {
    const message = (body as { error?: string }).error ?? response.statusText;
    throw new AdminRequestError(`${response.status}: ${message}${response.status === 401 ? ' (pass --admin-token or set HOOKROUTE_ADMIN_TOKEN)' : ''}`);
  }
  return body as T;
}
