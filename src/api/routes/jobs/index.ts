/**
 * Background jobs a person waits for, from their durable records (src/jobs job_record): the list
 * (newest first, paged, by kind, state and subject), one job, and a period with its current or last
 * calculation job. Who sees which: a period's jobs whoever reads periods (back office, manager,
 * administrator), an exchange run's whoever reads the exchange (integration, administrator); a
 * consultant sees none. Another's job answers 404, as if it did not exist.
 */
import type { FastifyPluginAsync } from 'fastify';
import { actsJobOutcome, periodActsJob, periodCalculationJob } from '../../../../back-office/period-jobs';
import { listPeriods } from '../../../../back-office/periods';
import { type Role, roleAllows } from '../../../auth';
import { getJobRecord, JOB_STATES, type JobRecord, type JobState, listJobRecords } from '../../../jobs';
import { type PageQuery, pageEnvelopeSchema, pageQueryProperties } from '../../paging';
import { apiErrors, periodParamsSchema, text } from '../../schema-types';

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

/** The kinds of job a role may see, by the first part of the kind (period.calculate → period). */
function visibleKinds(role: Role): (kind: string) => boolean {
  const periods = role !== 'consultant' && roleAllows(role, 'periods.read');
  const exchange = roleAllows(role, 'exchange.read');
  return (kind) => (kind.startsWith('period.') ? periods : kind.startsWith('exchange.') ? exchange : false);
}

/** Every kind of job recorded today. */
export const JOB_KINDS = ['period.calculate', 'period.acts', 'exchange.run'] as const;

export const jobRecordSchema = {
  type: 'object',
  required: ['id', 'kind', 'subject', 'state'],
  properties: {
    id: { ...str, format: 'uuid' },
    kind: { ...str, description: 'period.calculate, period.acts, exchange.run' },
    subject: { ...str, description: 'What it works on: a period code, an insurer code' },
    state: { type: 'string', enum: [...JOB_STATES] },
    stage: { ...nullableStr, description: 'The stage last reached; null while queued' },
    done: { ...nullableInt, description: 'How many of the stage’s items are done' },
    total: { ...nullableInt, description: 'How many in all, when known' },
    requestedBy: nullableStr,
    requestedAt: { type: 'string', format: 'date-time' },
    startedAt: nullableDateTime,
    finishedAt: nullableDateTime,
    heartbeatAt: { ...nullableDateTime, description: 'When its worker last said it is alive' },
    worker: { ...nullableStr, description: 'The process running it (host:pid)' },
    attempts: { type: 'integer' },
    error: { ...nullableStr, description: 'Why it failed, in words a person can act on' },
    outcome: {
      type: ['object', 'null'],
      description:
        'Of a period’s acts job that succeeded: how many acts were issued, had been issued before, had nothing to pay, and whether the acts equal the ledger (no amounts); null otherwise',
      properties: {
        issued: { type: 'integer' },
        alreadyIssued: { type: 'integer' },
        nothingToPay: { type: 'integer' },
        balanced: { type: 'boolean', description: 'The acts (with balances carried) equal the ledger' },
        differences: { type: 'integer', description: 'Consultants whose act differs from their ledger' },
      },
    },
  },
} as const;

export function jobAnswer(job: JobRecord) {
  return {
    id: job.id,
    kind: job.kind,
    subject: job.subject,
    state: job.state,
    stage: job.stage,
    done: job.done,
    total: job.total,
    requestedBy: job.requestedBy,
    requestedAt: job.requestedAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    heartbeatAt: job.heartbeatAt?.toISOString() ?? null,
    worker: job.worker,
    attempts: job.attempts,
    error: job.error,
    outcome: actsJobOutcome(job),
  };
}

export const jobRoutes: FastifyPluginAsync = async (app) => {
  const tags = ['jobs'];

  app.get<{ Querystring: PageQuery & { kind?: string; state?: JobState; subject?: string } }>(
    '/api/jobs',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags,
        operationId: 'listJobs',
        summary:
          'Background jobs (calculations, exchange runs) with their state and progress, newest first; each role sees the kinds it may read',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQueryProperties,
            kind: { type: 'string', enum: [...JOB_KINDS] },
            state: { type: 'string', enum: [...JOB_STATES] },
            subject: { ...text(100, 1), description: 'A period code, an insurer code' },
          },
        },
        response: { 200: pageEnvelopeSchema(jobRecordSchema), ...apiErrors(400) },
      },
    },
    async (request) => {
      const { page, pageSize, kind, state, subject } = request.query;
      const sees = visibleKinds(request.auth!.principal.role);
      const kinds = (kind ? [kind] : [...JOB_KINDS]).filter(sees);
      const found = await listJobRecords(app.database, {
        kinds,
        state,
        subject,
        offset: (page - 1) * pageSize,
        limit: pageSize,
      });
      return { items: found.items.map(jobAnswer), page, pageSize, total: found.total };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/jobs/:id',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags,
        operationId: 'getJob',
        summary: 'One background job: state, stage, counts, and why it failed',
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: { type: 'string', format: 'uuid' } },
        },
        response: { 200: jobRecordSchema, ...apiErrors(400, 404) },
      },
    },
    async (request, reply) => {
      const job = await getJobRecord(app.database, request.params.id);
      if (!job || !visibleKinds(request.auth!.principal.role)(job.kind))
        return reply.code(404).send({ error: 'not_found', message: `no job ${request.params.id}` });
      return jobAnswer(job);
    },
  );

  app.get<{ Params: { code: string } }>(
    '/api/periods/:code',
    {
      config: { permission: 'periods.read' },
      schema: {
        tags: ['back-office'],
        operationId: 'getPeriod',
        summary:
          'A production period: its status, and its calculation and acts jobs now queued or running, else their last',
        params: periodParamsSchema,
        response: {
          200: {
            type: 'object',
            required: ['code', 'status'],
            properties: {
              code: str,
              startsOn: nullableStr,
              endsOn: nullableStr,
              status: { type: 'string', enum: ['open', 'calculated', 'closed'] },
              calculatedAt: nullableDateTime,
              closedAt: nullableDateTime,
              closedBy: nullableStr,
              pendingRequests: { type: 'integer' },
              calculationJob: {
                oneOf: [{ type: 'null' }, jobRecordSchema],
                description: 'Null when none was ever asked for (or the caller may not see jobs)',
              },
              actsJob: {
                oneOf: [{ type: 'null' }, jobRecordSchema],
                description:
                  'The acts job now queued or running, else the last; null when none was ever asked for (or the caller may not see jobs)',
              },
            },
          },
          ...apiErrors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const code = request.params.code;
      const period = (await listPeriods(app.database)).find((p) => p.code === code);
      const sees = visibleKinds(request.auth!.principal.role)('period.calculate');
      const job = sees ? await periodCalculationJob(app.database, code) : null;
      const actsJob = sees ? await periodActsJob(app.database, code) : null;
      if (!period && !job) return reply.code(404).send({ error: 'not_found', message: `no period ${code}` });
      return {
        code,
        startsOn: period?.startsOn ?? null,
        endsOn: period?.endsOn ?? null,
        // A period first calculated by the job being asked for now is open until it posts.
        status: period?.status ?? 'open',
        calculatedAt: period?.calculatedAt?.toISOString() ?? null,
        closedAt: period?.closedAt?.toISOString() ?? null,
        closedBy: period?.closedBy ?? null,
        pendingRequests: period?.pendingRequests ?? 0,
        calculationJob: job ? jobAnswer(job) : null,
        actsJob: actsJob ? jobAnswer(actsJob) : null,
      };
    },
  );
};
