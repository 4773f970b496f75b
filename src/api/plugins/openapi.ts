/**
 * OpenAPI from the route schemas: the JSON at /docs/json, Swagger UI at /docs (both public); the
 * security schemes of plugins/auth.ts (session cookie, bearer token), applied per operation there.
 * Shared schemas added with `app.addSchema({ $id })` become named components (e.g. `ApiError`)
 * instead of `def-0`.
 *
 * What this plugin adds to every operation, so that the document tells the truth without each route
 * repeating it (`npm run lint:api` checks the result with Redocly's recommended rules):
 * - an `operationId`: the route's own `schema.operationId`, else one derived from its method and
 *   path (`GET /api/insurers/:code/products` -> `getInsurersByCodeProducts`); the app does not start
 *   when two operations would share one;
 * - the answers every route can give whether it says so or not, in the one error shape: 400 (input
 *   refused: every route's querystring is closed), 401 on a route that is not public, 403 on one that
 *   is not public or changes something (the cross-site guard), 413 on one that takes a body, 415 on
 *   one that changes something (a body that is not JSON), 503 while the database does not answer. A
 *   route's own entry for a status wins. These are added to the document only, never to the route's
 *   serialisation.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifySchema, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { declareRoutesPublic, SECURITY_SCHEMES } from './auth';

export interface OpenApiPluginOptions {
  version: string;
}

type Schema = FastifySchema & Record<string, unknown>;

const HIDDEN_PREFIX = /^\/docs(\/|$)/;
/** The methods the cross-site guard (cross-site.ts) checks. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `GET /api/insurers/:code/products` -> `getInsurersByCodeProducts` (the `/api` prefix dropped). */
export function deriveOperationId(method: string, url: string): string {
  const words = url
    .replace(/^\/api(?=\/|$)/, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const param = /^[:{]([^}]+)}?$/.exec(segment);
      const name = (param ? param[1] : segment).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) =>
        c ? c.toUpperCase() : '',
      );
      const word = name.charAt(0).toUpperCase() + name.slice(1);
      return param ? `By${word}` : word;
    });
  return `${method.toLowerCase()}${words.join('') || 'Root'}`;
}

const ERROR_ANSWERS: Record<string, string> = {
  400: 'The input is refused (an unknown or invalid field, malformed JSON); `details` names each field',
  401: 'Not signed in: no valid session cookie or API token (`WWW-Authenticate` says how)',
  403: 'The role may not do this, or a browser sent the request from another site',
  413: 'The body is larger than the server accepts',
  415: 'The body is not JSON',
  503: 'The database is not answering; nothing was done, try again after `Retry-After` seconds',
};

function methodsOf(route: RouteOptions): string[] {
  return (Array.isArray(route.method) ? route.method : [route.method]).map((m) => String(m).toUpperCase());
}

/** A closed object schema that names no property: the route takes nothing there. */
function takesNothing(schema: unknown): boolean {
  if (!schema || typeof schema !== 'object') return false;
  const s = schema as Record<string, unknown>;
  return (
    s.type === 'object' &&
    s.additionalProperties === false &&
    Object.keys((s.properties as object | undefined) ?? {}).length === 0 &&
    s.$ref === undefined &&
    s.patternProperties === undefined
  );
}

/** The document's view of one route: the default answers added, empty inputs left out. */
export function documentedSchema(route: RouteOptions): Schema {
  const schema: Schema = { ...((route.schema ?? {}) as Schema) };
  if (takesNothing(schema.querystring)) delete schema.querystring;
  const hadBody = schema.body !== undefined && !takesNothing(schema.body);
  if (!hadBody) delete schema.body;
  const isPublic = route.config?.permission === 'public';
  const changes = methodsOf(route).some((m) => STATE_CHANGING.has(m));
  const codes = ['400'];
  if (!isPublic) codes.push('401');
  if (!isPublic || changes) codes.push('403');
  if (hadBody) codes.push('413');
  if (changes) codes.push('415');
  if (!/^\/health(\/|$)/.test(route.url)) codes.push('503');
  const response = { ...((schema.response as Record<string, unknown> | undefined) ?? {}) };
  for (const code of codes)
    if (!(code in response)) response[code] = { description: ERROR_ANSWERS[code], $ref: 'ApiError#' };
  schema.response = response;
  return schema;
}

export const openApiPlugin = fp<OpenApiPluginOptions>(
  async (app, { version }) => {
    // Every operation gets a unique operationId as it is registered (a HEAD route shares its GET's schema).
    const taken = new Map<string, string>();
    app.addHook('onRoute', (route) => {
      if (HIDDEN_PREFIX.test(route.url)) return;
      const methods = methodsOf(route).filter((m) => m !== 'HEAD');
      if (methods.length === 0) return;
      const schema = (route.schema ??= {}) as Schema;
      if ((schema as { hide?: boolean }).hide) return;
      const where = `${methods.join(',')} ${route.url}`;
      if (typeof schema.operationId === 'string') {
        const holder = taken.get(schema.operationId);
        if (holder && holder !== where)
          throw new Error(
            `route ${where} has operationId ${schema.operationId}, which ${holder} has already`,
          );
        taken.set(schema.operationId, where);
        return;
      }
      const base = deriveOperationId(methods[0], route.url);
      let id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
      taken.set(id, where);
      schema.operationId = id;
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'eCSpert hub API',
          version,
          description:
            'Back office of an insurance intermediary around an integration hub that exchanges data with every insurer. ' +
            'List routes page with `page` and `pageSize` and answer `{ items, page, pageSize, total }`; ' +
            'errors answer `{ error, message, details?, requestId? }`. ' +
            'Sign in with POST /api/auth/login (a session cookie) or send an API token as `Authorization: Bearer …`.',
          license: { name: 'Proprietary (UNLICENSED): for the intermediary that runs this hub' },
          contact: { name: 'The operators of this hub' },
        },
        // Relative to where the document is served: the hub that serves it.
        servers: [{ url: '/', description: 'This hub (the server that serves this document)' }],
        components: { securitySchemes: SECURITY_SCHEMES as never },
        tags: [
          { name: 'system', description: 'Health and operation' },
          {
            name: 'auth',
            description:
              'Signing in (a session cookie for browsers), API tokens for programs, users and roles. ' +
              'Every operation says what it needs: `security` (none when public) and `x-permission`.',
          },
          { name: 'core', description: 'Insurers, products and other reference data of the core' },
          {
            name: 'network',
            description: 'Units, consultants, careers and the sponsor tree, as of any date',
          },
          {
            name: 'policies',
            description: 'Persons, applications, policies, payment calendars and premiums',
          },
          {
            name: 'exchange',
            description: 'Messages exchanged with insurers, replays, exchange runs and mismatches',
          },
          {
            name: 'back-office',
            description: 'Production periods, the ledger, corrections, careers, acts, plans and contests',
          },
        ],
      },
      transform: ({ schema, url, route }) => ({
        schema: documentedSchema({ ...route, schema } as RouteOptions) as never,
        url,
      }),
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) =>
          typeof json.$id === 'string' ? json.$id : `def-${i}`,
      },
    });
    // The reference's own pages are public: they document the API, they serve no data.
    await app.register(async (docs) => {
      declareRoutesPublic(docs);
      // No validator badge: Swagger UI would send the document's address to validator.swagger.io.
      await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null } });
    });
  },
  { name: 'ecspert-openapi', fastify: '5.x' },
);
