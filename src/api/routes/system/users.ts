/**
 * Users, for administrators (permission 'users.admin'): list, create (a password generated when
 * none is given, answered once), disable and enable, reset a password, and a user's API tokens.
 * Every change is audited with the administrator's login.
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  createApiToken,
  createUser,
  listApiTokens,
  listUsers,
  findUser,
  PASSWORD_MIN_LENGTH,
  resetPassword,
  revokeApiToken,
  setUserDisabled,
} from '../../../auth';
import { apiErrors, codeSchema, idSchema, text } from '../../schema-types';
import { sendAuthError, userView } from './user-views';

const tags = ['auth'];
const config = { permission: 'users.admin' } as const;
const loginParams = {
  type: 'object',
  required: ['login'],
  additionalProperties: false,
  properties: { login: text(100, 1) },
} as const;
const errors = apiErrors(404, 409, 422);
const passwordAnswer = {
  type: 'object',
  properties: {
    user: { $ref: 'User#' },
    password: { type: 'string', description: 'Shown this once: hand it to the user' },
  },
} as const;

export const userRoutes: FastifyPluginAsync = async (app) => {
  const actor = (request: { auth: { principal: { login: string } } | null }) =>
    request.auth?.principal.login ?? 'unknown';

  app.get(
    '/api/users',
    {
      config,
      schema: {
        tags,
        summary: 'Every user with their role, ordered by login',
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'User#' } } } },
        },
      },
    },
    async () => ({ items: (await listUsers(app.database)).map(userView) }),
  );

  app.post<{
    Body: {
      login: string;
      role: string;
      displayName?: string;
      consultantCode?: string;
      unitCode?: string;
      password?: string;
    };
  }>(
    '/api/users',
    {
      config,
      schema: {
        tags,
        summary:
          'Create a user: a consultant login names its consultant, a manager login its unit; without a password one is generated and answered once',
        body: {
          type: 'object',
          required: ['login', 'role'],
          properties: {
            login: text(100, 1),
            role: {
              type: 'string',
              enum: ['administrator', 'integration', 'back_office', 'manager', 'consultant'],
            },
            displayName: text(300, 1),
            consultantCode: codeSchema,
            unitCode: codeSchema,
            password: { ...text(200, PASSWORD_MIN_LENGTH) },
          },
        },
        response: { 201: passwordAnswer, ...errors },
      },
    },
    async (request, reply) => {
      try {
        const created = await createUser(app.database, request.body, actor(request));
        return reply
          .code(201)
          .header('cache-control', 'no-store')
          .send({ user: userView(created.user), password: created.generated ? created.password : undefined });
      } catch (error) {
        return sendAuthError(reply, error);
      }
    },
  );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post<{ Params: { login: string } }>(
      `/api/users/:login/${verb}`,
      {
        config,
        schema: {
          tags,
          summary: disabled
            ? 'Disable a user: their sessions end and their tokens stop working'
            : 'Enable a disabled user again',
          params: loginParams,
          response: { 200: { $ref: 'User#' }, ...errors },
        },
      },
      async (request, reply) => {
        try {
          if (disabled && request.params.login.toLowerCase() === actor(request))
            return reply
              .code(409)
              .send({ error: 'conflict', message: 'an administrator does not disable themselves' });
          return userView(
            await setUserDisabled(app.database, request.params.login, disabled, actor(request)),
          );
        } catch (error) {
          return sendAuthError(reply, error);
        }
      },
    );
  }

  app.post<{ Params: { login: string }; Body: { password?: string } }>(
    '/api/users/:login/reset-password',
    {
      config,
      schema: {
        tags,
        summary: "Set a user's password (generated when none is given, answered once); their sessions end",
        params: loginParams,
        body: { type: 'object', properties: { password: text(200, PASSWORD_MIN_LENGTH) } },
        response: { 200: passwordAnswer, ...errors },
      },
    },
    async (request, reply) => {
      try {
        const result = await resetPassword(
          app.database,
          request.params.login,
          actor(request),
          request.body?.password,
        );
        reply.header('cache-control', 'no-store');
        return { user: userView(result.user), password: result.generated ? result.password : undefined };
      } catch (error) {
        return sendAuthError(reply, error);
      }
    },
  );

  app.get<{ Params: { login: string } }>(
    '/api/users/:login/tokens',
    {
      config,
      schema: {
        tags,
        summary: "A user's API tokens (never the tokens themselves)",
        params: loginParams,
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'ApiToken#' } } } },
          404: { $ref: 'ApiError#' },
        },
      },
    },
    async (request, reply) => {
      if (!(await findUser(app.database, request.params.login)))
        return reply.code(404).send({ error: 'not_found', message: `no user ${request.params.login}` });
      return { items: await listApiTokens(app.database, request.params.login) };
    },
  );

  app.post<{ Params: { login: string }; Body: { name: string } }>(
    '/api/users/:login/tokens',
    {
      config,
      schema: {
        tags,
        summary:
          'Create an API token for a user (a program acting as them): the token is in this answer only',
        params: loginParams,
        body: { type: 'object', required: ['name'], properties: { name: text(100, 1) } },
        response: { 201: { $ref: 'ApiToken#' }, ...errors },
      },
    },
    async (request, reply) => {
      try {
        const token = await createApiToken(
          app.database,
          request.params.login,
          request.body.name,
          actor(request),
        );
        return reply.code(201).header('cache-control', 'no-store').send(token);
      } catch (error) {
        return sendAuthError(reply, error);
      }
    },
  );

  app.delete<{ Params: { login: string; id: number } }>(
    '/api/users/:login/tokens/:id',
    {
      config,
      schema: {
        tags,
        summary: "Revoke a user's API token",
        params: {
          type: 'object',
          required: ['login', 'id'],
          additionalProperties: false,
          properties: { login: text(100, 1), id: idSchema },
        },
        response: { 200: { $ref: 'ApiToken#' }, ...errors },
      },
    },
    async (request, reply) => {
      try {
        return await revokeApiToken(app.database, request.params.login, request.params.id, actor(request));
      } catch (error) {
        return sendAuthError(reply, error);
      }
    },
  );
};
