/**
 * The back office over HTTP: production periods (list, calculate with preview, blockers, close),
 * the ledger of a period, recalculation of closed periods (pending requests, preview, post), manual
 * career and sponsor changes (with a preview of their impact), acts of a closed period (produce,
 * register as JSON/CSV/XLSX, one act's PDF), the what-if of a draft plan, and contests.
 *
 * Each route declares its permission (src/auth/roles.ts). The accruals listing, the acts' register
 * and an act's PDF show a manager only their units' consultants and a consultant only their own;
 * anything else answers 404, as if it did not exist.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import {
  ActInputError,
  actsDb,
  type Intermediary,
  loadActPdf,
  loadPeriodRegister,
  periodRegister,
  periodRegisterCsv,
  periodRegisterXlsx,
} from '../../../../back-office/acts';
import {
  ACCRUAL_KINDS,
  CalculationRefusedError,
  calculatePeriod,
  listAccruals,
  PlanRefusedError,
  productCatalog,
  whatIf,
  toPlainLine,
  type CompiledPlan,
  compilePlan,
  loadPlanText,
  PLAN_TEXT_MAX_CHARS,
} from '../../../../back-office/compensation';
import { NetworkRuleError } from '../../../../back-office/network';
import { seesMoneyOf, seesMoneyOfCode, type VisibleConsultants } from '../../../auth';
import type { Database } from '../../../db';
import {
  actorSchema,
  apiErrors,
  codeSchema,
  dateSchema,
  idSchema,
  MAX_ID,
  periodParamsSchema,
  periodSchema,
  text,
} from '../../schema-types';
import { proposedSchema, registerApprovalRoutes } from './approvals';
import { registerContestRoutes } from './contests';
import {
  accrualsSchema,
  actsIntermediarySchema,
  actsProducedSchema,
  actsRegisterSchema,
  blockersSchema,
  calculationSchema,
  changeRecordedSchema,
  closedSchema,
  correctionsSchema,
  pendingRequestsSchema,
  periodSchema as periodAnswer,
  whatIfSchema,
} from './schemas';
import {
  ChangeRefusedError,
  closePeriod,
  closingBlockers,
  listPeriods,
  type ManualCareerChange,
  pendingRequests,
  PeriodCloseRefusedError,
  postCorrections,
  previewChange,
  previewCorrections,
  producePeriodActs,
  recordManualCareerChange,
  recordSponsorChange,
  type SponsorChange,
  submitChange,
  type Submitted,
} from '../../../../back-office/periods';

export interface BackOfficeRouteOptions {
  /** The intermediary printed on acts (Замовник); a request may give its own. */
  intermediary?: Intermediary;
}

const date = dateSchema;
/** A reason kept with a bitemporal fact or in the audit log (1000 characters). */
const reason = text(1000, 1);
const errors = apiErrors(400, 404, 409, 422);
/**
 * A preview of a change inside a closed period is computed as if it were approved (rolled back,
 * nothing kept); the change itself waits for a second person.
 */
const PREVIEW_APPROVER = 'preview:as-if-approved';

/**
 * The ledger lines of a period that a manager's scope sees, paged as the unscoped listing is: the
 * ledger is read 5,000 lines at a time by keyset (never by offset) and filtered, until the page is full.
 */
async function scopedAccruals(
  database: Database,
  query: Parameters<typeof listAccruals>[1],
  visible: VisibleConsultants,
): Promise<Awaited<ReturnType<typeof listAccruals>>> {
  const skip = query.offset ?? 0;
  const want = query.limit ?? 1000;
  const chunk = 5000;
  const found: Awaited<ReturnType<typeof listAccruals>> = [];
  let seen = 0;
  let after = query.after;
  for (;;) {
    const lines = await listAccruals(database, { ...query, after, offset: 0, limit: chunk });
    for (const line of lines) {
      if (!seesMoneyOf(visible, line.consultantId)) continue;
      if (seen++ < skip) continue;
      found.push(line);
      if (found.length === want) return found;
    }
    if (lines.length < chunk) return found;
    const last = lines[lines.length - 1];
    after = { runId: last.runId, lineNo: last.lineNo };
  }
}

/** `after=<run>:<line>` of the ledger listing. */
function accrualCursor(after: string | undefined): { runId: number; lineNo: number } | undefined {
  if (after === undefined) return undefined;
  const [runId, lineNo] = after.split(':').map(Number);
  return { runId, lineNo };
}

/** A page of ledger lines with the cursor of the next page when this one is full. */
function accrualPage(items: Awaited<ReturnType<typeof listAccruals>>, limit: number | undefined) {
  const last = items[items.length - 1];
  return { items, next: last && items.length === (limit ?? 1000) ? `${last.runId}:${last.lineNo}` : null };
}

/** Refusals a user can act on answer 409/422 with their message; anything else stays a 500. */
function asClientError(error: unknown): never {
  if (
    error instanceof PeriodCloseRefusedError ||
    error instanceof CalculationRefusedError ||
    error instanceof NetworkRuleError
  )
    throw Object.assign(error, { statusCode: 409 });
  if (
    error instanceof ChangeRefusedError ||
    error instanceof ActInputError ||
    error instanceof PlanRefusedError ||
    error instanceof RangeError
  )
    throw Object.assign(error, { statusCode: 422 });
  throw error;
}
const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    return asClientError(error);
  }
};

export function backOfficeRoutes(options: BackOfficeRouteOptions = {}): FastifyPluginAsync {
  return async (app) => {
    const tags = ['back-office'];
    await registerContestRoutes(app, tags);
    await registerApprovalRoutes(app, tags);

    app.get(
      '/api/periods',
      {
        config: { permission: 'periods.read' },
        schema: {
          tags,
          summary: 'Production periods with status and pending recalculation requests',
          response: {
            200: {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: periodAnswer } },
            },
          },
        },
      },
      async () => ({
        items: await listPeriods(app.database),
      }),
    );

    app.post<{ Params: { code: string }; Body: { preview?: boolean; createdBy?: string; lines?: boolean } }>(
      '/api/periods/:code/calculate',
      {
        config: { permission: 'periods.write' },
        schema: {
          tags,
          summary:
            'Calculate a period (posts its ledger; re-runnable until closed) or preview it with every line',
          params: periodParamsSchema,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              preview: { type: 'boolean', description: 'true: return every line, post nothing' },
              createdBy: actorSchema,
              lines: { type: 'boolean' },
            },
          },
          response: { 200: calculationSchema, ...errors },
        },
      },
      async (request) =>
        guarded(async () => {
          const body = request.body ?? {};
          const result = await calculatePeriod(app.database, request.params.code, {
            preview: body.preview,
            createdBy: body.createdBy,
          });
          const { lines, metrics: _metrics, ...summary } = result;
          return {
            ...summary,
            lines: body.preview || body.lines ? lines.map(toPlainLine) : undefined,
          };
        }),
    );

    app.get<{ Params: { code: string } }>(
      '/api/periods/:code/blockers',
      {
        config: { permission: 'periods.read' },
        schema: {
          tags,
          summary: 'What keeps the period from closing now',
          params: periodParamsSchema,
          response: { 200: blockersSchema, ...errors },
        },
      },
      async (request) => ({ items: await closingBlockers(app.database, request.params.code) }),
    );

    app.post<{ Params: { code: string }; Body: { closedBy: string } }>(
      '/api/periods/:code/close',
      {
        config: { permission: 'periods.write' },
        schema: {
          tags,
          summary: 'Close a calculated period for good; 409 with every blocking item when refused',
          params: periodParamsSchema,
          body: {
            type: 'object',
            required: ['closedBy'],
            additionalProperties: false,
            properties: { closedBy: actorSchema },
          },
          response: {
            200: closedSchema,
            400: { $ref: 'ApiError#' },
            409: {
              type: 'object',
              description: 'Refused: every blocking item',
              properties: {
                error: { type: 'string' },
                message: { type: 'string' },
                blockers: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      kind: { type: 'string' },
                      message: { type: 'string' },
                      ref: { type: ['integer', 'string'] },
                    },
                  },
                },
              },
            },
          },
        },
      },
      async (request, reply) => {
        try {
          return await closePeriod(app.database, request.params.code, { closedBy: request.body.closedBy });
        } catch (error) {
          if (!(error instanceof PeriodCloseRefusedError)) throw error;
          return reply
            .code(409)
            .send({ error: 'period_not_closed', message: error.message, blockers: error.blockers });
        }
      },
    );

    app.get<{
      Params: { code: string };
      Querystring: { consultantId?: number; kind?: string; after?: string; offset?: number; limit?: number };
    }>(
      '/api/periods/:code/accruals',
      {
        config: { permission: 'accruals.read' },
        schema: {
          tags,
          summary: 'Ledger lines posted in the period (its calculation and the corrections posted in it)',
          params: periodParamsSchema,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              consultantId: idSchema,
              kind: { type: 'string', enum: [...ACCRUAL_KINDS] },
              after: {
                type: 'string',
                pattern: '^[0-9]{1,15}:[0-9]{1,9}$',
                description:
                  'Keyset paging: the `next` of the previous page (`<run>:<line>`); lines after that one, read by index however deep',
              },
              offset: { type: 'integer', minimum: 0, maximum: MAX_ID },
              limit: { type: 'integer', minimum: 1, maximum: 5000 },
            },
          },
          response: { 200: accrualsSchema, 404: { $ref: 'ApiError#' } },
        },
      },
      async (request, reply) => {
        const { after, ...rest } = request.query;
        const query = { periodCode: request.params.code, ...rest, after: accrualCursor(after) };
        const page = (items: Awaited<ReturnType<typeof listAccruals>>) => accrualPage(items, query.limit);
        const visible = (await request.auth?.visible()) ?? null;
        if (visible === null) return page(await listAccruals(app.database, query));
        // Another consultant's accruals are not there for this caller: 404, as if there were none.
        if (query.consultantId !== undefined && !seesMoneyOf(visible, query.consultantId))
          return reply
            .code(404)
            .send({ error: 'not_found', message: `no accruals of consultant ${query.consultantId} to show` });
        if (query.consultantId !== undefined) return page(await listAccruals(app.database, query));
        // A consultant: their own lines only.
        if (visible.kind === 'consultant')
          return page(
            visible.ownId === null
              ? []
              : await listAccruals(app.database, { ...query, consultantId: visible.ownId }),
          );
        return page(await scopedAccruals(app.database, query, visible));
      },
    );

    app.get(
      '/api/corrections/pending',
      {
        config: { permission: 'periods.read' },
        schema: {
          tags,
          summary: 'Recalculation requests waiting to be posted',
          response: { 200: pendingRequestsSchema },
        },
      },
      async () => ({
        items: await pendingRequests(app.database),
      }),
    );

    const correctionBody = {
      type: 'object',
      additionalProperties: false,
      properties: {
        fromPeriod: periodSchema,
        postedBy: actorSchema,
      },
    } as const;
    app.post<{ Body: { fromPeriod?: string; postedBy?: string } }>(
      '/api/corrections/preview',
      {
        // What posting would do to everyone's money: for those who post it.
        config: { permission: 'periods.write' },
        schema: {
          tags,
          summary: 'The storno and additional lines per consultant, posted nowhere',
          body: correctionBody,
          response: { 200: correctionsSchema, ...errors },
        },
      },
      async (request) => guarded(() => previewCorrections(app.database, request.body ?? {})),
    );
    app.post<{ Body: { fromPeriod?: string; postedBy?: string } }>(
      '/api/corrections/post',
      {
        config: { permission: 'periods.write' },
        schema: {
          tags,
          summary: 'Post the corrections of every pending request into the open period',
          body: correctionBody,
          response: { 200: correctionsSchema, ...errors },
        },
      },
      async (request) => guarded(() => postCorrections(app.database, request.body ?? {})),
    );

    /** 201 with what was applied, or 202 with the change request kept for a second person. */
    const submitted = (reply: FastifyReply, outcome: Submitted) =>
      outcome.status === 'applied'
        ? reply.code(201).send(outcome.result)
        : reply.code(202).send({ status: 'pending', changeRequest: outcome.request });
    const changeAnswers = {
      200: {
        ...correctionsSchema,
        description: 'preview: what the change would post; nothing recorded',
      },
      201: { ...changeRecordedSchema, description: 'outside closed periods: applied at once' },
      202: proposedSchema,
      ...errors,
    };

    app.post<{ Body: Omit<ManualCareerChange, 'recordedBy'> & { recordedBy?: string; preview?: boolean } }>(
      '/api/careers/changes',
      {
        config: { permission: 'network.write' },
        schema: {
          tags,
          summary:
            'A manual career change; inside a closed period it is kept for another user to approve (202); preview: its impact, nothing recorded',
          body: {
            type: 'object',
            required: ['consultantCode', 'levelCode', 'validFrom', 'reason'],
            additionalProperties: false,
            properties: {
              consultantCode: codeSchema,
              levelCode: codeSchema,
              validFrom: date,
              validTo: date,
              reason,
              recordedBy: actorSchema,
              preview: { type: 'boolean' },
            },
          },
          response: changeAnswers,
        },
      },
      async (request, reply) =>
        guarded(async () => {
          const { preview, recordedBy: _author, ...change } = request.body;
          const author = request.auth!.principal.login;
          if (preview)
            return previewChange(app.database, (tx) =>
              recordManualCareerChange(tx, { ...change, recordedBy: author, approvedBy: PREVIEW_APPROVER }),
            );
          return submitted(
            reply,
            await submitChange(app.database, { kind: 'career_change', change }, author),
          );
        }),
    );

    app.post<{ Body: Omit<SponsorChange, 'recordedBy'> & { recordedBy?: string; preview?: boolean } }>(
      '/api/sponsors/changes',
      {
        config: { permission: 'network.write' },
        schema: {
          tags,
          summary:
            'Move a consultant under another sponsor from a date; inside a closed period it is kept for another user to approve (202); preview: its impact, nothing recorded',
          body: {
            type: 'object',
            required: ['consultantCode', 'sponsorCode', 'validFrom', 'reason'],
            additionalProperties: false,
            properties: {
              consultantCode: codeSchema,
              sponsorCode: {
                ...codeSchema,
                type: ['string', 'null'],
                description: 'null: no sponsor from validFrom',
              },
              validFrom: date,
              validTo: date,
              reason,
              recordedBy: actorSchema,
              preview: { type: 'boolean' },
            },
          },
          response: changeAnswers,
        },
      },
      async (request, reply) =>
        guarded(async () => {
          const { preview, recordedBy: _author, ...change } = request.body;
          const author = request.auth!.principal.login;
          if (preview)
            return previewChange(app.database, (tx) =>
              recordSponsorChange(tx, { ...change, recordedBy: author, approvedBy: PREVIEW_APPROVER }),
            );
          return submitted(
            reply,
            await submitChange(app.database, { kind: 'sponsor_change', change }, author),
          );
        }),
    );

    app.post<{ Params: { code: string }; Body: { intermediary?: Intermediary; createdBy?: string } }>(
      '/api/periods/:code/acts',
      {
        config: { permission: 'acts.write' },
        schema: {
          tags,
          summary:
            'Produce the acts of a closed period (with corrections of earlier periods) and check them against the ledger, answering when done (POST …/acts/jobs does it as a job with its progress)',
          params: periodParamsSchema,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              createdBy: actorSchema,
              intermediary: actsIntermediarySchema,
            },
          },
          response: { 200: actsProducedSchema, ...errors },
        },
      },
      async (request, reply) => {
        const intermediary = request.body?.intermediary ?? options.intermediary;
        if (!intermediary)
          return reply.code(422).send({
            error: 'unprocessable_entity',
            message: 'body.intermediary is required (no default is configured)',
          });
        return guarded(async () => {
          const result = await producePeriodActs(app.database, request.params.code, {
            intermediary,
            createdBy: request.body?.createdBy,
          });
          return {
            period: request.params.code,
            issued: result.issued.map((i) => ({
              number: i.act.number,
              consultantCode: i.act.consultant.code,
              fullName: i.act.consultant.fullName,
              grossKop: i.act.grossKop,
              correctionsKop: i.act.correctionsTotalKop,
              withheldKop: i.act.withheldKop,
              netKop: i.act.netKop,
              pdfSha256: i.pdfSha256,
            })),
            alreadyIssued: result.alreadyIssued,
            nothingToPay: result.nothingToPay,
            check: result.check,
          };
        });
      },
    );

    app.get<{ Params: { code: string }; Querystring: { format?: 'json' | 'csv' | 'xlsx' } }>(
      '/api/periods/:code/acts/register',
      {
        config: { permission: 'acts.read' },
        schema: {
          tags,
          summary: 'The register of the period’s issued acts (JSON, CSV or XLSX)',
          params: periodParamsSchema,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { format: { type: 'string', enum: ['json', 'csv', 'xlsx'] } },
          },
          response: {
            200: {
              description: 'The register in the format asked for (JSON unless ?format= says otherwise)',
              content: {
                'application/json': { schema: actsRegisterSchema },
                'text/csv': { schema: { type: 'string' } },
                'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
                  schema: { type: 'string', format: 'binary' },
                },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const whole = await loadPeriodRegister(app.database, request.params.code);
        const visible = (await request.auth?.visible()) ?? null;
        const register =
          visible === null
            ? whole
            : periodRegister(
                whole.period,
                whole.rows.filter((r) => seesMoneyOfCode(visible, r.consultantCode)),
              );
        const format = request.query.format ?? 'json';
        if (format === 'json') return register;
        const name = `register_${request.params.code}.${format}`;
        reply.header('content-disposition', `attachment; filename="${name}"`);
        if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(periodRegisterCsv(register));
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .send(await periodRegisterXlsx(register));
      },
    );

    app.get<{ Params: { year: number; seq: string } }>(
      '/api/acts/:year/:seq/pdf',
      {
        config: { permission: 'acts.read' },
        schema: {
          tags,
          summary: 'An issued act’s PDF, byte for byte as issued (act number year/sequence)',
          params: {
            type: 'object',
            required: ['year', 'seq'],
            additionalProperties: false,
            properties: {
              year: { type: 'integer', minimum: 1900, maximum: 9999 },
              seq: { type: 'string', pattern: '^\\d{6,}$', maxLength: 12 },
            },
          },
          response: {
            200: {
              description: 'The PDF as issued',
              content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
            },
            404: { $ref: 'ApiError#' },
          },
        },
      },
      async (request, reply) => {
        const number = `${request.params.year}/${request.params.seq}`;
        const visible = (await request.auth?.visible()) ?? null;
        if (visible !== null) {
          // Another consultant's act is not there for this caller: 404, as for an act that does not exist.
          const act = await actsDb(app.database)
            .selectFrom('act')
            .select('consultant_id')
            .where('act_number', '=', number)
            .executeTakeFirst();
          if (!act || !seesMoneyOf(visible, Number(act.consultant_id)))
            return reply.code(404).send({ error: 'not_found', message: `no act ${number}` });
        }
        const pdf = await loadActPdf(app.database, number);
        if (!pdf) return reply.code(404).send({ error: 'not_found', message: `no act ${number}` });
        return reply.type('application/pdf').send(pdf);
      },
    );

    app.post<{ Body: { period: string; plan?: string; planVersionId?: number } }>(
      '/api/plans/what-if',
      {
        // Everyone's money under a draft plan: for those who draft plans.
        config: { permission: 'plans.write' },
        schema: {
          tags,
          summary:
            'A draft plan over a posted period, per consultant and rule; writes nothing. The plan is sent as its YAML or JSON text, or chosen as a registered plan version',
          body: {
            type: 'object',
            required: ['period'],
            additionalProperties: false,
            properties: {
              period: periodSchema,
              plan: {
                type: 'string',
                minLength: 1,
                maxLength: PLAN_TEXT_MAX_CHARS,
                description: 'The draft plan, the text of a plan file (YAML or JSON); or give planVersionId',
              },
              planVersionId: { ...idSchema, description: 'A registered plan version (draft or active)' },
            },
          },
          response: { 200: whatIfSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { period, plan, planVersionId } = request.body;
        if ((plan === undefined) === (planVersionId === undefined)) {
          return reply.code(400).send({
            error: 'bad_request',
            message: 'body.plan or body.planVersionId: give exactly one',
            details: [
              { field: 'body.plan', message: 'give the plan text or body.planVersionId, exactly one' },
            ],
          });
        }
        return guarded(async () => {
          const catalog = await productCatalog(app.database);
          let draft: CompiledPlan;
          if (plan !== undefined) draft = loadPlanText(plan, 'body.plan', catalog);
          else {
            const row = await app.database.db
              .selectFrom('plan_version' as never)
              .select(['document' as never])
              .where('id' as never, '=', planVersionId as never)
              .executeTakeFirst();
            if (!row)
              return reply
                .code(404)
                .send({ error: 'not_found', message: `no plan version ${planVersionId}` });
            const document = app.database.dialect.readJson((row as { document: unknown }).document);
            draft = compilePlan(document, `plan version ${planVersionId}`, catalog);
          }
          return whatIf(app.database, draft, period);
        });
      },
    );
  };
}
