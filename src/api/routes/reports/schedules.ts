/**
 * Reports sent by e-mail on a schedule, thin shells over back-office/reports/schedules.ts
 * (reports.schedule: back office and administrator):
 *
 * - `GET/POST /api/reports/schedules`: the schedules; add one (owned by the caller: the report is
 *   rendered with the caller's scope);
 * - `GET/PATCH/DELETE /api/reports/schedules/:id`: one; change it (pause, resume, recipients …);
 *   remove it (kept in the audit log);
 * - `POST /api/reports/schedules/:id/send`: send now, outside the cron;
 * - `GET /api/reports/schedules/:id/deliveries?offset=&limit=`: each mail sent or failed, newest first;
 * - `POST /api/reports/schedules/:id/deliveries/:deliveryId/resend`: send a failed one again.
 *
 * Mail goes out with the intermediary's settings (ECSPERT_REPORT_SMTP_URL, ECSPERT_REPORT_MAIL_FROM).
 */
import type { FastifyContextConfig, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  createSchedule,
  findSchedule,
  listDeliveries,
  listSchedules,
  removeSchedule,
  reportMailFromEnv,
  type ReportDelivery,
  type ReportSchedule,
  resendDelivery,
  SCHEDULE_FORMATS,
  SCHEDULED_REPORTS,
  ScheduleError,
  type ScheduleInput,
  sendScheduleNow,
  updateSchedule,
} from '../../../../back-office/reports';
import { ConfigError } from '../../../config';
import { apiErrors, idParams, idSchema, MAX_ID, text } from '../../schema-types';

const config = { permission: 'reports.schedule' } as unknown as FastifyContextConfig;
const tags = ['back-office'];

const scheduleFields = {
  name: { ...text(200, 1), description: 'what the recipients see it called' },
  report: { type: 'string', enum: [...SCHEDULED_REPORTS], description: 'a management report, or consultant' },
  consultant: {
    type: ['string', 'null'],
    minLength: 1,
    maxLength: 40,
    description: 'for the consultant report',
  },
  periods: { type: 'integer', minimum: 1, maximum: 120, description: 'how many periods (default 12)' },
  periodsBack: {
    type: 'integer',
    minimum: 0,
    maximum: 120,
    description:
      'the range ends this many periods before the run’s (0: the current, default 1: the previous)',
  },
  unit: { type: ['string', 'null'], minLength: 1, maxLength: 40, description: 'a unit with its sub-units' },
  insurer: { type: ['string', 'null'], minLength: 1, maxLength: 40 },
  product: { type: ['string', 'null'], minLength: 1, maxLength: 40 },
  level: { type: ['string', 'null'], minLength: 1, maxLength: 40 },
  formats: {
    type: 'array',
    minItems: 1,
    maxItems: 2,
    uniqueItems: true,
    items: { type: 'string', enum: [...SCHEDULE_FORMATS] },
  },
  recipients: { type: 'array', minItems: 1, maxItems: 50, items: text(254, 3) },
  cron: { ...text(100, 9), description: 'five fields, Kyiv time, e.g. `0 8 1 * *` (08:00 on the 1st)' },
  active: { type: 'boolean', description: 'false: paused' },
} as const;

const scheduleSchema = {
  type: 'object',
  required: [
    'id',
    'name',
    'report',
    'consultant',
    'filters',
    'formats',
    'recipients',
    'cron',
    'active',
    'owner',
    'nextRunAt',
    'lastRunAt',
    'createdAt',
    'createdBy',
    'updatedAt',
    'updatedBy',
  ],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    report: { type: 'string' },
    consultant: { type: ['string', 'null'] },
    filters: {
      type: 'object',
      required: ['periods', 'periodsBack', 'unit', 'insurer', 'product', 'level'],
      properties: {
        periods: { type: 'integer' },
        periodsBack: { type: 'integer' },
        unit: { type: ['string', 'null'] },
        insurer: { type: ['string', 'null'] },
        product: { type: ['string', 'null'] },
        level: { type: ['string', 'null'] },
      },
    },
    formats: { type: 'array', items: { type: 'string' } },
    recipients: { type: 'array', items: { type: 'string' } },
    cron: { type: 'string' },
    active: { type: 'boolean' },
    owner: { type: 'string', description: 'the login whose scope the report is rendered with' },
    nextRunAt: { type: ['string', 'null'], format: 'date-time' },
    lastRunAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    updatedAt: { type: 'string', format: 'date-time' },
    updatedBy: { type: 'string' },
  },
} as const;

const deliverySchema = {
  type: 'object',
  required: [
    'id',
    'scheduleId',
    'runAt',
    'trigger',
    'recipient',
    'subject',
    'status',
    'error',
    'attempts',
    'requestedBy',
    'createdAt',
    'sentAt',
  ],
  properties: {
    id: { type: 'integer' },
    scheduleId: { type: 'integer' },
    runAt: { type: 'string', format: 'date-time' },
    trigger: { type: 'string', enum: ['schedule', 'manual'] },
    recipient: { type: 'string' },
    subject: { type: 'string' },
    mailMessageId: { type: ['string', 'null'] },
    sizeBytes: { type: ['integer', 'null'] },
    sha256: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['pending', 'sending', 'sent', 'failed'] },
    error: { type: ['string', 'null'], description: "the SMTP server's answer, or why nothing was rendered" },
    attempts: { type: 'integer' },
    requestedBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    sentAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const runSchema = {
  type: 'object',
  required: ['scheduleId', 'runAt', 'deliveries'],
  properties: {
    scheduleId: { type: 'integer' },
    runAt: { type: 'string', format: 'date-time' },
    deliveries: { type: 'array', items: deliverySchema },
  },
} as const;

const actor = (request: FastifyRequest) => request.auth!.principal.login;

function refusal(reply: FastifyReply, error: unknown) {
  if (error instanceof ConfigError)
    return reply.code(503).send({ error: 'unavailable', message: error.message });
  if (!(error instanceof ScheduleError)) throw error;
  const status = { forbidden: 403, not_found: 404, invalid: 400, conflict: 409 }[error.kind];
  const code = error.kind === 'invalid' ? 'bad_request' : error.kind;
  return reply.code(status).send({ error: code, message: error.message });
}

async function required(app: Parameters<FastifyPluginAsync>[0], id: number): Promise<ReportSchedule> {
  const found = await findSchedule(app.database, id);
  if (!found) throw new ScheduleError('not_found', `no report schedule ${id}`);
  return found;
}

export const reportScheduleRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/reports/schedules',
    {
      config,
      schema: {
        tags,
        summary: 'Reports sent by e-mail on a schedule',
        querystring: { type: 'object', additionalProperties: false, properties: {} },
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: scheduleSchema } },
          },
          ...apiErrors(400, 401, 403),
        },
      },
    },
    async () => ({ items: await listSchedules(app.database) }),
  );

  app.post<{ Body: ScheduleInput }>(
    '/api/reports/schedules',
    {
      config,
      schema: {
        tags,
        summary:
          'Schedule a report by e-mail: which report, filters over a range of periods relative to each run, formats, recipients, cron (Kyiv time); rendered with the scope of the caller',
        body: {
          type: 'object',
          required: ['name', 'report', 'formats', 'recipients', 'cron'],
          additionalProperties: false,
          properties: scheduleFields,
        },
        response: { 201: scheduleSchema, ...apiErrors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      try {
        const created = await createSchedule(app.database, request.body, actor(request), actor(request));
        return reply.code(201).send(created);
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/reports/schedules/:id',
    {
      config,
      schema: {
        tags,
        summary: 'A report schedule',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: {} },
        response: { 200: scheduleSchema, ...apiErrors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      try {
        return await required(app, request.params.id);
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );

  app.patch<{ Params: { id: number }; Body: Partial<ScheduleInput> }>(
    '/api/reports/schedules/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change a report schedule: pause (active false), resume, recipients, cron, filters …',
        params: idParams,
        body: { type: 'object', minProperties: 1, additionalProperties: false, properties: scheduleFields },
        response: { 200: scheduleSchema, ...apiErrors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      try {
        return await updateSchedule(app.database, request.params.id, request.body, actor(request));
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );

  app.delete<{ Params: { id: number }; Querystring: { reason?: string } }>(
    '/api/reports/schedules/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Remove a report schedule: never run again; it and its deliveries stay in the audit trail',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { reason: { ...text(1000, 1), description: 'why, kept in the audit log' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['id', 'removed'],
            properties: { id: { type: 'integer' }, removed: { type: 'boolean' } },
          },
          ...apiErrors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      try {
        await removeSchedule(app.database, request.params.id, actor(request), request.query.reason ?? null);
        return { id: request.params.id, removed: true };
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );

  app.post<{ Params: { id: number } }>(
    '/api/reports/schedules/:id/send',
    {
      config,
      schema: {
        tags,
        summary:
          'Send a scheduled report now: rendered with its owner’s scope, each mail stored and then sent; answers each delivery',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: {} },
        response: { 200: runSchema, ...apiErrors(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      try {
        return await sendScheduleNow(app.database, request.params.id, actor(request), reportMailFromEnv());
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );

  app.get<{ Params: { id: number }; Querystring: { offset?: number; limit?: number } }>(
    '/api/reports/schedules/:id/deliveries',
    {
      config,
      schema: {
        tags,
        summary: "A schedule's deliveries, newest first: sent, or failed with the SMTP server's answer",
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            offset: { type: 'integer', minimum: 0, maximum: MAX_ID },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['total', 'offset', 'items'],
            properties: {
              total: { type: 'integer' },
              offset: { type: 'integer' },
              items: { type: 'array', items: deliverySchema },
            },
          },
          ...apiErrors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      try {
        return await listDeliveries(app.database, request.params.id, request.query);
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );

  app.post<{ Params: { id: number; deliveryId: number } }>(
    '/api/reports/schedules/:id/deliveries/:deliveryId/resend',
    {
      config,
      schema: {
        tags,
        summary: 'Send a failed delivery again: the same stored mail, to the same recipient',
        params: {
          type: 'object',
          required: ['id', 'deliveryId'],
          additionalProperties: false,
          properties: { id: idSchema, deliveryId: idSchema },
        },
        querystring: { type: 'object', additionalProperties: false, properties: {} },
        response: { 200: deliverySchema, ...apiErrors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      try {
        const done: ReportDelivery = await resendDelivery(
          app.database,
          request.params.id,
          request.params.deliveryId,
          actor(request),
          reportMailFromEnv(),
        );
        return done;
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );
};
