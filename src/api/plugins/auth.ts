/**
 * Authentication and roles, enforced on the server for every route.
 *
 * - Every route declares what it needs as `config: { permission }` (src/auth/roles.ts: 'public',
 *   'authenticated', or a permission such as 'acts.read'). A route without a declaration stops the
 *   app from starting (onRoute). A plugin context may declare a default for the routes it registers
 *   (`declareRoutesPublic`), which is how the API reference's own pages are public.
 * - A request proves who it is with a browser session cookie (`ecspert_session`, from
 *   POST /api/auth/login) or a program's API token (`Authorization: Bearer ecs_…`). On a route that
 *   is not public, none or an unknown one answers 401 with `WWW-Authenticate`; a role without the
 *   route's permission answers 403. This runs as the request arrives (onRequest, after the
 *   cross-site guard and the database check), so nobody unknown has a body parsed or validated.
 * - The caller is on `request.auth`: the principal, the data scope of the role (all / units /
 *   consultant) and `visible()`, the consultants that scope sees as of today (null: everyone).
 * - Cross-site request forgery: the session cookie is SameSite=Strict (a browser does not send it
 *   with a request another site starts), and the cross-site guard (cross-site.ts) refuses
 *   state-changing requests from other origins and any body that is not JSON.
 * - The OpenAPI document declares both schemes (cookieAuth, bearerAuth) and, per operation, the
 *   security it needs, its permission (`x-permission`) and the roles that hold it (`x-roles`, and in
 *   the description); public operations have `security: []`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  type DataScope,
  isRoutePermission,
  type Principal,
  resolveApiToken,
  resolveSession,
  ROLES,
  roleAllows,
  type RoutePermission,
  scopeOf,
  visibleConsultants,
  type VisibleConsultants,
} from '../../auth';
import type { ApiErrorBody } from '../errors';
import { actorSchema } from '../schema-types';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a caller needs to use this route (src/auth/roles.ts); every route must say. */
    permission?: RoutePermission;
  }
  interface FastifyRequest {
    /** Who is calling; null on a public route. */
    auth: RequestAuth | null;
  }
}

export interface RequestAuth {
  principal: Principal;
  scope: DataScope;
  /** The consultants the caller's scope sees as of today; null when it sees everyone. Memoised. */
  visible(): Promise<VisibleConsultants | null>;
}

/** Turns a request into a principal, or null when it proves nobody. */
export type Authenticator = (request: FastifyRequest, app: FastifyInstance) => Promise<Principal | null>;

export const SESSION_COOKIE = 'ecspert_session';
export const SECURITY_SCHEMES = {
  cookieAuth: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'A browser session: POST /api/auth/login sets the cookie (http-only, SameSite=Strict)',
  },
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (`ecs_…`) a user or an administrator created; shown once when created',
  },
} as const;
const SIGNED_IN_SECURITY = [{ cookieAuth: [] }, { bearerAuth: [] }];
const WWW_AUTHENTICATE = 'Bearer realm="eCSpert hub"';

const DEFAULT_PERMISSION = Symbol.for('ecspert.defaultRoutePermission');

/** Routes registered in this context (and its children) without a declaration of their own are public. */
export function declareRoutesPublic(context: FastifyInstance): void {
  (context as unknown as Record<symbol, RoutePermission>)[DEFAULT_PERMISSION] = 'public';
}

/** The value of one cookie of the request, or null. */
export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return null;
    }
  }
  return null;
}

/** The Set-Cookie of the session: http-only, SameSite=Strict, Secure when the request came over HTTPS. */
export function sessionCookie(request: FastifyRequest, secret: string | null, maxAgeSeconds: number): string {
  return [
    `${SESSION_COOKIE}=${secret ?? ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${secret === null ? 0 : Math.max(0, Math.round(maxAgeSeconds))}`,
    ...(request.protocol === 'https' ? ['Secure'] : []),
  ].join('; ');
}

/** Bearer token, else session cookie: sessions and tokens of src/auth in `app.database`. */
export const databaseAuthenticator: Authenticator = async (request, app) => {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? resolveApiToken(app.database, match[1]) : null;
  }
  const session = readCookie(request, SESSION_COOKIE);
  return session ? resolveSession(app.database, session) : null;
};

function refuse(reply: FastifyReply, statusCode: 401 | 403, message: string): FastifyReply {
  const body: ApiErrorBody = { error: statusCode === 401 ? 'unauthorized' : 'forbidden', message };
  if (statusCode === 401) reply.header('www-authenticate', WWW_AUTHENTICATE);
  return reply.code(statusCode).send(body);
}

export interface AuthPluginOptions {
  authenticate?: Authenticator;
}

/** The properties of a body schema that name its author (declared with actorSchema). */
function actorFields(properties: Record<string, unknown>): string[] {
  return Object.entries(properties)
    .filter(([, schema]) => schema === actorSchema)
    .map(([name]) => name);
}

/** The onRoute check: registered before any route, so that every route meets it. */
export function installRouteDeclarations(app: FastifyInstance): void {
  app.addHook('onRoute', function (this: FastifyInstance, route) {
    const declared = route.config?.permission;
    const fallback = (this as unknown as Record<symbol, RoutePermission | undefined>)[DEFAULT_PERMISSION];
    const permission = declared ?? fallback;
    const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
    if (permission === undefined)
      throw new Error(
        `route ${methods} ${route.url} declares no permission: add config: { permission: '…' } (src/auth/roles.ts)`,
      );
    if (!isRoutePermission(permission))
      throw new Error(`route ${methods} ${route.url} declares an unknown permission '${String(permission)}'`);
    route.config = { ...route.config, permission };
    const schema = (route.schema ??= {}) as Record<string, unknown>;
    // An author field is filled in from the session (see the preHandler below): a client need not send it.
    const body = schema.body as { properties?: Record<string, unknown>; required?: string[] } | undefined;
    if (permission !== 'public' && body?.properties && Array.isArray(body.required)) {
      const authors = new Set(actorFields(body.properties));
      if (body.required.some((name) => authors.has(name)))
        schema.body = { ...body, required: body.required.filter((name) => !authors.has(name)) };
    }
    schema.security = permission === 'public' ? [] : SIGNED_IN_SECURITY;
    schema['x-permission'] = permission;
    const roles = ROLES.filter((role) => roleAllows(role, permission));
    if (permission !== 'public') schema['x-roles'] = roles;
    const who =
      permission === 'public'
        ? 'Public: no login needed.'
        : permission === 'authenticated'
          ? 'Any signed-in user.'
          : `Permission \`${permission}\`: ${roles.join(', ')}.`;
    if (!String(schema.description ?? '').includes(who))
      schema.description = schema.description ? `${String(schema.description)}\n\n${who}` : who;
  });
}

/** Who is calling, and whether they may: 401 / 403 before anything else of the request is read. */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, options) => {
    const authenticate = options.authenticate ?? databaseAuthenticator;
    app.decorateRequest('auth', null);

    app.addHook('onRequest', async (request, reply) => {
      // An unknown route answers 404 whoever asks.
      if (request.is404) return;
      const permission = request.routeOptions.config.permission;
      if (permission === 'public') return;
      const principal = await authenticate(request, app);
      if (!principal)
        return refuse(
          reply,
          401,
          request.headers.authorization !== undefined
            ? 'the API token is not valid (unknown, revoked, or its user is disabled)'
            : 'sign in first: POST /api/auth/login, or send Authorization: Bearer <API token>',
        );
      // A route without a declaration cannot exist (installRouteDeclarations); refuse anyway if one did.
      if (permission === undefined || !roleAllows(principal.role, permission))
        return refuse(
          reply,
          403,
          `the role ${principal.role} may not do this (it needs ${permission ?? 'a permission'})`,
        );
      const scope = scopeOf(principal);
      let visible: Promise<VisibleConsultants | null> | null = null;
      request.auth = {
        principal,
        scope,
        visible: () =>
          (visible ??= visibleConsultants(app.database, scope, undefined, principal.networkGeneration)),
      };
    });

    // Who made a change is who is signed in: a body's author field (recordedBy, postedBy, by, …:
    // every property declared with actorSchema) is set to the caller's login, whatever was sent and
    // also when it was left out (the schemas do not require it), so the audit log never carries a
    // name a client made up. No request names an approver: a change inside a closed period is kept
    // as a change request, and a second signed-in user approves it (back-office/periods/approvals.ts).
    app.addHook('preHandler', async (request) => {
      if (!request.auth) return;
      const properties = (
        request.routeOptions.schema?.body as { properties?: Record<string, unknown> } | undefined
      )?.properties;
      if (!properties) return;
      const authors = actorFields(properties);
      if (!authors.length) return;
      if (request.body === undefined || request.body === null) request.body = {};
      if (typeof request.body !== 'object' || Array.isArray(request.body)) return;
      const body = request.body as Record<string, unknown>;
      for (const name of authors) body[name] = request.auth.principal.login;
    });
  },
  { name: 'ecspert-auth', fastify: '5.x' },
);
