// A shared token for senders that can only add a header: `Authorization: Bearer <t>` (RFC 6750;
// the scheme name is case-insensitive, RFC 9110 §11.1) or `X-Webhook-Token: <t>`. Several tokens
// rotate like secrets. A token does not cover the body: it proves only who sent it (use TLS).

import { HookrouteError } from '../errors.js';
import { safeEqualAny } from './compare.js';
import { firstHeader } from './request.js';
import { PASS, fail, noMatch } from './result.js';
import type { Verifier } from './types.js';

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/** Load-time problems with a token list (never quoting a token). */
export function checkTokens(tokens: readonly string[]): string[] {
  if (tokens.length === 0) return ['`token` needs a value (one, or a list while rotating)'];
  return tokens.flatMap((t, i) => (t === '' ? [`\`token\` #${i + 1} is empty`] : []));
}

export function createTokenVerifier(tokens: readonly string[]): Verifier {
  const problems = checkTokens(tokens);
  if (problems.length > 0) throw new HookrouteError('HR_CONFIG_INVALID', `token: ${problems.join('; ')}`);
  const expected = [...tokens];
  return (req) => {
    const candidates: string[] = [];
    const authorization = firstHeader(req, 'authorization');
    const bearer = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (bearer !== undefined) candidates.push(bearer);
    const header = firstHeader(req, 'x-webhook-token');
    if (header !== undefined) candidates.push(header);
    if (candidates.length === 0) {
      return fail(
        authorization === undefined
          ? 'missing header authorization (Bearer) or x-webhook-token'
          : 'authorization header is not a Bearer token, and no x-webhook-token',
      );
    }
    return safeEqualAny(candidates, expected) ? PASS : noMatch(expected.length, 'token', 'configured token');
  };
}
