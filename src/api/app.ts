/**
 * Builds the HTTP API (not listening): security headers (security-headers.ts), plugins for the
 * database and the queue probe, authentication and roles (every route declares its permission;
 * plugins/auth.ts), OpenAPI from the route schemas, one error shape, request ids, then the routes.
 * Other modules add their routes as plugins through `routes`, so this file does not grow with every area.
 *
 * Bodies are JSON of at most BODY_LIMIT_BYTES (413 `payload_too_large` above it, before the body is
 * read); the client's address (`request.ip`, which the login throttle counts) is the socket's peer,
 * or, behind a reverse proxy that ECSPERT_TRUST_PROXY names, what that proxy says in X-Forwarded-For.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '../config';
import type { Database } from '../db';
import { installCrossSiteGuard } from './cross-site';
import { type ApiErrorBody, installErrorHandlers } from './errors';
import { installJsonDepthLimit } from './json-depth';
import { type Authenticator, authPlugin, installRouteDeclarations } from './plugins/auth';
import { serveWebApp, webAppBuilt } from './web-app';
import { databasePlugin } from './plugins/database';
import { openApiPlugin } from './plugins/openapi';
import { queuePlugin } from './plugins/queue';
import type { QueueProbe } from './queue-probe';
import { installSecurityHeaders } from './security-headers';
import { insurerRoutes } from './routes/core/insurers';
import { authRoutes } from './routes/system/auth';
import { healthRoutes } from './routes/system/health';
import { buildValidator, installInputPolicy } from './validation';
import { HUB_VERSION } from './version';

export interface ApiDeps {
  database: Database;
  config: AppConfig;
  logger: Logger;
  queue: QueueProbe;
}

export interface ApiOptions {
  /** Route plugins of other modules, registered after the built-in ones; each sees `app.database`. */
  routes?: FastifyPluginAsync[];
  /** Close the database when the app closes (the server owns it); default false. */
  ownsDatabase?: boolean;
  /** Close the queue probe when the app closes; default false. */
  ownsQueue?: boolean;
  /** The longest /health waits for the database; default 2000 ms. */
  databaseTimeoutMs?: number;
  /**
   * How a request proves who it is; default: the session cookie or API token of src/auth, looked up
   * in the database. Tests without a database give their own.
   */
  authenticate?: Authenticator;
  /** Failed logins one client address may make in 15 minutes before it is answered 429; default 20. */
  loginFailuresPerAddress?: number;
  /**
   * The built web application (web/dist) to serve at `/`; without it, or when it is not built, `/`
   * leads to the API reference.
   */
  webRoot?: string;
}

/**
 * The largest request body, in bytes: 1 MiB, far above any route's largest input (a what-if's plan
 * text, 256 Ki characters) and far below what would tie up a worker.
 */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Incoming ids are kept only when they look like an id, so a client cannot inject text into logs. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export async function buildApi(deps: ApiDeps, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ module: 'api' }),
    // A caller's or proxy's X-Request-Id follows the request through our logs and back in the answer;
    // genReqId reads it itself (requestIdHeader would take any text unchecked).
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // One validator per HTTP part: bodies strict, querystrings and params read from text (validation.ts).
    // (typed for Ajv functions; fastify takes any function with `errors`, as validation.ts returns)
    schemaController: { compilersFactory: { buildValidator: buildValidator as never } },
    // Path parameters are bounded by their schemas, which name the field; this only stops the absurd.
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: (error, _request, reply) => {
      // The router's own refusals (a malformed %-escape, a path parameter over 1000 characters) in the
      // one error shape, without echoing the URL.
      const statusCode = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const body: ApiErrorBody = {
        error: statusCode === 414 ? 'uri_too_long' : 'bad_request',
        message:
          statusCode === 414
            ? 'a path parameter is longer than 1000 characters'
            : 'the URL is not well formed',
      };
      void (reply as unknown as FastifyReply).code(statusCode).send(body);
    },
    // Wait for in-flight requests on close, drop idle keep-alive connections so close does not hang.
    forceCloseConnections: 'idle',
    bodyLimit: BODY_LIMIT_BYTES,
    // X-Forwarded-For/-Proto count only from the proxies ECSPERT_TRUST_PROXY names (default: none).
    // (fastify takes a number of hops too; its types omit it)
    trustProxy: deps.config.trustProxy as boolean | string[],
  }) as unknown as FastifyInstance;

  await installSecurityHeaders(app);

  // A keep-alive connection whose request was in flight when close() began would hold the close
  // for the whole keep-alive timeout (72 s): its answer tells the client to hang up instead.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });

  installErrorHandlers(app);
  // Before the input policy's own checks, which walk the body recursively.
  installJsonDepthLimit(app);
  installInputPolicy(app);
  // Before any route: a route that declares no permission stops the app here.
  installRouteDeclarations(app);
  installCrossSiteGuard(app);
  // Bodies are JSON only: text/plain is what a cross-site form can send without a preflight.
  app.removeContentTypeParser('text/plain');
  await app.register(databasePlugin, { database: deps.database, ownsDatabase: options.ownsDatabase });
  await app.register(queuePlugin, { queue: deps.queue, ownsQueue: options.ownsQueue });
  // After the database's own check, so that an outage answers 503 before anyone is looked up.
  await app.register(authPlugin, { authenticate: options.authenticate });
  await app.register(openApiPlugin, { version: HUB_VERSION });

  await app.register(healthRoutes, { databaseTimeoutMs: options.databaseTimeoutMs });
  // Signing in, one's own tokens, and (for administrators) users.
  await app.register(authRoutes, { failuresPerAddress: options.loginFailuresPerAddress });
  await app.register(insurerRoutes);
  for (const routes of options.routes ?? []) await app.register(routes);
  if (options.webRoot && webAppBuilt(options.webRoot)) await serveWebApp(app, options.webRoot);
  // Without the web application the front door leads to the API reference.
  else
    app.get('/', { schema: { hide: true }, config: { permission: 'public' } }, (_request, reply) =>
      reply.redirect('/docs'),
    );

  return app;
}
