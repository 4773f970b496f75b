/**
 * Reports over HTTP, thin shells over back-office/reports:
 *
 * - `GET /api/reports/management/:report?from=&to=&unit=&insurer=&product=&level=&asOf=&knownAt=&format=`:
 *   sales, network, persistency, remuneration, collections or exchange, as JSON, XLSX or PDF
 *   (reports.read: back office and administrator the whole network, a manager their unit tree and not
 *   the exchange report; consultants none).
 * - `GET /api/reports/consultants/:code?from=&to=&asOf=&knownAt=&format=`: a consultant's own report
 *   (accruals.read: a consultant only their own, a manager a consultant of their units; anyone else 404).
 * - `GET /api/audit?entityKind=&entityId=&actor=&from=&to=&offset=&limit=`: the audit log, newest first
 *   (audit.read: back office, administrator).
 * - `/api/reports/schedules…`: reports sent by e-mail on a schedule (./schedules.ts; reports.schedule).
 */
import type { FastifyContextConfig, FastifyPluginAsync, FastifyReply } from 'fastify';
import {
  consultantReport,
  listAudit,
  MANAGEMENT_REPORTS,
  managementReport,
  type Report,
  ReportError,
  type ReportFilters,
  reportPdf,
  reportXlsx,
} from '../../../../back-office/reports';
import { apiErrors, codeSchema, dateSchema, MAX_ID, periodSchema, text } from '../../schema-types';
import { reportScheduleRoutes } from './schedules';

const permission = (name: 'reports.read' | 'accruals.read' | 'audit.read') =>
  ({ permission: name }) as unknown as FastifyContextConfig;
const tags = ['back-office'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const timeQuery = {
  from: { ...periodSchema, description: 'first production period (default: eleven before `to`)' },
  to: { ...periodSchema, description: 'last production period (default: the period of asOf)' },
  asOf: { ...dateSchema, description: 'as it was on this date (default: today)' },
  knownAt: {
    type: 'string',
    format: 'date-time',
    maxLength: 40,
    description: 'as known at this moment (default: now)',
  },
  format: { type: 'string', enum: ['json', 'xlsx', 'pdf'], description: 'json unless asked' },
} as const;

const cell = { type: ['string', 'number', 'null'] } as const;
const row = { type: 'object', additionalProperties: cell } as const;
const reportSchema = {
  type: 'object',
  required: ['name', 'title', 'filters', 'columns', 'rows', 'totals', 'summary'],
  properties: {
    name: { type: 'string' },
    title: { type: 'string', description: 'in Ukrainian' },
    filters: { type: 'object', additionalProperties: cell },
    columns: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'label', 'kind'],
        properties: {
          key: { type: 'string' },
          label: { type: 'string', description: 'the heading, in Ukrainian' },
          kind: { type: 'string', enum: ['text', 'int', 'money', 'pct'], description: 'money: kopiyky' },
        },
      },
    },
    rows: { type: 'array', items: row },
    totals: row,
    summary: {
      type: 'array',
      items: {
        type: 'object',
        required: ['label', 'value'],
        properties: { label: { type: 'string' }, value: { type: ['string', 'number'] } },
      },
    },
    chart: {
      type: 'object',
      required: ['title', 'labelKey', 'valueKeys', 'rows'],
      properties: {
        title: { type: 'string' },
        labelKey: { type: 'string' },
        valueKeys: { type: 'array', items: { type: 'string' } },
        rows: { type: 'array', items: row },
      },
    },
  },
} as const;

const fileAnswers = (json: Record<string, unknown>, description: string) => ({
  description,
  content: {
    'application/json': { schema: json },
    [XLSX]: { schema: { type: 'string', format: 'binary' } },
    'application/pdf': { schema: { type: 'string', format: 'binary' } },
  },
});

interface TimeQuery {
  from?: string;
  to?: string;
  asOf?: string;
  knownAt?: string;
  format?: 'json' | 'xlsx' | 'pdf';
}

function filtersOf(
  query: TimeQuery & { unit?: string; insurer?: string; product?: string; level?: string },
): ReportFilters {
  return {
    from: query.from,
    to: query.to,
    unit: query.unit,
    insurer: query.insurer,
    product: query.product,
    level: query.level,
    asOf: query.asOf,
    knownAt: query.knownAt ? new Date(query.knownAt) : undefined,
  };
}

async function send(reply: FastifyReply, format: string, name: string, reports: Report[], json: unknown) {
  if (format === 'json') return json;
  reply.header('content-disposition', `attachment; filename="${name}.${format}"`);
  if (format === 'xlsx') return reply.type(XLSX).send(await reportXlsx(reports));
  return reply.type('application/pdf').send(await reportPdf(reports));
}

function refusal(reply: FastifyReply, error: unknown) {
  if (!(error instanceof ReportError)) throw error;
  const status = error.kind === 'forbidden' ? 403 : error.kind === 'not_found' ? 404 : 400;
  const code = error.kind === 'invalid' ? 'bad_request' : error.kind;
  return reply.code(status).send({ error: code, message: error.message });
}

export const reportRoutes: FastifyPluginAsync = async (app, options) => {
  // Reports sent by e-mail on a schedule (./schedules.ts), on the same instance.
  await reportScheduleRoutes(app, options);

  app.get<{
    Params: { report: string };
    Querystring: TimeQuery & { unit?: string; insurer?: string; product?: string; level?: string };
  }>(
    '/api/reports/management/:report',
    {
      config: permission('reports.read'),
      schema: {
        tags,
        summary:
          'A management report (sales, network, persistency, remuneration, collections, exchange) as of a date and as known at a moment, as JSON, XLSX or PDF',
        params: {
          type: 'object',
          required: ['report'],
          additionalProperties: false,
          properties: { report: { type: 'string', enum: [...MANAGEMENT_REPORTS] } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...timeQuery,
            unit: { ...codeSchema, description: 'a unit with its sub-units' },
            insurer: codeSchema,
            product: codeSchema,
            level: { ...codeSchema, description: 'consultants at this career level on asOf' },
          },
        },
        response: {
          200: fileAnswers(reportSchema, 'The report in the format asked for'),
          ...apiErrors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      try {
        const visible = (await request.auth?.visible()) ?? null;
        const report = await managementReport(
          app.database,
          request.params.report,
          filtersOf(request.query),
          visible,
        );
        const name = `${report.name}_${report.filters.from}_${report.filters.to}`;
        return await send(reply, request.query.format ?? 'json', name, [report], report);
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );

  app.get<{ Params: { code: string }; Querystring: TimeQuery }>(
    '/api/reports/consultants/:code',
    {
      config: permission('accruals.read'),
      schema: {
        tags,
        summary:
          "A consultant's report: own and downline sales, every remuneration line explained, progress to the next level and contests, persistency, trends",
        params: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: { code: codeSchema },
        },
        querystring: { type: 'object', additionalProperties: false, properties: timeQuery },
        response: {
          200: fileAnswers(
            {
              type: 'object',
              required: ['consultant', 'sections', 'progress'],
              properties: {
                consultant: {
                  type: 'object',
                  required: ['code', 'fullName', 'level', 'unit'],
                  properties: {
                    code: { type: 'string' },
                    fullName: { type: 'string' },
                    level: { type: ['string', 'null'] },
                    unit: { type: ['string', 'null'] },
                  },
                },
                sections: { type: 'array', items: reportSchema },
                progress: {
                  type: 'object',
                  required: ['level', 'nextLevel', 'condition', 'period', 'figures'],
                  properties: {
                    level: { type: ['string', 'null'] },
                    nextLevel: { type: ['string', 'null'] },
                    condition: { type: ['string', 'null'], description: "the plan's promotion condition" },
                    period: { type: ['string', 'null'], description: 'the period of the figures' },
                    figures: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
                  },
                },
              },
            },
            "The consultant's report",
          ),
          ...apiErrors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      try {
        const visible = (await request.auth?.visible()) ?? null;
        const report = await consultantReport(
          app.database,
          request.params.code,
          filtersOf(request.query),
          visible,
        );
        const f = report.sections[0].filters;
        return await send(
          reply,
          request.query.format ?? 'json',
          `consultant_${report.consultant.code}_${f.from}_${f.to}`,
          report.sections,
          report,
        );
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );

  app.get<{
    Querystring: {
      entityKind?: string;
      entityId?: string;
      actor?: string;
      from?: string;
      to?: string;
      offset?: number;
      limit?: number;
    };
  }>(
    '/api/audit',
    {
      config: permission('audit.read'),
      schema: {
        tags,
        summary: 'The audit log, newest first: who changed what, when, from what to what and why',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            entityKind: { ...text(50, 1), description: 'consultant, unit, policy, insurer, user …' },
            entityId: text(100, 1),
            actor: text(100, 1),
            from: { ...dateSchema, description: 'first day (UTC)' },
            to: { ...dateSchema, description: 'last day (UTC), included' },
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
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'occurredAt', 'actor', 'action', 'entityKind', 'entityId', 'reason'],
                  properties: {
                    id: { type: 'integer' },
                    occurredAt: { type: 'string', format: 'date-time' },
                    actor: { type: 'string' },
                    action: { type: 'string' },
                    entityKind: { type: 'string' },
                    entityId: { type: 'string' },
                    before: {},
                    after: {},
                    reason: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...apiErrors(400, 401, 403),
        },
      },
    },
    async (request) => listAudit(app.database, request.query),
  );
};
