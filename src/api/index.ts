/**
 * The HTTP API (fastify): health, OpenAPI at /docs, one error shape, the paging convention, and the
 * routes of each area. Other modules add routes as fastify plugins:
 *
 *     buildApi(deps, { routes: [exchangeRoutes, backOfficeRoutes] })
 *
 * A route plugin reads `app.database`, declares JSON Schemas for its querystring/body/response
 * (validation and OpenAPI come from them), and pages lists with `pageQuerySchema`/`fetchPage`.
 */
export { buildApi, type ApiDeps, type ApiOptions } from './app';
export {
  startServer,
  installShutdownHandlers,
  type StartServerOptions,
  type RunningServer,
  type ShutdownOptions,
} from './server';
export { createQueueProbe, type QueueProbe, type QueueMode, type QueueProbeOptions } from './queue-probe';
export {
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  PAGE_MAX,
  fetchPage,
  pageEnvelopeSchema,
  pageOffset,
  pageQueryProperties,
  pageQuerySchema,
  type OrderedRowsQuery,
  type Page,
  type PageQuery,
  type TotalQuery,
} from './paging';
export { apiErrorSchema, type ApiErrorBody, type FieldProblem } from './errors';
export type { HealthReport } from './routes/system/health';
export { HUB_VERSION } from './version';
