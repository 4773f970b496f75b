/** How the API shows users and API tokens, and the users module's refusals in the one error shape. */
import type { FastifyReply } from 'fastify';
import { AuthError, LoginRefusedError, type User } from '../../../auth';

export const userViewSchema = {
  $id: 'User',
  type: 'object',
  properties: {
    login: { type: 'string' },
    displayName: { type: 'string' },
    role: { type: 'string', enum: ['administrator', 'integration', 'back_office', 'manager', 'consultant'] },
    consultantCode: { type: ['string', 'null'], description: 'The consultant a consultant login reads as' },
    unitCode: { type: ['string', 'null'], description: 'The unit a manager reads (with its sub-units)' },
    disabled: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    updatedAt: { type: 'string', format: 'date-time' },
    updatedBy: { type: 'string' },
  },
} as const;

export const apiTokenSchema = {
  $id: 'ApiToken',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    hint: { type: 'string', description: 'The first characters of the token' },
    token: { type: 'string', description: 'The token itself: only in the answer that created it' },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
    revokedBy: { type: ['string', 'null'] },
  },
} as const;

export function userView(user: User) {
  return {
    login: user.login,
    displayName: user.displayName,
    role: user.role,
    consultantCode: user.consultantCode,
    unitCode: user.unitCode,
    disabled: user.disabled,
    createdAt: user.createdAt,
    createdBy: user.createdBy,
    updatedAt: user.updatedAt,
    updatedBy: user.updatedBy,
  };
}

/** Answers a refusal of the users module in the one error shape (429 with Retry-After). */
export function sendAuthError(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof AuthError)) throw error;
  if (error instanceof LoginRefusedError && error.retryAfterSeconds)
    reply.header('retry-after', String(error.retryAfterSeconds));
  if (error.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="eCSpert hub"');
  return reply.code(error.statusCode).send({ error: error.code, message: error.message });
}
