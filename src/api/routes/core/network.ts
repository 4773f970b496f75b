/**
 * The network over HTTP, thin over back-office/network: units (tree with counts, open, rename, move,
 * close), consultants (list, card, policies, hire, terminate, rehire, transfer, contact), the sponsor
 * tree and a consultant's upline and downline, each read "as of D" and "as known at K".
 * Reads need network.read, writes network.write. A refusal answers 4xx naming the field.
 */
import type { FastifyContextConfig, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  closeUnit,
  hireConsultant,
  listConsultants,
  moveUnit,
  NetworkInputError,
  networkTree,
  openUnit,
  policiesOfConsultant,
  rehireConsultant,
  relativesPage,
  renameUnit,
  showUnitNode,
  terminateConsultant,
  unitMembersAsOf,
  unitTreeAsOf,
  updateContactDetails,
} from '../../../../back-office/network';
import { consultantCard } from '../../../../back-office/consultant-card';
import { submitChange } from '../../../../back-office/periods';
import { proposedSchema } from '../back-office/approvals';
import type { ApiErrorBody } from '../../errors';
import { pageOffset, type PageQuery, pageQueryProperties } from '../../paging';
import { actorSchema, apiErrors, codeSchema, dateSchema, text } from '../../schema-types';

/**
 * The permission a route needs, read by the authorisation hook (`config.permission`); cast because
 * fastify's route config type learns the key only where that hook declares it.
 */
const permission = (name: 'network.read' | 'network.write') =>
  ({ permission: name }) as unknown as FastifyContextConfig;
const READ = permission('network.read');
const WRITE = permission('network.write');
const tags = ['network'];

const reason = text(1000, 1);
const optionalReason = text(1000);
// The digits and the check digit are the module's to judge (422 naming body.taxNumber), so that the
// OpenAPI document needs no pattern a client generator would have to reproduce.
const taxNumber = {
  type: 'string',
  minLength: 10,
  maxLength: 10,
  description: 'РНОКПП: 10 digits, the last a check digit (weights -1,5,7,9,4,6,10,5,7, sum mod 11 mod 10)',
  examples: ['3184710691'],
} as const;
const phone = {
  type: ['string', 'null'],
  maxLength: 40,
  pattern: '^\\+?[0-9 ()-]{5,40}$',
  examples: ['+380501234567'],
};
const email = {
  type: ['string', 'null'],
  maxLength: 200,
  format: 'email',
  examples: ['o.koval@example.com'],
};
const address = { type: ['string', 'null'], maxLength: 500 };
const nullableCode = { ...codeSchema, type: ['string', 'null'] };
const codeParams = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { ...codeSchema, examples: ['K-00001'] } },
} as const;
const asOfQuery = {
  asOf: { ...dateSchema, description: 'the business date; today when left out' },
  knownAt: {
    type: 'string',
    format: 'date-time',
    maxLength: 40,
    description: 'as known at this moment; now when left out',
    examples: ['2026-03-01T00:00:00Z'],
  },
};
const closed = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});

// ---- answers (2xx): what each route returns ----
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const date = { type: 'string', format: 'date' } as const;
const nullableDate = { type: ['string', 'null'], format: 'date' } as const;
const object = (properties: Record<string, unknown>, description?: string) => ({
  type: 'object',
  ...(description ? { description } : {}),
  required: Object.keys(properties),
  properties,
});
/** A list route's answer: `{ asOf?, items, page, pageSize, total }`. */
const paged = (item: Record<string, unknown>, description: string, withAsOf = true) => ({
  type: 'object',
  description,
  required: [...(withAsOf ? ['asOf'] : []), 'items', 'page', 'pageSize', 'total'],
  properties: {
    ...(withAsOf ? { asOf: date } : {}),
    items: { type: 'array', items: item },
    page: { type: 'integer', minimum: 1 },
    pageSize: { type: 'integer', minimum: 1 },
    total: { type: 'integer', minimum: 0, description: 'rows over all pages (within the caller’s scope)' },
  },
});
const unitNode = object({
  unitId: int,
  code: str,
  name: { type: 'string', description: 'the name on the date asked about' },
  parentCode: nullableStr,
  managerCode: nullableStr,
  managerName: nullableStr,
  depth: { type: 'integer', description: '0: a top of what the caller sees' },
  consultants: { type: 'integer', description: 'consultants in this unit itself (of the caller’s scope)' },
  consultantsTotal: { type: 'integer', description: 'consultants in it and every unit below (of the scope)' },
  subUnits: int,
  since: date,
});
const relativeNode = object({
  consultantId: int,
  code: str,
  fullName: str,
  sponsorId: { type: ['integer', 'null'] },
  generation: { type: 'integer', description: '1: the sponsor (upline) or a direct recruit (downline)' },
});
const activityStatus = {
  type: ['string', 'null'],
  enum: ['active', 'inactive', 'suspended', 'terminated', null],
} as const;
const consultantSummary = object({
  code: str,
  fullName: str,
  legalForm: str,
  hiredOn: date,
  terminatedOn: nullableDate,
  status: activityStatus,
  unitCode: nullableStr,
});
const treeNode = object({
  consultantId: int,
  code: str,
  fullName: str,
  sponsorCode: nullableStr,
  depth: { type: 'integer', description: '0: a top of the tree shown (the caller, for a consultant)' },
  directDownline: int,
  totalDownline: { type: 'integer', description: 'everyone below, of the caller’s scope' },
});
const consultantCardSchema = object(
  {
    code: str,
    fullName: str,
    taxNumber: nullableStr,
    legalForm: str,
    hiredOn: date,
    terminatedOn: nullableDate,
    contact: object({ phone: nullableStr, email: nullableStr, address: nullableStr }),
    asOf: date,
    status: activityStatus,
    unit: { ...object({ code: str, name: str }), type: ['object', 'null'] },
    level: nullableStr,
    careerHistory: {
      type: 'array',
      items: object({
        levelCode: str,
        validFrom: date,
        validTo: date,
        source: str,
        recordedAt: { type: 'string', format: 'date-time' },
        recordedBy: nullableStr,
        reason: nullableStr,
        approvedBy: nullableStr,
      }),
    },
    statusHistory: {
      type: 'array',
      items: object({
        status: str,
        validFrom: date,
        validTo: date,
        reason: nullableStr,
        recordedBy: nullableStr,
      }),
    },
    upline: { type: 'array', items: relativeNode },
    directDownline: { type: 'array', items: relativeNode, description: 'of the caller’s scope' },
    totalDownline: int,
    policies: object({ count: int, firstPage: str }),
    moneyShown: {
      type: 'boolean',
      description: 'false: the caller may not see this consultant’s money, and accruals and acts are empty',
    },
    personalDataShown: {
      type: 'boolean',
      description:
        'false: a consultant reading someone of their downline; taxNumber and the contact details are null',
    },
    accruals: {
      type: 'array',
      items: object({ periodCode: str, totalKop: int, lines: int }),
      description: 'posted accruals by period, kopiyky',
    },
    acts: {
      type: 'array',
      items: object({ number: str, periodCode: str, actDate: date, netKop: int }),
    },
  },
  'The consultant card',
);
const statusChange = object({ code: str, status: str, from: date });
const readErrors = apiErrors(400, 401, 403, 404);
const listErrors = apiErrors(400, 401, 403);
const writeErrors = apiErrors(400, 401, 403, 404, 409, 422);
const RESPONSES = {
  units: { 200: paged(unitNode, 'The units on the date, parents before children'), ...listErrors },
  unit: {
    200: {
      ...unitNode,
      required: [...unitNode.required, 'asOf', 'members'],
      properties: {
        ...unitNode.properties,
        asOf: date,
        members: { type: 'array', items: object({ code: str, fullName: str }) },
      },
    },
    ...readErrors,
  },
  openUnit: { 201: unitNode, ...writeErrors },
  unitChange: { 200: unitNode, ...writeErrors },
  closeUnit: { 200: object({ code: str, closedOn: date }), ...writeErrors },
  consultants: { 200: paged(consultantSummary, 'A page of consultants'), ...listErrors },
  card: { 200: consultantCardSchema, ...readErrors },
  policies: {
    200: paged(
      object({ policyId: int, number: str, insurerCode: str, productCode: str }),
      'A page of the consultant’s policies',
      false,
    ),
    ...readErrors,
  },
  relatives: { 200: paged(relativeNode, 'A page of the upline or downline'), ...readErrors },
  hire: { 201: object({ consultantId: int, code: str }), ...writeErrors },
  statusChange: { 200: statusChange, ...writeErrors },
  transfer: {
    200: {
      type: 'object',
      description: 'outside closed periods: applied at once',
      required: ['code', 'effectiveOn', 'approvedBy', 'requestedPeriods'],
      properties: {
        code: str,
        effectiveOn: date,
        unitCode: str,
        sponsorCode: nullableStr,
        approvedBy: nullableStr,
        requestedPeriods: {
          type: 'array',
          items: str,
          description: 'closed periods whose recalculation the change asked for',
        },
      },
    },
    ...writeErrors,
  },
  contact: {
    200: object({ code: str, phone: nullableStr, email: nullableStr, address: nullableStr }),
    ...writeErrors,
  },
  tree: { 200: paged(treeNode, 'The sponsor tree, tops first, then by depth and code'), ...readErrors },
};

interface AsOfQuery {
  asOf?: string;
  knownAt?: string;
}
const today = () => new Date().toISOString().slice(0, 10);
const dateOf = (q: AsOfQuery) => q.asOf ?? today();
const knownOf = (q: AsOfQuery) => (q.knownAt ? new Date(q.knownAt) : new Date());

/**
 * Runs the service; a refusal answers its status with the field at fault (`body.` before a body
 * field, as schema errors name them).
 */
async function answer<T>(reply: FastifyReply, bodyFields: readonly string[], work: () => Promise<T>) {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof NetworkInputError)) throw error;
    const field = bodyFields.includes(error.field) ? `body.${error.field}` : error.field;
    const message = error.message.slice(error.field.length + 2);
    const word = { invalid: 'unprocessable_entity', not_found: 'not_found', conflict: 'conflict' }[
      error.kind
    ];
    const body: ApiErrorBody = {
      error: word,
      message: `${field}: ${message}`,
      details: [{ field, message }],
    };
    return reply.code(error.statusCode).send(body);
  }
}

const page = (q: PageQuery) => ({ offset: pageOffset(q), limit: q.pageSize });
/** The caller's scope (src/auth/scope.ts): null for those who see the whole network. */
const scopeOf = async (request: FastifyRequest) => (await request.auth?.visible()) ?? null;
function slicePage<T>(all: T[], q: PageQuery) {
  const offset = pageOffset(q);
  return {
    items: all.slice(offset, offset + q.pageSize),
    page: q.page,
    pageSize: q.pageSize,
    total: all.length,
  };
}

export const networkRoutes: FastifyPluginAsync = async (app) => {
  const database = () => app.database;

  // ---- units ----
  app.get<{ Querystring: PageQuery & AsOfQuery & { q?: string } }>(
    '/api/units',
    {
      config: READ,
      schema: {
        tags,
        summary: 'The unit tree on a date (parents before children) with consultants per unit and below',
        querystring: closed({ ...pageQueryProperties, ...asOfQuery, q: text(100, 1) }),
        response: RESPONSES.units,
      },
    },
    async (request) => {
      const q = request.query;
      const search = q.q?.toLowerCase();
      const all = (await unitTreeAsOf(database(), dateOf(q), knownOf(q), await scopeOf(request))).filter(
        (u) => !search || u.code.toLowerCase().includes(search) || u.name.toLowerCase().includes(search),
      );
      return { asOf: dateOf(q), ...slicePage(all, q) };
    },
  );

  app.get<{ Params: { code: string }; Querystring: AsOfQuery }>(
    '/api/units/:code',
    {
      config: READ,
      schema: {
        tags,
        summary: 'One unit on a date, with its consultants',
        params: codeParams,
        querystring: closed(asOfQuery),
        response: RESPONSES.unit,
      },
    },
    async (request, reply) =>
      answer(reply, [], async () => {
        const scope = await scopeOf(request);
        const node = await showUnitNode(
          database(),
          request.params.code,
          dateOf(request.query),
          knownOf(request.query),
          scope,
        );
        const members = await unitMembersAsOf(
          database(),
          node.unitId,
          dateOf(request.query),
          knownOf(request.query),
          scope,
        );
        return { ...node, asOf: dateOf(request.query), members };
      }),
  );

  const openFields = [
    'code',
    'name',
    'city',
    'parentCode',
    'managerCode',
    'openedOn',
    'recordedBy',
    'reason',
  ];
  app.post<{ Body: Parameters<typeof openUnit>[1] }>(
    '/api/units',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Open a unit on a date, under a parent unit open that day, with a manager',
        body: closed(
          {
            code: codeSchema,
            name: text(300, 1),
            city: { type: ['string', 'null'], maxLength: 100 },
            parentCode: nullableCode,
            managerCode: nullableCode,
            openedOn: dateSchema,
            recordedBy: actorSchema,
            reason: optionalReason,
          },
          ['code', 'name', 'openedOn', 'recordedBy'],
        ),
        response: RESPONSES.openUnit,
      },
    },
    async (request, reply) =>
      answer(reply, openFields, async () => reply.code(201).send(await openUnit(database(), request.body))),
  );

  app.post<{
    Params: { code: string };
    Body: { name: string; from: string; recordedBy: string; reason?: string };
  }>(
    '/api/units/:code/rename',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Rename a unit from a date',
        params: codeParams,
        body: closed(
          { name: text(300, 1), from: dateSchema, recordedBy: actorSchema, reason: optionalReason },
          ['name', 'from', 'recordedBy'],
        ),
        response: RESPONSES.unitChange,
      },
    },
    async (request, reply) =>
      answer(reply, ['name', 'from', 'recordedBy', 'reason'], () =>
        renameUnit(database(), { ...request.body, code: request.params.code }),
      ),
  );

  app.post<{
    Params: { code: string };
    Body: {
      parentCode: string | null;
      managerCode?: string | null;
      from: string;
      recordedBy: string;
      reason: string;
    };
  }>(
    '/api/units/:code/move',
    {
      config: WRITE,
      schema: {
        tags,
        summary:
          'Move a unit under another parent (and manager) from a date; loops and closed parents refused',
        params: codeParams,
        body: closed(
          {
            parentCode: nullableCode,
            managerCode: nullableCode,
            from: dateSchema,
            recordedBy: actorSchema,
            reason,
          },
          ['parentCode', 'from', 'recordedBy', 'reason'],
        ),
        response: RESPONSES.unitChange,
      },
    },
    async (request, reply) =>
      answer(reply, ['parentCode', 'managerCode', 'from', 'recordedBy', 'reason'], () =>
        moveUnit(database(), { ...request.body, code: request.params.code }),
      ),
  );

  app.post<{ Params: { code: string }; Body: { closedOn: string; recordedBy: string; reason: string } }>(
    '/api/units/:code/close',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Close a unit from a date (refused while consultants or sub-units are in it)',
        params: codeParams,
        body: closed({ closedOn: dateSchema, recordedBy: actorSchema, reason }, [
          'closedOn',
          'recordedBy',
          'reason',
        ]),
        response: RESPONSES.closeUnit,
      },
    },
    async (request, reply) =>
      answer(reply, ['closedOn', 'recordedBy', 'reason'], () =>
        closeUnit(database(), { ...request.body, code: request.params.code }),
      ),
  );

  // ---- consultants ----
  app.get<{ Querystring: PageQuery & AsOfQuery & { q?: string; unit?: string } }>(
    '/api/consultants',
    {
      config: READ,
      schema: {
        tags,
        summary:
          'Consultants by code, with status and unit on a date; search by code or name, filter by unit',
        querystring: closed({ ...pageQueryProperties, ...asOfQuery, q: text(100, 1), unit: codeSchema }),
        response: RESPONSES.consultants,
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listConsultants(database(), {
        date: dateOf(q),
        knownAt: knownOf(q),
        search: q.q,
        unitCode: q.unit,
        ...page(q),
        scope: await scopeOf(request),
      });
      return { asOf: dateOf(q), items, page: q.page, pageSize: q.pageSize, total };
    },
  );

  app.get<{ Params: { code: string }; Querystring: AsOfQuery }>(
    '/api/consultants/:code',
    {
      config: READ,
      schema: {
        tags,
        summary:
          'The consultant card on a date: careers, statuses, upline, direct downline, policies, accruals, acts',
        params: codeParams,
        querystring: closed(asOfQuery),
        response: RESPONSES.card,
      },
    },
    async (request, reply) =>
      answer(reply, [], async () =>
        consultantCard(
          database(),
          request.params.code,
          dateOf(request.query),
          knownOf(request.query),
          await scopeOf(request),
        ),
      ),
  );

  app.get<{ Params: { code: string }; Querystring: PageQuery & AsOfQuery }>(
    '/api/consultants/:code/policies',
    {
      config: READ,
      schema: {
        tags,
        summary: "The consultant's policies up to a date, by number",
        params: codeParams,
        querystring: closed({ ...pageQueryProperties, ...asOfQuery }),
        response: RESPONSES.policies,
      },
    },
    async (request, reply) =>
      answer(reply, [], async () => {
        const q = request.query;
        const { items, total } = await policiesOfConsultant(
          database(),
          request.params.code,
          dateOf(q),
          page(q),
          await scopeOf(request),
        );
        return { items, page: q.page, pageSize: q.pageSize, total };
      }),
  );

  for (const direction of ['upline', 'downline'] as const)
    app.get<{ Params: { code: string }; Querystring: PageQuery & AsOfQuery }>(
      `/api/consultants/:code/${direction}`,
      {
        config: READ,
        schema: {
          tags,
          summary:
            direction === 'upline'
              ? "The consultant's sponsors up to the top on a date, nearest first"
              : 'Everyone below the consultant on a date, by generation and code',
          params: codeParams,
          querystring: closed({ ...pageQueryProperties, ...asOfQuery }),
          response: RESPONSES.relatives,
        },
      },
      async (request, reply) =>
        answer(reply, [], async () => {
          const q = request.query;
          const { items, total } = await relativesPage(
            database(),
            request.params.code,
            direction,
            dateOf(q),
            page(q),
            knownOf(q),
            await scopeOf(request),
          );
          return { asOf: dateOf(q), items, page: q.page, pageSize: q.pageSize, total };
        }),
    );

  const hireFields = [
    'code',
    'fullName',
    'taxNumber',
    'legalForm',
    'sponsorCode',
    'unitCode',
    'hiredOn',
    'phone',
    'email',
    'address',
    'recordedBy',
    'reason',
  ];
  app.post<{ Body: Parameters<typeof hireConsultant>[1] }>(
    '/api/consultants',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Hire a consultant into a unit under a sponsor from a date',
        body: closed(
          {
            code: codeSchema,
            fullName: text(300, 1),
            taxNumber,
            legalForm: {
              type: 'string',
              enum: ['individual', 'sole_proprietor'],
              description: 'sole_proprietor: ФОП',
            },
            sponsorCode: { ...nullableCode, description: 'null: the top of the network' },
            unitCode: codeSchema,
            hiredOn: dateSchema,
            phone,
            email,
            address,
            recordedBy: actorSchema,
            reason: optionalReason,
          },
          ['code', 'fullName', 'taxNumber', 'legalForm', 'sponsorCode', 'unitCode', 'hiredOn', 'recordedBy'],
        ),
        response: RESPONSES.hire,
      },
    },
    async (request, reply) =>
      answer(reply, hireFields, async () =>
        reply.code(201).send(await hireConsultant(database(), request.body)),
      ),
  );

  app.post<{ Params: { code: string }; Body: { terminatedOn: string; reason: string; recordedBy: string } }>(
    '/api/consultants/:code/terminate',
    {
      config: WRITE,
      schema: {
        tags,
        summary: "End a consultant's work from a date (not before the hire)",
        params: codeParams,
        body: closed({ terminatedOn: dateSchema, reason, recordedBy: actorSchema }, [
          'terminatedOn',
          'reason',
          'recordedBy',
        ]),
        response: RESPONSES.statusChange,
      },
    },
    async (request, reply) =>
      answer(reply, ['terminatedOn', 'reason', 'recordedBy'], () =>
        terminateConsultant(database(), { ...request.body, code: request.params.code }),
      ),
  );

  app.post<{ Params: { code: string }; Body: { rehiredOn: string; reason: string; recordedBy: string } }>(
    '/api/consultants/:code/rehire',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Take a terminated consultant back from a date',
        params: codeParams,
        body: closed({ rehiredOn: dateSchema, reason, recordedBy: actorSchema }, [
          'rehiredOn',
          'reason',
          'recordedBy',
        ]),
        response: RESPONSES.statusChange,
      },
    },
    async (request, reply) =>
      answer(reply, ['rehiredOn', 'reason', 'recordedBy'], () =>
        rehireConsultant(database(), { ...request.body, code: request.params.code }),
      ),
  );

  const transferFields = ['unitCode', 'sponsorCode', 'effectiveOn', 'reason', 'recordedBy'];
  app.post<{
    Params: { code: string };
    Body: {
      unitCode?: string;
      sponsorCode?: string | null;
      effectiveOn: string;
      reason: string;
      recordedBy?: string;
    };
  }>(
    '/api/consultants/:code/transfer',
    {
      config: WRITE,
      schema: {
        tags,
        summary:
          'Move a consultant to another unit and/or sponsor from a date; inside a closed period it is kept for another user to approve (202)',
        params: codeParams,
        body: closed(
          {
            unitCode: codeSchema,
            sponsorCode: { ...nullableCode, description: 'null: the top of the network' },
            effectiveOn: dateSchema,
            reason,
            recordedBy: actorSchema,
          },
          ['effectiveOn', 'reason'],
        ),
        response: { ...RESPONSES.transfer, 202: proposedSchema },
      },
    },
    async (request, reply) =>
      answer(reply, transferFields, async () => {
        const { recordedBy: _author, ...change } = request.body;
        const outcome = await submitChange(
          database(),
          { kind: 'transfer', change: { ...change, code: request.params.code } },
          request.auth!.principal.login,
        );
        if (outcome.status === 'applied') return outcome.result;
        return reply.code(202).send({ status: 'pending', changeRequest: outcome.request });
      }),
  );

  app.patch<{
    Params: { code: string };
    Body: {
      phone?: string | null;
      email?: string | null;
      address?: string | null;
      recordedBy: string;
      reason?: string;
    };
  }>(
    '/api/consultants/:code/contact',
    {
      config: WRITE,
      schema: {
        tags,
        summary: "Change a consultant's phone, e-mail or address (null clears one)",
        params: codeParams,
        body: closed({ phone, email, address, recordedBy: actorSchema, reason: optionalReason }, [
          'recordedBy',
        ]),
        response: RESPONSES.contact,
      },
    },
    async (request, reply) =>
      answer(reply, ['phone', 'email', 'address', 'recordedBy', 'reason'], () =>
        updateContactDetails(database(), { ...request.body, code: request.params.code }),
      ),
  );

  // ---- the sponsor tree ----
  app.get<{
    Querystring: PageQuery & AsOfQuery & { from?: string; depth?: number; level?: number; q?: string };
  }>(
    '/api/network/tree',
    {
      config: READ,
      schema: {
        tags,
        summary:
          'The sponsor tree on a date with depth and downline counts; from a consultant, to a depth, one level, or searched',
        querystring: closed({
          ...pageQueryProperties,
          ...asOfQuery,
          from: codeSchema,
          depth: { type: 'integer', minimum: 0, maximum: 1000 },
          level: { type: 'integer', minimum: 0, maximum: 1000 },
          q: text(100, 1),
        }),
        response: RESPONSES.tree,
      },
    },
    async (request, reply) =>
      answer(reply, [], async () => {
        const q = request.query;
        const all = await networkTree(
          database(),
          {
            date: dateOf(q),
            knownAt: knownOf(q),
            fromCode: q.from,
            depth: q.depth,
            level: q.level,
            search: q.q,
          },
          await scopeOf(request),
        );
        return { asOf: dateOf(q), ...slicePage(all, q) };
      }),
  );
};
