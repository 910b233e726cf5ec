import type { FastifyReply } from 'fastify';
import { ERRORS, type ErrorCode, HookrouteError } from '../errors.js';

/** Answers `{"error", "code"}`: what is wrong, and what would be right. */
export function replyError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const spec: { status?: number; hint?: string } = ERRORS[code];
  const error = spec.hint === undefined ? message : `${message} (${spec.hint})`;
  return reply.code(spec.status ?? 500).send({ error, code });
}

export function replyHookrouteError(reply: FastifyReply, error: HookrouteError): FastifyReply {
  return replyError(reply, error.code, error.message);
}
