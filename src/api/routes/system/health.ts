/**
 * GET /health for load balancers and people on call: 200 when the database and the queue answer,
 * 503 "degraded" naming what did not. Each probe is bounded in time, so a hung dependency makes the
 * answer slow by at most a couple of seconds, never forever.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { EngineName } from '../../../db';
import type { QueueMode } from '../../queue-probe';
import { describeProblem, withTimeout } from '../../timeout';
import { HUB_VERSION } from '../../version';

export interface HealthReport {
  status: 'ok' | 'degraded';
  /** The parts that failed, e.g. ['queue']; empty when all is well. */
  failing: ('database' | 'queue')[];
  database: { engine: EngineName; ok: boolean; latencyMs: number; problem?: string; downSince?: string };
  queue: { mode: QueueMode; ok: boolean; latencyMs: number; problem?: string };
  version: string;
  uptimeSeconds: number;
}

export const healthReportSchema = {
  $id: 'HealthReport',
  type: 'object',
  required: ['status', 'failing', 'database', 'queue', 'version', 'uptimeSeconds'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    failing: {
      type: 'array',
      items: { type: 'string', enum: ['database', 'queue'] },
      description: 'The parts that did not answer; empty when status is ok',
    },
    database: {
      type: 'object',
      required: ['engine', 'ok', 'latencyMs'],
      properties: {
        engine: { type: 'string', enum: ['pglite', 'postgres', 'oracle'] },
        ok: { type: 'boolean' },
        latencyMs: { type: 'number', description: 'How long the ping took, in milliseconds' },
        problem: {
          type: 'string',
          description: 'Why the ping failed, e.g. ECONNREFUSED; never a stack trace',
        },
        downSince: {
          type: 'string',
          format: 'date-time',
          description:
            'When this process lost the database; other requests are refused with 503 until it answers again',
        },
      },
    },
    queue: {
      type: 'object',
      required: ['mode', 'ok', 'latencyMs'],
      properties: {
        mode: { type: 'string', enum: ['embedded', 'redis'], description: 'embedded: jobs run in-process' },
        ok: { type: 'boolean' },
        latencyMs: { type: 'number' },
        problem: { type: 'string' },
      },
    },
    version: { type: 'string', examples: ['0.1.0'] },
    uptimeSeconds: { type: 'integer', minimum: 0 },
  },
} as const;

export interface HealthRouteOptions {
  /** The longest the database ping may take; default 2000 ms. */
  databaseTimeoutMs?: number;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, options) => {
  const databaseTimeoutMs = options.databaseTimeoutMs ?? 2000;
  const startedAt = performance.now();
  app.addSchema(healthReportSchema);

  app.get<{ Reply: HealthReport }>(
    '/health',
    {
      // Load balancers ask every few seconds: keep their requests out of the info log; failures are logged below.
      logLevel: 'warn',
      config: { permission: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Whether the hub and what it depends on answer',
        response: {
          200: { description: 'Everything answers', $ref: 'HealthReport#' },
          503: { description: 'Something does not answer; `failing` names it', $ref: 'HealthReport#' },
        },
      },
    },
    async (request, reply) => {
      const [database, queue] = await Promise.all([
        (async (): Promise<HealthReport['database']> => {
          const engine = app.database.dialect.engine;
          const started = performance.now();
          try {
            const ok = await withTimeout(app.database.ping(), databaseTimeoutMs);
            const latencyMs = round(performance.now() - started);
            return ok
              ? { engine, ok, latencyMs }
              : { engine, ok, latencyMs, problem: 'the database did not answer' };
          } catch (error) {
            const downSince = app.database.availability?.downSince;
            return {
              engine,
              ok: false,
              latencyMs: round(performance.now() - started),
              problem: describeProblem(error),
              ...(downSince ? { downSince: new Date(downSince).toISOString() } : {}),
            };
          }
        })(),
        (async (): Promise<HealthReport['queue']> => {
          const started = performance.now();
          const ok = await app.queue.ping();
          const latencyMs = round(performance.now() - started);
          const problem = ok ? null : (app.queue.problem ?? 'no answer');
          return problem
            ? { mode: app.queue.mode, ok, latencyMs, problem }
            : { mode: app.queue.mode, ok, latencyMs };
        })(),
      ]);
      const failing: HealthReport['failing'] = [];
      if (!database.ok) failing.push('database');
      if (!queue.ok) failing.push('queue');
      const report: HealthReport = {
        status: failing.length ? 'degraded' : 'ok',
        failing,
        database,
        queue,
        version: HUB_VERSION,
        uptimeSeconds: Math.floor((performance.now() - startedAt) / 1000),
      };
      if (failing.length)
        request.log.warn({ health: report }, `health degraded: ${failing.join(', ')} not answering`);
      return reply.code(failing.length ? 503 : 200).send(report);
    },
  );
};
