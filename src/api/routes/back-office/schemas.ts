/**
 * What the back office's routes answer, for their response schemas (OpenAPI documents them from
 * here; fastify serialises with them). Money is in kopiyky (integers); dates are yyyy-mm-dd, moments
 * ISO 8601. Objects that carry more than is listed say so (`additionalProperties: true`), so that
 * serialising never drops a field the module returns.
 */
import { text } from '../../schema-types';

const int = { type: 'integer' } as const;
const kop = { type: 'integer', description: 'kopiyky' } as const;
const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
const moment = { type: 'string', format: 'date-time' } as const;
const nullable = <T extends { type: string }>(schema: T) => ({ ...schema, type: [schema.type, 'null'] });
const list = (items: object, description?: string) => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});
const items = (item: object, description?: string) => ({
  type: 'object',
  required: ['items'],
  properties: { items: list(item) },
  ...(description ? { description } : {}),
});

export const periodSchema = {
  type: 'object',
  properties: {
    code: { type: 'string', examples: ['2026-03'] },
    startsOn: str,
    endsOn: str,
    status: { type: 'string', enum: ['open', 'calculated', 'closed'] },
    calculatedAt: nullable(moment),
    closedAt: nullable(moment),
    closedBy: nullable(str),
    pendingRequests: { ...int, description: 'Recalculation requests waiting to be posted' },
  },
} as const;

const missingSchema = list(
  {
    type: 'object',
    properties: {
      kind: {
        type: 'string',
        enum: [
          'payment_without_consultant',
          'product_without_points',
          'consultant_without_level',
          'unknown_level',
        ],
      },
      sourceKind: str,
      sourceId: int,
      reason: str,
    },
  },
  'What the calculation could not take into account, and why',
);

/** One line of the ledger as the engine computes it (also a posted accrual's fields). */
const engineLineProperties = {
  lineNo: int,
  consultantId: int,
  periodCode: str,
  kind: { type: 'string', enum: ['personal', 'structural', 'override', 'bonus', 'chargeback', 'contest'] },
  sourceKind: str,
  sourceId: int,
  policyId: nullable(int),
  downlineConsultantId: nullable(int),
  rule: str,
  planVersion: str,
  baseKop: kop,
  rate: { type: 'string', description: 'An exact decimal, e.g. 0.035' },
  amountKop: kop,
  explanation: str,
} as const;

export const calculationSchema = {
  type: 'object',
  description: 'The calculation of a period: its totals, and every line when previewed or asked for',
  properties: {
    runId: { ...nullable(int), description: 'null for a preview: nothing was posted' },
    preview: bool,
    periodCode: str,
    planCode: str,
    planVersion: str,
    fingerprint: str,
    knownAt: moment,
    lineCount: int,
    totalKop: kop,
    byKind: { type: 'object', additionalProperties: kop, description: 'Total per kind of line' },
    missing: missingSchema,
    careerDecisions: list({
      type: 'object',
      properties: {
        consultantId: int,
        kind: { type: 'string', enum: ['promotion', 'demotion'] },
        fromLevel: str,
        toLevel: str,
        effectiveFrom: str,
        reason: str,
      },
    }),
    lines: list({ type: 'object', properties: engineLineProperties }),
    timings: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;

export const blockersSchema = items(
  {
    type: 'object',
    properties: {
      kind: {
        type: 'string',
        enum: [
          'not_calculated',
          'earlier_period_open',
          'recalculation_pending',
          'mismatch',
          'quarantined_message',
          'already_closed',
        ],
      },
      message: str,
      ref: { type: ['integer', 'string'] },
      facts: {
        type: 'object',
        description:
          "The message's facts as values, for a screen to word in its own language: period, status, closedAt, closedBy, request, description, mismatch, mismatchKind, policy, message, messageType, file",
        additionalProperties: { type: ['string', 'null'] },
      },
    },
  },
  'What keeps the period from closing; empty when it may close',
);

export const closedSchema = {
  type: 'object',
  properties: { period: str, closedAt: moment, closedBy: str },
} as const;

export const accrualsSchema = items(
  {
    type: 'object',
    properties: {
      id: int,
      runId: int,
      consultantCode: str,
      ...engineLineProperties,
      kind: str,
      correctsPeriod: {
        ...nullable(str),
        description: 'The closed period a storno or additional line corrects',
      },
      stornoOfAccrualId: nullable(int),
      cause: nullable(str),
    },
  },
  'Ledger lines, in posting order',
);
accrualsSchema.properties = {
  ...accrualsSchema.properties,
  next: {
    ...nullable(str),
    description:
      'When the page is full: the cursor of its last line, to pass as `after` for the next page (null on the last page)',
  },
} as typeof accrualsSchema.properties;

export const pendingRequestsSchema = items({
  type: 'object',
  properties: {
    id: int,
    periodCode: str,
    effectiveOn: str,
    causeKind: str,
    causeRef: str,
    description: str,
    createdAt: moment,
  },
});

/** What posting the corrections does, or would do (preview). */
export const correctionsSchema = {
  type: 'object',
  description:
    'The storno and additional lines of every recalculated closed period, per period and per consultant',
  properties: {
    preview: bool,
    postedIn: { ...nullable(str), description: 'The open period the lines are (or would be) posted in' },
    knownAt: moment,
    requests: list({
      type: 'object',
      properties: { id: int, periodCode: str, causeKind: str, description: str },
    }),
    periods: list({
      type: 'object',
      properties: {
        period: str,
        runId: nullable(int),
        fingerprint: str,
        lines: list({
          type: 'object',
          properties: {
            correctsPeriod: str,
            postedIn: str,
            kind: { type: 'string', enum: ['storno', 'additional'] },
            consultantId: int,
            consultantCode: str,
            rule: str,
            sourceKind: str,
            sourceId: int,
            policyId: nullable(int),
            baseKop: kop,
            rate: str,
            amountKop: kop,
            stornoOfAccrualId: nullable(int),
            explanation: str,
            cause: str,
          },
        }),
        stornoKop: kop,
        additionalKop: kop,
        careerAdjustments: list({
          type: 'object',
          properties: {
            consultantId: int,
            consultantCode: str,
            validFrom: str,
            fromLevel: nullable(str),
            toLevel: str,
            why: str,
          },
        }),
      },
    }),
    recalculated: list(str, 'The closed periods recalculated'),
    byConsultant: list({
      type: 'object',
      properties: {
        consultantId: int,
        consultantCode: str,
        stornoKop: kop,
        additionalKop: kop,
        netKop: kop,
      },
    }),
    stornoKop: kop,
    additionalKop: kop,
    netKop: kop,
    timings: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;

/** A recorded career or sponsor change: the recalculation requests it filed for closed periods. */
export const changeRecordedSchema = {
  type: 'object',
  properties: {
    consultantId: int,
    causeRef: str,
    requestedPeriods: list(str, 'Closed periods a recalculation was requested for'),
  },
} as const;

/** The customer (Замовник) a request for acts may name: the configured one when left out. */
export const actsIntermediarySchema = {
  type: 'object',
  description: 'The customer (Замовник) printed on the acts; the configured one when left out',
  required: ['name', 'edrpou'],
  additionalProperties: false,
  properties: {
    name: text(300, 1),
    edrpou: { type: 'string', pattern: '^\\d{8}$', description: 'Код ЄДРПОУ' },
    city: text(100),
    address: text(300),
    signatory: {
      type: 'object',
      required: ['position', 'name'],
      additionalProperties: false,
      properties: { position: text(100, 1), name: text(300, 1) },
    },
  },
} as const;

export const actsProducedSchema = {
  type: 'object',
  properties: {
    period: str,
    issued: list({
      type: 'object',
      properties: {
        number: { type: 'string', examples: ['2026/000001'] },
        consultantCode: str,
        fullName: str,
        grossKop: kop,
        correctionsKop: kop,
        withheldKop: kop,
        netKop: kop,
        pdfSha256: str,
      },
    }),
    alreadyIssued: list(str, 'Numbers of acts issued before: left as they were'),
    nothingToPay: list({ type: 'object', properties: { consultantCode: str, grossKop: kop } }),
    check: {
      type: 'object',
      description: 'The acts against the ledger of the period',
      properties: {
        period: str,
        ledgerTotalKop: kop,
        actsGrossKop: kop,
        carriedInKop: kop,
        carriedOutKop: kop,
        consultants: int,
        differences: list({
          type: 'object',
          properties: { consultantCode: str, ledgerKop: kop, carriedInKop: kop, actKop: nullable(kop) },
        }),
        carriedForward: list({
          type: 'object',
          properties: { consultantCode: str, ledgerKop: kop, carriedInKop: kop, balanceKop: kop },
        }),
        balanced: bool,
      },
    },
  },
} as const;

export const actsRegisterSchema = {
  type: 'object',
  properties: {
    period: str,
    rows: list({
      type: 'object',
      properties: {
        number: str,
        date: str,
        consultantCode: str,
        fullName: str,
        taxNumber: nullable(str),
        legalForm: { type: 'string', enum: ['individual', 'sole_proprietor'] },
        grossKop: kop,
        pdfoKop: kop,
        militaryLevyKop: kop,
        netKop: kop,
      },
    }),
    totals: {
      type: 'object',
      properties: { acts: int, grossKop: kop, pdfoKop: kop, militaryLevyKop: kop, netKop: kop },
    },
  },
} as const;

export const whatIfSchema = {
  type: 'object',
  description: 'The draft plan against what is posted for the period, per consultant and rule',
  properties: {
    periodCode: str,
    draft: { type: 'object', properties: { code: str, version: str, sha256: str } },
    posted: {
      type: ['object', 'null'],
      properties: { runId: int, planCode: str, planVersion: str, fingerprint: str },
    },
    rows: list({
      type: 'object',
      properties: {
        consultantId: int,
        consultantCode: str,
        rule: str,
        postedKop: kop,
        draftKop: kop,
        differenceKop: kop,
      },
    }),
    byConsultant: list({
      type: 'object',
      properties: {
        consultantId: int,
        consultantCode: str,
        postedKop: kop,
        draftKop: kop,
        differenceKop: kop,
      },
    }),
    postedTotalKop: kop,
    draftTotalKop: kop,
    missing: missingSchema,
  },
} as const;

/** A contest's definition as it was created (POST /api/contests's body). */
const contestDefinition = {
  type: 'object',
  additionalProperties: true,
  description: 'The definition as created: period range, metric, eligibility, tie-break, prizes',
} as const;

export const contestsSchema = {
  type: 'object',
  properties: {
    items: list({
      type: 'object',
      properties: {
        id: int,
        code: str,
        name: str,
        firstPeriod: str,
        lastPeriod: str,
        definition: contestDefinition,
      },
    }),
    total: int,
  },
} as const;

export const contestCreatedSchema = {
  type: 'object',
  properties: { id: int, code: str },
} as const;

export const standingsSchema = {
  type: 'object',
  properties: {
    contest: contestDefinition,
    throughPeriod: str,
    provisional: { ...bool, description: 'true while the contest is still running' },
    standings: list({
      type: 'object',
      properties: {
        place: int,
        consultantId: int,
        code: str,
        score: { type: 'string', description: 'An exact decimal' },
        prize: nullable(str),
        prizeKop: nullable(kop),
        decidedBy: { ...nullable(str), description: 'The tie-break that decided the place, if any' },
      },
    }),
    total: { ...int, description: 'Standings the caller sees, over all pages' },
  },
} as const;
