/**
 * What the back office's screens read beyond the programs' routes in ./index.ts:
 *
 * - a period's ledger a page at a time (`?page=&pageSize=`, by consultant code and kind), with the
 *   totals of everything the filter selects, summed by the database;
 * - (a calculation in the background with its progress is ./calculations.ts);
 * - the compensation plans: plans, their versions, one version with its check against the products
 *   known today, and the check of plan text a person sends (what `ecspert plan check` says).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import {
  ACCRUAL_KINDS,
  accrualTotals,
  checkPlanText,
  countAccruals,
  listAccruals,
  listPlans,
  listPlanVersions,
  loadPlanVersion,
  PLAN_TEXT_MAX_CHARS,
} from '../../../../back-office/compensation';
import { seesMoneyOf } from '../../../auth';
import { type PageQuery, pageEnvelopeSchema, pageQueryProperties, pageQuerySchema } from '../../paging';
import { apiErrors, codeSchema, periodParamsSchema, text } from '../../schema-types';
import { accrualsSchema } from './schemas';

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
        params: periodParamsSchema,
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
  registerAccrualPages(app, tags);
  registerPlanReads(app, tags);
};
