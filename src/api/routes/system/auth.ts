/**
 * Signing in and out, who am I, one's own password and API tokens:
 * - POST /api/auth/login (public) checks login and password and sets the session cookie
 *   (http-only, SameSite=Strict, Secure over HTTPS); 401 for a wrong login or password alike, 429
 *   with Retry-After when the login is locked (5 failures in 15 min lock it for 15 min, across
 *   processes) or when this client address failed too often (in memory, per process);
 * - POST /api/auth/logout (public) ends the session of the cookie sent, if any, and clears it;
 * - GET /api/auth/me, POST /api/auth/password, and GET/POST/DELETE /api/auth/tokens: any signed-in user.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  AuthError,
  changePassword,
  createApiToken,
  endSession,
  findUserById,
  listApiTokens,
  login,
  LoginRefusedError,
  PASSWORD_MIN_LENGTH,
  revokeApiToken,
  ROLE_PERMISSIONS,
} from '../../../auth';
import { readCookie, SESSION_COOKIE, sessionCookie } from '../../plugins/auth';
import { apiErrors, idParams, text } from '../../schema-types';
import { apiTokenSchema, sendAuthError, userView, userViewSchema } from './user-views';
import { userRoutes } from './users';

/**
 * Failed logins per client address, in this process's memory: a client that sprays passwords over
 * many logins is answered 429 before any password is checked, whatever the logins' own lockout says.
 */
export class AddressThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly maxFailures = 20,
    readonly windowMs = 15 * 60_000,
    private readonly maxAddresses = 10_000,
  ) {}

  private recent(address: string, now: number): number[] {
    const kept = (this.failures.get(address) ?? []).filter((t) => now - t < this.windowMs);
    if (kept.length) this.failures.set(address, kept);
    else this.failures.delete(address);
    return kept;
  }

  /** Seconds the address must wait, or 0. */
  retryAfter(address: string, now = Date.now()): number {
    const recent = this.recent(address, now);
    if (recent.length < this.maxFailures) return 0;
    return Math.ceil((recent[recent.length - this.maxFailures] + this.windowMs - now) / 1000);
  }

  fail(address: string, now = Date.now()): void {
    if (this.failures.size >= this.maxAddresses && !this.failures.has(address)) {
      // Forget the address that failed longest ago rather than grow without bound.
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    const recent = this.recent(address, now);
    // Re-inserted, so the map stays ordered by last failure and the first key is the stalest.
    this.failures.delete(address);
    this.failures.set(address, [...recent, now]);
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }
}

const tokenParams = idParams;
const errors = apiErrors(401, 403, 404, 422, 429);
const passwordSchema = text(200, 1);

export interface AuthRouteOptions {
  /** Failed logins one address may make in 15 minutes; default 20. */
  failuresPerAddress?: number;
}

function principalOf(request: FastifyRequest) {
  if (!request.auth) throw new AuthError('sign in first', 401, 'unauthorized');
  return request.auth.principal;
}

export const authRoutes: FastifyPluginAsync<AuthRouteOptions> = async (app, options) => {
  const tags = ['auth'];
  const throttle = new AddressThrottle(options.failuresPerAddress ?? 20);
  app.addSchema(userViewSchema);
  app.addSchema(apiTokenSchema);

  app.post<{ Body: { login: string; password: string } }>(
    '/api/auth/login',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Sign in: sets the session cookie (http-only, SameSite=Strict) for the browser',
        body: {
          type: 'object',
          required: ['login', 'password'],
          properties: { login: text(100, 1), password: passwordSchema },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              user: { $ref: 'User#' },
              expiresAt: { type: 'string', format: 'date-time' },
            },
          },
          401: { $ref: 'ApiError#' },
          429: { $ref: 'ApiError#' },
        },
      },
    },
    async (request, reply) => {
      const address = request.ip;
      const wait = throttle.retryAfter(address);
      if (wait)
        return reply
          .code(429)
          .header('retry-after', String(wait))
          .send({
            error: 'too_many_requests',
            message: `too many failed logins from this address: try again in ${wait} s`,
          });
      try {
        const result = await login(app.database, { ...request.body, address });
        throttle.succeed(address);
        reply.header(
          'set-cookie',
          // Whole seconds, rounded up: a slow login does not make a 12-hour session's cookie 43199 s.
          sessionCookie(
            request,
            result.sessionSecret,
            Math.ceil((result.expiresAt.getTime() - Date.now()) / 1000),
          ),
        );
        reply.header('cache-control', 'no-store');
        return { user: userView(result.user), expiresAt: result.expiresAt };
      } catch (error) {
        if (error instanceof LoginRefusedError && error.reason === 'invalid') throttle.fail(address);
        return sendAuthError(reply, error);
      }
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Sign out: ends the session of the cookie sent and clears the cookie',
        response: { 204: { description: 'Signed out (also when no session was sent)', type: 'null' } },
      },
    },
    async (request, reply) => {
      const secret = readCookie(request, SESSION_COOKIE);
      if (secret) await endSession(app.database, secret);
      reply.header('set-cookie', sessionCookie(request, null, 0));
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags,
        summary: 'Who is signed in: the user, their role, its permissions and the scope of data they see',
        response: {
          200: {
            type: 'object',
            properties: {
              user: { $ref: 'User#' },
              via: { type: 'string', enum: ['session', 'token'] },
              permissions: { type: 'array', items: { type: 'string' } },
              scope: {
                type: 'string',
                enum: ['all', 'units', 'consultant'],
                description: 'all; units: a manager’s unit and its sub-units; consultant: self and downline',
              },
            },
          },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = await findUserById(app.database, principal.userId);
      if (!user) throw new AuthError('the user is gone', 401, 'unauthorized');
      return {
        user: userView(user),
        via: principal.via,
        permissions: ROLE_PERMISSIONS[principal.role],
        scope: request.auth!.scope.kind,
      };
    },
  );

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/auth/password',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags,
        summary: `Change one's own password (the current one required; at least ${PASSWORD_MIN_LENGTH} characters); other sessions end`,
        body: {
          type: 'object',
          required: ['currentPassword', 'newPassword'],
          properties: { currentPassword: passwordSchema, newPassword: passwordSchema },
        },
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      try {
        await changePassword(
          app.database,
          principal.userId,
          request.body.currentPassword,
          request.body.newPassword,
          {
            keepSessionId: principal.via === 'session' ? principal.credentialId : null,
            address: request.ip,
          },
        );
      } catch (error) {
        return sendAuthError(reply, error);
      }
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/auth/tokens',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags,
        summary: "One's own API tokens (never the tokens themselves)",
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'ApiToken#' } } } },
        },
      },
    },
    async (request) => ({ items: await listApiTokens(app.database, principalOf(request).login) }),
  );

  app.post<{ Body: { name: string } }>(
    '/api/auth/tokens',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags,
        summary:
          'Create an API token for oneself, for a program to send as `Authorization: Bearer …`: the token is in this answer only',
        body: { type: 'object', required: ['name'], properties: { name: text(100, 1) } },
        response: { 201: { $ref: 'ApiToken#' }, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      try {
        const token = await createApiToken(app.database, principal.login, request.body.name, principal.login);
        return reply.code(201).header('cache-control', 'no-store').send(token);
      } catch (error) {
        return sendAuthError(reply, error);
      }
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/auth/tokens/:id',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags,
        summary: 'Revoke one of one’s own API tokens',
        params: tokenParams,
        response: { 200: { $ref: 'ApiToken#' }, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      try {
        return await revokeApiToken(app.database, principal.login, request.params.id, principal.login);
      } catch (error) {
        return sendAuthError(reply, error);
      }
    },
  );

  // The administrators' routes share the User and ApiToken schemas.
  await app.register(userRoutes);
};
