/**
 * A period's calculation in the background, with its progress (what the periods screen polls):
 *
 * - POST /api/periods/:code/calculations answers 202 at once with the job's id. A posting is a
 *   queued job (back-office/period-jobs): recorded in the database, run by a worker (this process's
 *   queue, or BullMQ's workers with REDIS_URL), one per period at a time: asked again while one is
 *   queued or running, the answer is that job. Its stages: inputs, calculating, lines, contests,
 *   done. A preview writes nothing and runs here in the serving process, its lines kept in memory for
 *   an hour to be paged (stages payments, consultants, network, calculated); a restart forgets it.
 * - GET /api/calculations/:id answers either kind: state, stage, counts, elapsed time and, once done,
 *   the figures; a preview's lines a page at a time at …/lines.
 * - POST /api/periods/:code/acts/jobs produces a closed period's acts as a queued job on the same
 *   queue (stages issuing, checking, done; one per period at a time), answering 202 at once; GET
 *   /api/jobs/:id says how far it is and, once done, the counts are in the period's register.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import {
  CalculationRefusedError,
  calculatePeriod,
  type PeriodCalculation,
  PlanRefusedError,
  toPlainLine,
} from '../../../../back-office/compensation';
import { ActInputError, type Intermediary } from '../../../../back-office/acts';
import {
  enqueuePeriodActs,
  enqueuePeriodCalculation,
  PERIOD_ACTS_STAGES,
  PERIOD_CALCULATION,
  PERIOD_CALCULATION_STAGES,
  registerPeriodJobs,
  startPeriodJobs,
} from '../../../../back-office/period-jobs';
import { ActsRefusedError } from '../../../../back-office/periods';
import { getJobRecord, InProcessJobQueue, type JobQueue, type JobRecord } from '../../../jobs';
import { type PageQuery, pageEnvelopeSchema, pageQuerySchema } from '../../paging';
import { apiErrors, periodParamsSchema } from '../../schema-types';
import { jobAnswer, jobRecordSchema } from '../jobs';
import { actsIntermediarySchema, calculationSchema } from './schemas';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const nullableInt = { type: ['integer', 'null'] } as const;

/** The stages a preview passes, in order (back-office/compensation calculate's onProgress). */
export const PREVIEW_STAGES = ['payments', 'consultants', 'network', 'calculated'] as const;

interface PreviewJob {
  id: string;
  periodCode: string;
  startedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
  status: 'running' | 'done' | 'failed';
  stage: string | null;
  stageCount: number;
  error: { error: string; message: string; statusCode: number } | null;
  result: PeriodCalculation | null;
}

const KEEP_MS = 60 * 60 * 1000;
const KEEP_JOBS = 50;

const jobSchema = {
  type: 'object',
  required: ['id', 'periodCode', 'status', 'stages'],
  properties: {
    id: str,
    periodCode: str,
    preview: { type: 'boolean' },
    status: {
      type: 'string',
      enum: ['running', 'done', 'failed'],
      description: 'running (queued or running), done, failed (or cancelled)',
    },
    state: {
      type: 'string',
      enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'],
      description: 'The job record’s state (GET /api/jobs/:id); a preview is running, succeeded or failed',
    },
    duplicate: {
      type: 'boolean',
      description: 'On POST: true when this is the calculation already queued or running for the period',
    },
    startedBy: nullableStr,
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    elapsedMs: { ...int, description: 'Since it was asked for, until it ended' },
    stages: { type: 'array', items: str, description: 'Every stage, in order' },
    stage: { ...nullableStr, description: 'The stage last reached; null while queued' },
    stageIndex: { ...int, description: '1-based index of the stage last reached; 0 before the first' },
    stageCount: { ...int, description: 'What the stage last reached counted (payments, consultants, lines)' },
    done: { ...nullableInt, description: 'Of a queued calculation’s stage: how many are done' },
    total: { ...nullableInt, description: 'Of a queued calculation’s stage: how many in all, when known' },
    error: {
      type: ['object', 'null'],
      properties: { error: str, message: str, statusCode: int },
    },
    result: {
      ...calculationSchema,
      type: ['object', 'null'],
      description: 'Once done: the figures of the calculation (a preview’s lines are paged at …/lines)',
    },
  },
} as const;

function stageIndexOf(stages: readonly string[], stage: string | null) {
  return stage ? stages.indexOf(stage) + 1 : 0;
}

function previewAnswer(job: PreviewJob) {
  const end = job.finishedAt ?? new Date();
  let result = null;
  if (job.result) {
    const { lines: _lines, metrics: _metrics, ...summary } = job.result;
    result = summary;
  }
  return {
    id: job.id,
    periodCode: job.periodCode,
    preview: true,
    status: job.status,
    state: job.status === 'done' ? 'succeeded' : job.status,
    startedBy: job.startedBy,
    startedAt: job.startedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    elapsedMs: end.getTime() - job.startedAt.getTime(),
    stages: [...PREVIEW_STAGES],
    stage: job.stage,
    stageIndex: stageIndexOf(PREVIEW_STAGES, job.stage),
    stageCount: job.stageCount,
    done: null,
    total: null,
    error: job.error,
    result,
  };
}

/** A queued calculation's record, in the answer the screen reads for either kind. */
export function calculationJobAnswer(job: JobRecord) {
  const end = job.finishedAt ?? new Date();
  const failed = job.state === 'failed' || job.state === 'cancelled';
  const refused =
    failed && job.error !== null && !/unexpected error|stopped before it finished/.test(job.error);
  return {
    id: job.id,
    periodCode: job.subject,
    preview: false,
    status: job.state === 'succeeded' ? 'done' : failed ? 'failed' : 'running',
    state: job.state,
    startedBy: job.requestedBy,
    startedAt: job.requestedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    elapsedMs: end.getTime() - job.requestedAt.getTime(),
    stages: [...PERIOD_CALCULATION_STAGES],
    stage: job.stage,
    stageIndex: stageIndexOf(PERIOD_CALCULATION_STAGES, job.stage),
    stageCount: job.done ?? 0,
    done: job.done,
    total: job.total,
    error: failed
      ? {
          error: refused ? 'conflict' : 'internal_error',
          message: job.error ?? job.state,
          statusCode: refused ? 409 : 500,
        }
      : null,
    result: job.state === 'succeeded' ? (job.result as object | null) : null,
  };
}

export interface CalculationRouteOptions {
  /**
   * The queue calculations go to (serve's, whose workers also run them); without one, this app runs
   * them on a queue of its own in this process, with the sweep that finds queued ones again.
   */
  jobs?: JobQueue;
  /** The intermediary printed on acts (Замовник) when a request for them names none. */
  intermediary?: Intermediary;
}

const actsJobSchema = {
  ...jobRecordSchema,
  description: 'Queued, or the acts job already queued or running for the period',
  properties: {
    ...jobRecordSchema.properties,
    stages: { type: 'array', items: str, description: 'Every stage, in order' },
    duplicate: {
      type: 'boolean',
      description: 'true when this is the acts job already queued or running for the period',
    },
  },
} as const;

/** POST /api/periods/:code/acts/jobs: a closed period's acts as a queued job. */
function registerActsJobRoute(
  app: FastifyInstance,
  tags: string[],
  queue: JobQueue,
  configured?: Intermediary,
) {
  app.post<{ Params: { code: string }; Body: { intermediary?: Intermediary } }>(
    '/api/periods/:code/acts/jobs',
    {
      config: { permission: 'acts.write' },
      schema: {
        tags,
        operationId: 'startPeriodActs',
        summary:
          'Produce the acts of a closed period as a queued job and check them against the ledger; poll GET /api/jobs/:id for its stage and done / total',
        params: periodParamsSchema,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { intermediary: actsIntermediarySchema },
        },
        response: { 202: actsJobSchema, ...apiErrors(400, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const intermediary = request.body?.intermediary ?? configured;
      if (!intermediary)
        return reply.code(422).send({
          error: 'unprocessable_entity',
          message: 'body.intermediary is required (no default is configured)',
        });
      try {
        const { job, duplicate } = await enqueuePeriodActs(app.database, queue, request.params.code, {
          requestedBy: request.auth!.principal.login,
          intermediary,
        });
        return reply.code(202).send({ ...jobAnswer(job), stages: [...PERIOD_ACTS_STAGES], duplicate });
      } catch (error) {
        if (error instanceof ActsRefusedError)
          return reply.code(409).send({ error: 'conflict', message: error.message });
        if (error instanceof ActInputError || error instanceof RangeError)
          return reply.code(422).send({ error: 'unprocessable_entity', message: error.message });
        throw error;
      }
    },
  );
}

function registerCalculationJobs(app: FastifyInstance, tags: string[], queue: JobQueue) {
  const previews = new Map<string, PreviewJob>();
  const forget = () => {
    const now = Date.now();
    for (const [id, job] of previews)
      if (job.finishedAt && now - job.finishedAt.getTime() > KEEP_MS) previews.delete(id);
    const finished = [...previews.values()].filter((j) => j.finishedAt);
    while (previews.size > KEEP_JOBS && finished.length) previews.delete(finished.shift()!.id);
  };
  const running: Promise<unknown>[] = [];
  app.addHook('onClose', async () => {
    await Promise.allSettled(running);
  });

  app.post<{ Params: { code: string }; Body: { preview?: boolean } }>(
    '/api/periods/:code/calculations',
    {
      config: { permission: 'periods.write' },
      schema: {
        tags,
        operationId: 'startPeriodCalculation',
        summary:
          'Calculate a period as a queued job (or preview it) in the background; poll the answer’s id for its stage and figures',
        params: periodParamsSchema,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { preview: { type: 'boolean', description: 'true: post nothing, keep every line' } },
        },
        response: {
          202: { ...jobSchema, description: 'Queued, or the same calculation already queued or running' },
          ...apiErrors(400, 409, 503),
        },
      },
    },
    async (request, reply) => {
      forget();
      const periodCode = request.params.code;
      const startedBy = request.auth!.principal.login;
      if (!request.body?.preview) {
        try {
          const { job, duplicate } = await enqueuePeriodCalculation(app.database, queue, periodCode, {
            requestedBy: startedBy,
          });
          return reply.code(202).send({ ...calculationJobAnswer(job), duplicate });
        } catch (error) {
          if (error instanceof CalculationRefusedError)
            return reply.code(409).send({ error: 'conflict', message: error.message });
          throw error;
        }
      }
      // The same preview asked twice while it runs is one preview.
      const same = [...previews.values()].find((j) => j.status === 'running' && j.periodCode === periodCode);
      if (same) return reply.code(202).send({ ...previewAnswer(same), duplicate: true });
      const job: PreviewJob = {
        id: randomUUID(),
        periodCode,
        startedBy,
        startedAt: new Date(),
        finishedAt: null,
        status: 'running',
        stage: null,
        stageCount: 0,
        error: null,
        result: null,
      };
      previews.set(job.id, job);
      const work = calculatePeriod(app.database, periodCode, {
        preview: true,
        createdBy: job.startedBy,
        onProgress: (stage, count) => {
          job.stage = stage;
          job.stageCount = count;
        },
      }).then(
        (result) => {
          job.result = result;
          job.status = 'done';
          job.finishedAt = new Date();
        },
        (error: unknown) => {
          const refused = error instanceof CalculationRefusedError || error instanceof PlanRefusedError;
          const statusCode = error instanceof PlanRefusedError ? 422 : refused ? 409 : 500;
          job.error = {
            error:
              statusCode === 500
                ? 'internal_error'
                : statusCode === 409
                  ? 'conflict'
                  : 'unprocessable_entity',
            message: error instanceof Error ? error.message : String(error),
            statusCode,
          };
          if (statusCode === 500) request.log.error({ err: error }, 'calculation failed');
          job.status = 'failed';
          job.finishedAt = new Date();
        },
      );
      running.push(work);
      return reply.code(202).send({ ...previewAnswer(job), duplicate: false });
    },
  );

  const jobParams = {
    type: 'object',
    required: ['id'],
    additionalProperties: false,
    properties: { id: { type: 'string', format: 'uuid' } },
  } as const;

  app.get<{ Params: { id: string } }>(
    '/api/calculations/:id',
    {
      config: { permission: 'periods.write' },
      schema: {
        tags,
        operationId: 'getPeriodCalculation',
        summary: 'A background calculation: its stage, counts, elapsed time, and once done its figures',
        params: jobParams,
        response: { 200: jobSchema, ...apiErrors(400, 404) },
      },
    },
    async (request, reply) => {
      const preview = previews.get(request.params.id);
      if (preview) return previewAnswer(preview);
      const record = await getJobRecord(app.database, request.params.id);
      if (record?.kind === PERIOD_CALCULATION) return calculationJobAnswer(record);
      return reply.code(404).send({
        error: 'not_found',
        message: `no calculation ${request.params.id} (a preview is forgotten an hour after it ends, and on restart)`,
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: PageQuery }>(
    '/api/calculations/:id/lines',
    {
      config: { permission: 'periods.write' },
      schema: {
        tags,
        operationId: 'listPeriodCalculationLines',
        summary: 'The lines of a finished preview (posted nowhere), a page at a time',
        params: jobParams,
        querystring: pageQuerySchema(),
        response: {
          200: pageEnvelopeSchema({
            type: 'object',
            properties: (calculationSchema.properties.lines as { items: { properties: object } }).items
              .properties,
          }),
          ...apiErrors(400, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const job = previews.get(request.params.id);
      if (!job) {
        const record = await getJobRecord(app.database, request.params.id);
        if (record?.kind === PERIOD_CALCULATION)
          return reply.code(409).send({
            error: 'conflict',
            message: `calculation ${record.id} posts to the ledger: its lines are at /api/periods/${record.subject}/accruals/page`,
          });
        return reply.code(404).send({ error: 'not_found', message: `no calculation ${request.params.id}` });
      }
      if (!job.result)
        return reply
          .code(409)
          .send({ error: 'conflict', message: `calculation ${job.id} is ${job.status}: it has no lines` });
      const { page, pageSize } = request.query;
      const lines = job.result.lines;
      return {
        items: lines.slice((page - 1) * pageSize, page * pageSize).map(toPlainLine),
        page,
        pageSize,
        total: lines.length,
      };
    },
  );
}

/** The calculation routes (see the file's comment). */
export function calculationRoutes(options: CalculationRouteOptions = {}): FastifyPluginAsync {
  return async (app) => {
    // pino underneath: fastify's logger type leaves out a field pino's type names.
    const logger = app.log as unknown as Logger;
    let queue = options.jobs;
    if (queue) registerPeriodJobs(queue, { database: app.database, logger });
    else {
      // No worker of serve's here (tests, an API built alone): this app runs its calculations itself.
      const own = new InProcessJobQueue(logger);
      const periodJobs = startPeriodJobs(own, { database: app.database, logger });
      await own.start();
      app.addHook('onClose', async () => {
        await periodJobs.stop();
        await own.close();
      });
      queue = own;
    }
    registerCalculationJobs(app, ['back-office'], queue);
    registerActsJobRoute(app, ['back-office'], queue, options.intermediary);
  };
}
