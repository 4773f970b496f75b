/**
 * What the back office's screens read beyond the programs' routes in ./index.ts:
 *
 * - a period's ledger a page at a time (`?page=&pageSize=`, by consultant code and kind), with the
 *   totals of everything the filter selects, summed by the database;
 * - a calculation run in the background with its progress: POST starts it (202), GET answers the
 *   stage it is at (payments read, consultants, network, calculated, posted), the time it has taken
 *   and, once done, its figures; a preview's lines a page at a time. The calculation runs in the
 *   serving process (as the synchronous POST /api/periods/:code/calculate does) and its progress is
 *   known there: it is kept for an hour after it ends, and a restart forgets it (the ledger does not);
 * - the compensation plans: plans, their versions, one version with its check against the products
 *   known today, and the check of plan text a person sends (what `ecspert plan check` says).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import {
  ACCRUAL_KINDS,
  accrualTotals,
  CalculationRefusedError,
  calculatePeriod,
  checkPlanText,
  countAccruals,
  listAccruals,
  listPlans,
  listPlanVersions,
  loadPlanVersion,
  PLAN_TEXT_MAX_CHARS,
  PlanRefusedError,
  toPlainLine,
  type PeriodCalculation,
} from '../../../../back-office/compensation';
import { seesMoneyOf } from '../../../auth';
import { type PageQuery, pageEnvelopeSchema, pageQueryProperties, pageQuerySchema } from '../../paging';
import { apiErrors, codeSchema, periodSchema, text } from '../../schema-types';
import { accrualsSchema, calculationSchema } from './schemas';

const kop = { type: 'integer', description: 'kopiyky' } as const;
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const nullableStr = { type: ['string', 'null'] } as const;

const accrualItem = (accrualsSchema.properties.items as { items: Record<string, unknown> }).items;

const totalsSchema = {
  type: 'object',
  description: 'Of every line the filter selects (all pages): count and sum, in all and per kind',
  properties: {
    lines: int,
    totalKop: kop,
    byKind: {
      type: 'array',
      items: { type: 'object', properties: { kind: str, lines: int, totalKop: kop } },
    },
  },
} as const;

/** The stages a calculation passes, in order (back-office/compensation calculate's onProgress). */
export const CALCULATION_STAGES = ['payments', 'consultants', 'network', 'calculated', 'posted'] as const;

interface CalculationJob {
  id: string;
  periodCode: string;
  preview: boolean;
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
    status: { type: 'string', enum: ['running', 'done', 'failed'] },
    startedBy: str,
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    elapsedMs: { ...int, description: 'Since it started, until it ended' },
    stages: { type: 'array', items: str, description: 'Every stage, in order' },
    stage: { ...nullableStr, description: 'The stage last reached' },
    stageIndex: { ...int, description: '1-based index of the stage last reached; 0 before the first' },
    stageCount: { ...int, description: 'What the stage last reached counted (payments, consultants, lines)' },
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

function jobAnswer(job: CalculationJob) {
  const end = job.finishedAt ?? new Date();
  const stageIndex = job.stage ? (CALCULATION_STAGES as readonly string[]).indexOf(job.stage) + 1 : 0;
  let result = null;
  if (job.result) {
    const { lines: _lines, metrics: _metrics, ...summary } = job.result;
    result = summary;
  }
  return {
    id: job.id,
    periodCode: job.periodCode,
    preview: job.preview,
    status: job.status,
    startedBy: job.startedBy,
    startedAt: job.startedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    elapsedMs: end.getTime() - job.startedAt.getTime(),
    stages: [...CALCULATION_STAGES],
    stage: job.stage,
    stageIndex,
    stageCount: job.stageCount,
    error: job.error,
    result,
  };
}

function registerCalculationJobs(app: FastifyInstance, tags: string[]) {
  const jobs = new Map<string, CalculationJob>();
  const forget = () => {
    const now = Date.now();
    for (const [id, job] of jobs)
      if (job.finishedAt && now - job.finishedAt.getTime() > KEEP_MS) jobs.delete(id);
    const finished = [...jobs.values()].filter((j) => j.finishedAt);
    while (jobs.size > KEEP_JOBS && finished.length) jobs.delete(finished.shift()!.id);
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
          'Start calculating a period (or previewing it) in the background; poll the answer’s id for its progress and figures',
        params: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: { code: periodSchema },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { preview: { type: 'boolean', description: 'true: post nothing, keep every line' } },
        },
        response: {
          202: { ...jobSchema, description: 'Started, or the same calculation already running' },
          ...apiErrors(400),
        },
      },
    },
    async (request, reply) => {
      forget();
      const periodCode = request.params.code;
      const preview = !!request.body?.preview;
      // The same calculation asked twice while it runs is one calculation.
      const same = [...jobs.values()].find(
        (j) => j.status === 'running' && j.periodCode === periodCode && j.preview === preview,
      );
      if (same) return reply.code(202).send(jobAnswer(same));
      const job: CalculationJob = {
        id: randomUUID(),
        periodCode,
        preview,
        startedBy: request.auth!.principal.login,
        startedAt: new Date(),
        finishedAt: null,
        status: 'running',
        stage: null,
        stageCount: 0,
        error: null,
        result: null,
      };
      jobs.set(job.id, job);
      const work = calculatePeriod(app.database, periodCode, {
        preview,
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
      return reply.code(202).send(jobAnswer(job));
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
        summary: 'A background calculation: its stage, elapsed time, and once done its figures',
        params: jobParams,
        response: { 200: jobSchema, ...apiErrors(400, 404) },
      },
    },
    async (request, reply) => {
      const job = jobs.get(request.params.id);
      if (!job)
        return reply.code(404).send({
          error: 'not_found',
          message: `no calculation ${request.params.id} (this server forgets one an hour after it ends, and on restart)`,
        });
      return jobAnswer(job);
    },
  );

  app.get<{ Params: { id: string }; Querystring: PageQuery }>(
    '/api/calculations/:id/lines',
    {
      config: { permission: 'periods.write' },
      schema: {
        tags,
        operationId: 'listPeriodCalculationLines',
        summary: 'The lines of a finished calculation (a preview’s, posted nowhere), a page at a time',
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
      const job = jobs.get(request.params.id);
      if (!job)
        return reply.code(404).send({ error: 'not_found', message: `no calculation ${request.params.id}` });
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

function registerAccrualPages(app: FastifyInstance, tags: string[]) {
  app.get<{
    Params: { code: string };
    Querystring: PageQuery & { consultant?: string; kind?: string };
  }>(
    '/api/periods/:code/accruals/page',
    {
      config: { permission: 'accruals.read' },
      schema: {
        tags,
        operationId: 'pagePeriodAccruals',
        summary:
          'Ledger lines posted in the period a page at a time, by consultant code and kind, with the totals of all pages',
        params: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: { code: periodSchema },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQueryProperties,
            consultant: { ...codeSchema, description: 'One consultant, by code' },
            kind: { type: 'string', enum: [...ACCRUAL_KINDS] },
          },
        },
        response: {
          200: {
            ...pageEnvelopeSchema(accrualItem),
            properties: {
              ...(pageEnvelopeSchema(accrualItem).properties as object),
              totals: totalsSchema,
            },
          },
          ...apiErrors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { page, pageSize, consultant, kind } = request.query;
      let consultantId: number | undefined;
      if (consultant !== undefined) {
        const row = await app.database.db
          .selectFrom('consultant')
          .select('id')
          .where('code', '=', consultant)
          .executeTakeFirst();
        if (!row) return reply.code(404).send({ error: 'not_found', message: `no consultant ${consultant}` });
        consultantId = Number(row.id);
      }
      const visible = (await request.auth?.visible()) ?? null;
      let consultantIds: number[] | undefined;
      if (visible !== null) {
        // Another consultant's money is not there for this caller: 404, as if there were none.
        if (consultantId !== undefined && !seesMoneyOf(visible, consultantId))
          return reply
            .code(404)
            .send({ error: 'not_found', message: `no accruals of consultant ${consultant}` });
        if (consultantId === undefined)
          consultantIds =
            visible.kind === 'consultant'
              ? visible.ownId === null
                ? []
                : [visible.ownId]
              : [...visible.ids].filter((id) => seesMoneyOf(visible, id));
      }
      const query = { periodCode: request.params.code, consultantId, consultantIds, kind };
      const [items, total, totals] = await Promise.all([
        listAccruals(app.database, { ...query, offset: (page - 1) * pageSize, limit: pageSize }),
        countAccruals(app.database, query),
        accrualTotals(app.database, query),
      ]);
      return { items, page, pageSize, total, totals };
    },
  );
}

function registerPlanReads(app: FastifyInstance, tags: string[]) {
  const planCode = { ...codeSchema, description: 'The plan’s code, e.g. UA-NETWORK' };
  const versionRow = {
    type: 'object',
    properties: {
      id: int,
      planCode: str,
      version: str,
      effectiveFrom: { type: 'string', description: 'yyyy-mm: the first period it is in force for' },
      status: { type: 'string', enum: ['active', 'draft', 'retired'] },
      sha256: str,
      sourceFile: nullableStr,
      loadedAt: { type: 'string', format: 'date-time' },
      loadedBy: nullableStr,
    },
  } as const;
  const checkSchema = {
    type: 'object',
    description: 'The verdict of the plan check: ok, or every problem with its place in the plan',
    properties: {
      ok: { type: 'boolean' },
      file: str,
      plan: {
        type: 'object',
        properties: {
          code: str,
          version: str,
          effectiveFrom: str,
          sha256: str,
          levels: { type: 'array', items: str },
          bonuses: { type: 'array', items: str },
        },
      },
      problems: {
        type: 'array',
        items: {
          type: 'object',
          properties: { file: str, path: { ...str, description: 'JSON pointer into the plan' }, reason: str },
        },
      },
    },
  } as const;

  app.get(
    '/api/plans',
    {
      config: { permission: 'plans.read' },
      schema: {
        tags,
        operationId: 'listPlans',
        summary: 'The compensation plans registered, with their number of versions and the active one',
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    code: str,
                    versions: int,
                    activeVersion: nullableStr,
                    latestEffectiveFrom: str,
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({ items: await listPlans(app.database) }),
  );

  app.get<{ Params: { code: string }; Querystring: PageQuery }>(
    '/api/plans/:code/versions',
    {
      config: { permission: 'plans.read' },
      schema: {
        tags,
        operationId: 'listPlanVersions',
        summary: 'A plan’s versions (active, draft, retired), the latest in force first',
        params: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: { code: planCode },
        },
        querystring: pageQuerySchema(),
        response: { 200: pageEnvelopeSchema(versionRow), ...apiErrors(400, 404) },
      },
    },
    async (request, reply) => {
      const { page, pageSize } = request.query;
      const found = await listPlanVersions(app.database, request.params.code, {
        offset: (page - 1) * pageSize,
        limit: pageSize,
      });
      if (found.total === 0)
        return reply.code(404).send({ error: 'not_found', message: `no plan ${request.params.code}` });
      return { ...found, page, pageSize };
    },
  );

  app.get<{ Params: { code: string; version: string } }>(
    '/api/plans/:code/versions/:version',
    {
      config: { permission: 'plans.read' },
      schema: {
        tags,
        operationId: 'getPlanVersion',
        summary:
          'One plan version: its document, and its check against the products the database knows today',
        params: {
          type: 'object',
          required: ['code', 'version'],
          additionalProperties: false,
          properties: { code: planCode, version: text(40, 1) },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              ...versionRow.properties,
              document: { type: 'object', additionalProperties: true, description: 'The plan as registered' },
              check: checkSchema,
            },
          },
          ...apiErrors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const found = await loadPlanVersion(app.database, request.params.code, request.params.version);
      if (!found)
        return reply.code(404).send({
          error: 'not_found',
          message: `no version ${request.params.version} of plan ${request.params.code}`,
        });
      return found;
    },
  );

  app.post<{ Body: { plan: string } }>(
    '/api/plans/check',
    {
      config: { permission: 'plans.read' },
      schema: {
        tags,
        operationId: 'checkPlan',
        summary:
          'Check plan text (YAML or JSON) against the plan schema and the products known; writes nothing',
        body: {
          type: 'object',
          required: ['plan'],
          additionalProperties: false,
          properties: {
            plan: {
              type: 'string',
              minLength: 1,
              maxLength: PLAN_TEXT_MAX_CHARS,
              description: 'The text of a plan file',
            },
          },
        },
        response: { 200: checkSchema, ...apiErrors(400) },
      },
    },
    async (request) => checkPlanText(app.database, request.body.plan, 'body.plan'),
  );
}

/** The routes the back office's screens read (see the file's comment). */
export const backOfficeScreenRoutes: FastifyPluginAsync = async (app) => {
  const tags = ['back-office'];
  registerCalculationJobs(app, tags);
  registerAccrualPages(app, tags);
  registerPlanReads(app, tags);
};
