/**
 * Persons, applications and policies over HTTP: thin shells over back-office/policies (validate,
 * call the service, shape the answer). Reads need `policies.read`, changes `policies.write`.
 * Money goes in as decimal text ('1234.56') and comes out as integer kopiyky (`…Kop`).
 */
import type { FastifyContextConfig, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  addPerson,
  APPLICATION_STATUSES,
  type ApplicationFilter,
  enterApplication,
  getApplicationInScope,
  getPersonCard,
  getPolicy,
  listApplications,
  listPersons,
  listPolicies,
  listPremiumPayments,
  type NewApplication,
  type NewPerson,
  paymentCalendar,
  PAYMENT_FREQUENCIES,
  type PersonFilter,
  type PersonRef,
  POLICY_STATUSES,
  type PolicyFilter,
  PolicyRecordError,
  updatePersonContacts,
  withdrawApplication,
} from '../../../../back-office/policies';
import { kopiykyFromDecimal } from '../../../db';
import { pageEnvelopeSchema, pageQueryProperties } from '../../paging';
import { actorSchema, apiErrors, codeSchema, dateSchema, idParams, idSchema, text } from '../../schema-types';

const tags = ['policies'];
/** The permission each route needs (read by the authorisation hook). */
type RouteConfig = FastifyContextConfig & { permission: 'policies.read' | 'policies.write' };
const read: RouteConfig = { permission: 'policies.read' };
const write: RouteConfig = { permission: 'policies.write' };

/** Up to 13 whole hryvnias digits and 2 of kopiyky: NUMERIC(18,2) and an exact number of kopiyky. */
const moneySchema = {
  type: 'string',
  pattern: '^\\d{1,13}(\\.\\d{1,2})?$',
  maxLength: 16,
  description: 'hryvnias as decimal text',
  examples: ['1234.56'],
} as const;
const knownAtSchema = {
  type: 'string',
  format: 'date-time',
  maxLength: 40,
  description: 'as known at this moment (ISO 8601); default now',
} as const;
const reason = text(1000, 1);
const personFields = {
  kind: { type: 'string', enum: ['individual', 'company'], description: 'default individual' },
  fullName: text(300, 1),
  taxNumber: { type: 'string', pattern: '^\\d{10}$', maxLength: 10, description: 'РНОКПП of an individual' },
  companyCode: { type: 'string', pattern: '^\\d{8}$', maxLength: 8, description: 'ЄДРПОУ of a company' },
  birthDate: dateSchema,
  email: text(200),
  phone: text(40),
  address: text(500),
} as const;
const personRefSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'an existing person by id, or one found (by tax number) or added',
  properties: {
    personId: idSchema,
    kind: personFields.kind,
    fullName: personFields.fullName,
    taxNumber: personFields.taxNumber,
    companyCode: personFields.companyCode,
    birthDate: personFields.birthDate,
  },
} as const;

// ---- answers (2xx): what each route returns ----
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const kop = { type: 'integer', description: 'kopiyky' } as const;
const day = { type: 'string', format: 'date' } as const;
const nullableDay = { type: ['string', 'null'], format: 'date' } as const;
const moment = { type: 'string', format: 'date-time' } as const;
const nullableMoment = { type: ['string', 'null'], format: 'date-time' } as const;
const object = (properties: Record<string, unknown>, description?: string) => ({
  type: 'object',
  ...(description ? { description } : {}),
  required: Object.keys(properties),
  properties,
});
const nullable = (schema: { type: string }) => ({ ...schema, type: [schema.type, 'null'] });
const paged = (item: Record<string, unknown>, description: string) =>
  pageEnvelopeSchema(item, `${description} (within the caller’s scope)`);
const personView = object({
  id: int,
  kind: { type: 'string', enum: ['individual', 'company'] },
  fullName: str,
  taxNumber: nullableStr,
  companyCode: nullableStr,
  birthDate: nullableDay,
  email: nullableStr,
  phone: nullableStr,
  address: nullableStr,
  createdAt: moment,
});
const policyListItem = object({
  id: int,
  insurer: str,
  number: str,
  product: str,
  status: { type: 'string', enum: POLICY_STATUSES },
  statusDate: day,
  consultant: nullableStr,
  agentCode: str,
  holderId: int,
  holderName: str,
  issuedOn: day,
  coverStart: day,
  coverEnd: day,
  annualPremiumKop: kop,
  sumInsuredKop: kop,
  paymentFrequency: int,
  versionNo: int,
});
const applicationView = object({
  id: int,
  number: str,
  status: { type: 'string', enum: APPLICATION_STATUSES },
  statusReason: nullableStr,
  insurer: str,
  product: str,
  productName: str,
  consultant: str,
  consultantName: str,
  holderId: int,
  holderName: str,
  insuredId: nullableInt,
  signedOn: day,
  startOn: nullableDay,
  premiumKop: kop,
  sumInsuredKop: kop,
  paymentFrequency: int,
  policyId: nullableInt,
  policyNumber: nullableStr,
  enteredBy: nullableStr,
  createdAt: moment,
  updatedAt: moment,
});
const applicationCard = {
  ...applicationView,
  description: 'An application with its holder, insured, particulars and registers',
  required: [...applicationView.required, 'holder', 'insured', 'details', 'registers'],
  properties: {
    ...applicationView.properties,
    holder: personView,
    insured: nullable(personView),
    details: { description: 'product particulars (the vehicle for motor cover), or null' },
    registers: {
      type: 'array',
      items: object({
        registerNo: str,
        registerDate: day,
        registerStatus: str,
        rowNo: int,
        status: str,
        reason: nullableStr,
        policyNumber: nullableStr,
        sentAt: nullableMoment,
        answeredAt: nullableMoment,
      }),
    },
  },
};
const personCard = {
  ...personView,
  description:
    'A person with the policies they hold today and their applications (within the caller’s scope)',
  required: [...personView.required, 'policies', 'applications'],
  properties: {
    ...personView.properties,
    policies: { type: 'array', items: policyListItem },
    applications: { type: 'array', items: applicationView },
  },
};
const policyVersion = object({
  versionNo: int,
  validFrom: day,
  recordedAt: moment,
  consultantId: nullableInt,
  agentCode: str,
  holderId: int,
  insuredId: nullableInt,
  issuedOn: day,
  coverStart: day,
  coverEnd: day,
  sumInsuredKop: kop,
  annualPremiumKop: kop,
  paymentFrequency: int,
  status: { type: 'string', enum: POLICY_STATUSES },
  statusDate: day,
  amendmentNo: nullableStr,
});
const policyCard = object(
  {
    id: int,
    insurer: str,
    number: str,
    product: str,
    productName: str,
    productGroup: str,
    applicationId: nullableInt,
    applicationNumber: nullableStr,
    asOf: day,
    knownAt: moment,
    current: {
      ...nullable(policyVersion),
      description: 'the version in effect; null before the policy starts',
    },
    holder: nullable(personView),
    insured: nullable(personView),
    consultant: nullable(object({ id: int, code: str, fullName: str })),
    versions: { type: 'array', items: policyVersion },
    amendments: {
      type: 'array',
      items: object({
        amendmentNo: str,
        signedOn: day,
        effectiveOn: day,
        changeKind: str,
        newValue: nullableStr,
        recordedAt: moment,
      }),
    },
  },
  'A policy as of a day, as known at a moment',
);
const premiumPayment = object({
  id: { ...int, description: "the hub's id of the payment" },
  paidOn: day,
  amountKop: { type: 'integer', description: 'kopiyky; negative: a correction or reversal' },
  correction: { type: 'boolean' },
  coverFrom: nullableDay,
  coverTo: nullableDay,
  policyYear: int,
  externalKey: str,
  sourceMessageId: nullableInt,
  sourceRow: nullableInt,
  recordedAt: moment,
  insurerPaymentId: { ...nullableStr, description: "the insurer's id of the payment, when it sends one" },
  reversesPaymentId: {
    ...nullableInt,
    description: "the hub's id of the payment this row reverses, or null",
  },
  reversedBy: { ...nullableInt, description: "the hub's id of the reversal of this payment, or null" },
});
const calendar = object(
  {
    policyId: int,
    number: str,
    insurer: str,
    asOf: day,
    source: { type: 'string', enum: ['schedule', 'derived'] },
    instalments: {
      type: 'array',
      items: object({
        no: int,
        dueOn: day,
        policyYear: int,
        amountKop: kop,
        paidKop: kop,
        paidOn: nullableDay,
        status: { type: 'string', enum: ['paid', 'due', 'overdue', 'upcoming'] },
      }),
    },
    payments: { type: 'array', items: premiumPayment },
    totals: object({
      dueToDateKop: kop,
      receivedKop: kop,
      overdueKop: kop,
      advanceKop: kop,
      overdueCount: int,
    }),
  },
  'The payment calendar against the premiums received',
);
const readErrors = apiErrors(400, 401, 403, 404);
const listErrors = apiErrors(400, 401, 403);
const writeErrors = apiErrors(400, 401, 403, 404, 409, 422);
const RESPONSES = {
  persons: { 200: paged(personView, 'A page of persons'), ...listErrors },
  person: { 200: personCard, ...readErrors },
  addPerson: { 201: personView, ...writeErrors },
  personContacts: { 200: personView, ...writeErrors },
  applications: { 200: paged(applicationView, 'A page of applications'), ...listErrors },
  application: { 200: applicationCard, ...readErrors },
  enterApplication: { 201: applicationCard, ...writeErrors },
  withdrawApplication: { 200: applicationCard, ...writeErrors },
  policies: { 200: paged(policyListItem, 'A page of policies'), ...listErrors },
  policy: { 200: policyCard, ...readErrors },
  calendar: { 200: calendar, ...readErrors },
  payments: { 200: paged(premiumPayment, 'A page of premium payments'), ...readErrors },
};

/** A refusal of the service as the one error shape, naming the field. */
function refuse(reply: FastifyReply, error: unknown, where: 'body' | 'path') {
  if (!(error instanceof PolicyRecordError)) throw error;
  const status = error.kind === 'not_found' ? 404 : error.kind === 'conflict' ? 409 : 422;
  const field =
    error.field && error.kind !== 'not_found' && where === 'body' && error.field !== 'status'
      ? `body.${error.field}`
      : error.field;
  return reply.code(status).send({
    error: error.kind,
    message: error.message,
    ...(field ? { details: [{ field, message: error.message }] } : {}),
  });
}

/** The caller's scope (src/auth/scope.ts): null for those who see every record. */
const scopeOf = async (request: FastifyRequest) => (await request.auth?.visible()) ?? null;

function personRef(ref: Record<string, unknown>): PersonRef {
  return typeof ref.personId === 'number' ? { personId: ref.personId } : (ref as unknown as NewPerson);
}

export const policyRoutes: FastifyPluginAsync = async (app) => {
  // ---- persons ----
  app.get<{ Querystring: PersonFilter & { q?: string } }>(
    '/api/persons',
    {
      config: read,
      schema: {
        tags,
        summary: 'Policyholders and insured persons, found by name or tax number',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQueryProperties,
            q: {
              ...text(300, 1),
              description: 'part of the name, or the start of a tax number or company code',
            },
            taxNumber: personFields.taxNumber,
            kind: personFields.kind,
            sort: { type: 'string', enum: ['name', 'id', 'created'], default: 'name' },
          },
        },
        response: RESPONSES.persons,
      },
    },
    async (request) => {
      const { q, ...filter } = request.query;
      return listPersons(app.database, { ...filter, search: q, scope: await scopeOf(request) });
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/persons/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'A person with their policies and applications',
        params: idParams,
        response: RESPONSES.person,
      },
    },
    async (request, reply) => {
      try {
        return await getPersonCard(app.database, request.params.id, await scopeOf(request));
      } catch (error) {
        return refuse(reply, error, 'path');
      }
    },
  );

  app.post<{ Body: NewPerson & { addedBy: string; reason?: string } }>(
    '/api/persons',
    {
      config: write,
      schema: {
        tags,
        summary: 'Add a person; 409 naming the person who already has the tax number',
        body: {
          type: 'object',
          required: ['fullName', 'addedBy'],
          additionalProperties: false,
          properties: { ...personFields, addedBy: actorSchema, reason },
        },
        response: RESPONSES.addPerson,
      },
    },
    async (request, reply) => {
      const { addedBy, reason: why, ...person } = request.body;
      try {
        return reply.code(201).send(await addPerson(app.database, person, addedBy, why ?? null));
      } catch (error) {
        return refuse(reply, error, 'body');
      }
    },
  );

  app.patch<{
    Params: { id: number };
    Body: {
      email?: string | null;
      phone?: string | null;
      address?: string | null;
      changedBy: string;
      reason: string;
    };
  }>(
    '/api/persons/:id/contacts',
    {
      config: write,
      schema: {
        tags,
        summary: "Change a person's contact details (the audit log keeps before, after and why)",
        params: idParams,
        body: {
          type: 'object',
          required: ['changedBy', 'reason'],
          additionalProperties: false,
          properties: {
            email: { type: ['string', 'null'], maxLength: 200 },
            phone: { type: ['string', 'null'], maxLength: 40 },
            address: { type: ['string', 'null'], maxLength: 500 },
            changedBy: actorSchema,
            reason,
          },
        },
        response: RESPONSES.personContacts,
      },
    },
    async (request, reply) => {
      const { changedBy, reason: why, ...change } = request.body;
      try {
        return await updatePersonContacts(app.database, request.params.id, change, changedBy, why);
      } catch (error) {
        return refuse(reply, error, 'body');
      }
    },
  );

  // ---- applications ----
  app.get<{ Querystring: ApplicationFilter & { holder?: number } }>(
    '/api/applications',
    {
      config: read,
      schema: {
        tags,
        summary: 'Applications with their state (pending, sent, accepted, rejected, issued, withdrawn)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQueryProperties,
            status: { type: 'string', enum: APPLICATION_STATUSES },
            insurer: codeSchema,
            consultant: codeSchema,
            holder: idSchema,
            sort: { type: 'string', enum: ['number', 'signed', 'updated'], default: 'number' },
          },
        },
        response: RESPONSES.applications,
      },
    },
    async (request) => {
      const { holder, ...filter } = request.query;
      return listApplications(app.database, { ...filter, holderId: holder, scope: await scopeOf(request) });
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/applications/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'An application, its registers and answers, and the policy it became',
        params: idParams,
        response: RESPONSES.application,
      },
    },
    async (request, reply) => {
      try {
        return await getApplicationInScope(app.database, request.params.id, await scopeOf(request));
      } catch (error) {
        return refuse(reply, error, 'path');
      }
    },
  );

  app.post<{
    Body: {
      consultant: string;
      insurer: string;
      product: string;
      holder: Record<string, unknown>;
      insured?: Record<string, unknown>;
      premium: string;
      sumInsured: string;
      paymentFrequency: number;
      startOn: string;
      signedOn?: string;
      enteredBy: string;
      reason?: string;
    };
  }>(
    '/api/applications',
    {
      config: write,
      schema: {
        tags,
        summary: 'Enter an application; it goes into the next register of its insurer',
        body: {
          type: 'object',
          required: [
            'consultant',
            'insurer',
            'product',
            'holder',
            'premium',
            'sumInsured',
            'paymentFrequency',
            'startOn',
            'enteredBy',
          ],
          additionalProperties: false,
          properties: {
            consultant: codeSchema,
            insurer: codeSchema,
            product: codeSchema,
            holder: personRefSchema,
            insured: personRefSchema,
            premium: { ...moneySchema, description: 'premium per payment, hryvnias' },
            sumInsured: moneySchema,
            paymentFrequency: {
              type: 'integer',
              enum: [...PAYMENT_FREQUENCIES],
              description: 'payments a year',
            },
            startOn: { ...dateSchema, description: 'the cover start asked for' },
            signedOn: { ...dateSchema, description: 'default today' },
            enteredBy: actorSchema,
            reason,
          },
        },
        response: RESPONSES.enterApplication,
      },
    },
    async (request, reply) => {
      const b = request.body;
      // Scoping: the consultant this application is for is b.consultant.
      const input: NewApplication = {
        consultant: b.consultant,
        insurer: b.insurer,
        product: b.product,
        holder: personRef(b.holder),
        insured: b.insured ? personRef(b.insured) : null,
        premiumKop: kopiykyFromDecimal(b.premium),
        sumInsuredKop: kopiykyFromDecimal(b.sumInsured),
        paymentFrequency: b.paymentFrequency,
        startOn: b.startOn,
        signedOn: b.signedOn,
      };
      try {
        return reply
          .code(201)
          .send(await enterApplication(app.database, input, b.enteredBy, b.reason ?? null));
      } catch (error) {
        return refuse(reply, error, 'body');
      }
    },
  );

  app.post<{ Params: { id: number }; Body: { withdrawnBy: string; reason: string } }>(
    '/api/applications/:id/withdraw',
    {
      config: write,
      schema: {
        tags,
        summary: 'Withdraw a pending application; 409 once it is in a register',
        params: idParams,
        body: {
          type: 'object',
          required: ['withdrawnBy', 'reason'],
          additionalProperties: false,
          properties: { withdrawnBy: actorSchema, reason },
        },
        response: RESPONSES.withdrawApplication,
      },
    },
    async (request, reply) => {
      try {
        return await withdrawApplication(
          app.database,
          request.params.id,
          request.body.withdrawnBy,
          request.body.reason,
        );
      } catch (error) {
        return refuse(reply, error, 'path');
      }
    },
  );

  // ---- policies ----
  const asOfQuery = {
    asOf: { ...dateSchema, description: 'the policy as it was on this day; default today' },
    knownAt: knownAtSchema,
  };
  const when = (q: { asOf?: string; knownAt?: string }) => ({
    asOf: q.asOf,
    knownAt: q.knownAt ? new Date(q.knownAt) : undefined,
  });

  app.get<{ Querystring: PolicyFilter & { holder?: number; knownAt?: string } }>(
    '/api/policies',
    {
      config: read,
      schema: {
        tags,
        summary: 'Policies as of a day (and as known at a moment), filtered, sorted and paged',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQueryProperties,
            consultant: codeSchema,
            insurer: codeSchema,
            product: codeSchema,
            status: { type: 'string', enum: POLICY_STATUSES },
            holder: idSchema,
            number: text(60, 1),
            sort: { type: 'string', enum: ['number', 'issued', 'premium'], default: 'number' },
            ...asOfQuery,
          },
        },
        response: RESPONSES.policies,
      },
    },
    async (request) => {
      const { holder, knownAt, asOf, ...filter } = request.query;
      return listPolicies(app.database, {
        ...filter,
        holderId: holder,
        ...when({ asOf, knownAt }),
        scope: await scopeOf(request),
      });
    },
  );

  const policyWhen = {
    type: 'object',
    additionalProperties: false,
    properties: asOfQuery,
  } as const;

  app.get<{ Params: { id: number }; Querystring: { asOf?: string; knownAt?: string } }>(
    '/api/policies/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'A policy: the version in effect, every version, amendments, holder and consultant',
        params: idParams,
        querystring: policyWhen,
        response: RESPONSES.policy,
      },
    },
    async (request, reply) => {
      try {
        return await getPolicy(app.database, request.params.id, when(request.query), await scopeOf(request));
      } catch (error) {
        return refuse(reply, error, 'path');
      }
    },
  );

  app.get<{ Params: { id: number }; Querystring: { asOf?: string; knownAt?: string } }>(
    '/api/policies/:id/calendar',
    {
      config: read,
      schema: {
        tags,
        summary: 'The payment calendar against the premiums received: due, paid, overdue (kopiyky)',
        params: idParams,
        querystring: policyWhen,
        response: RESPONSES.calendar,
      },
    },
    async (request, reply) => {
      try {
        return await paymentCalendar(
          app.database,
          request.params.id,
          when(request.query),
          await scopeOf(request),
        );
      } catch (error) {
        return refuse(reply, error, 'path');
      }
    },
  );

  app.get<{ Params: { id: number }; Querystring: { page: number; pageSize: number } }>(
    '/api/policies/:id/payments',
    {
      config: read,
      schema: {
        tags,
        summary: 'Premium payments of a policy with corrections and reversals (negative rows), by date',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: pageQueryProperties },
        response: RESPONSES.payments,
      },
    },
    async (request, reply) => {
      try {
        return await listPremiumPayments(
          app.database,
          request.params.id,
          request.query,
          await scopeOf(request),
        );
      } catch (error) {
        return refuse(reply, error, 'path');
      }
    },
  );
};
