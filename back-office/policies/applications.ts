/**
 * Applications entered by or for a consultant. A new one is `pending`: the register builder
 * (src/exchange/runs/register-builder.ts) takes every pending application of the insurer into its
 * next register and marks it `sent`; the insurer's answer (src/exchange/apply/register-answers.ts)
 * makes it `accepted`, `rejected` with a reason, or `issued` with the policy it became. A pending
 * application can be withdrawn; once in a register it belongs to the exchange. The rows are written
 * by src/policy-records, the one writer of applications; the rules and the audit are this module's.
 */
import type { Transaction } from 'kysely';
import {
  type ApplicationStatus,
  type Database,
  type DB,
  decimalFromKopiyky,
  type IsoDate,
  kopiykyFromDecimal,
  STILL_KNOWN,
} from '../../src/db';
import {
  insertApplication as insertApplicationRow,
  nextApplicationNumber,
  withdrawPendingApplication,
} from '../../src/policy-records';
import { type ConsultantScope, recordAudit, visibleConsultantIds } from '../network';
import { conflict, invalid, notFound, PolicyRecordError } from './errors';
import { type Page, type PageRequest, readPage } from './paging';
import { findPerson, insertPerson, type NewPerson, personByIdentity, type PersonView } from './persons';

export const PAYMENT_FREQUENCIES = [1, 2, 4, 12] as const;
export const APPLICATION_STATUSES: ApplicationStatus[] = [
  'pending',
  'sent',
  'accepted',
  'rejected',
  'issued',
  'withdrawn',
];

/** The policyholder or insured of a new application: an existing person, or one found or added by tax number. */
export type PersonRef = { personId: number } | NewPerson;

export interface NewApplication {
  /** The consultant's code, e.g. K-00012. */
  consultant: string;
  /** The insurer's code, e.g. DNIPRO_LIFE. */
  insurer: string;
  /** The insurer's product code, e.g. DL-SAV10. */
  product: string;
  holder: PersonRef;
  /** The insured person when not the holder. */
  insured?: PersonRef | null;
  /** Premium per payment, kopiyky. */
  premiumKop: number;
  sumInsuredKop: number;
  paymentFrequency: number;
  /** The cover start the client asks for. */
  startOn: IsoDate;
  /** The day the client signed; default today. */
  signedOn?: IsoDate;
  /** Product particulars (the vehicle for motor cover). */
  details?: Record<string, unknown> | null;
}

export interface ApplicationView {
  id: number;
  number: string;
  status: ApplicationStatus;
  statusReason: string | null;
  insurer: string;
  product: string;
  productName: string;
  consultant: string;
  consultantName: string;
  holderId: number;
  holderName: string;
  insuredId: number | null;
  signedOn: IsoDate;
  startOn: IsoDate | null;
  premiumKop: number;
  sumInsuredKop: number;
  paymentFrequency: number;
  policyId: number | null;
  policyNumber: string | null;
  enteredBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One step of the application's way through registers. */
export interface RegisterStep {
  registerNo: string;
  registerDate: IsoDate;
  registerStatus: string;
  rowNo: number;
  status: string;
  reason: string | null;
  policyNumber: string | null;
  sentAt: Date | null;
  answeredAt: Date | null;
}

export interface ApplicationCard extends ApplicationView {
  holder: PersonView;
  insured: PersonView | null;
  details: unknown;
  registers: RegisterStep[];
}

export interface ApplicationFilter extends PageRequest {
  status?: ApplicationStatus;
  insurer?: string;
  consultant?: string;
  holderId?: number;
  sort?: 'number' | 'signed' | 'updated';
  /** Only the applications of this scope's consultants (null: all). */
  scope?: ConsultantScope | null;
}

function base(database: Database) {
  return database.db
    .selectFrom('application as a')
    .innerJoin('insurer as i', 'i.id', 'a.insurer_id')
    .innerJoin('product as p', 'p.id', 'a.product_id')
    .innerJoin('consultant as c', 'c.id', 'a.consultant_id')
    .innerJoin('person as h', 'h.id', 'a.policyholder_id')
    .leftJoin('policy as pol', 'pol.id', 'a.policy_id');
}

function selectView(query: ReturnType<typeof base>) {
  return query.select([
    'a.id',
    'a.number',
    'a.status',
    'a.status_reason',
    'i.code as insurer',
    'p.code as product',
    'p.name as product_name',
    'c.code as consultant',
    'c.full_name as consultant_name',
    'a.policyholder_id',
    'h.full_name as holder_name',
    'a.insured_person_id',
    'a.signed_on',
    'a.start_on',
    'a.premium',
    'a.sum_insured',
    'a.payment_frequency',
    'a.policy_id',
    'pol.number as policy_number',
    'a.entered_by',
    'a.created_at',
    'a.updated_at',
    'a.details',
  ]);
}

type ViewRow = Awaited<ReturnType<ReturnType<typeof selectView>['executeTakeFirstOrThrow']>>;

function applicationView(r: ViewRow): ApplicationView {
  return {
    id: Number(r.id),
    number: r.number,
    status: r.status,
    statusReason: r.status_reason,
    insurer: r.insurer,
    product: r.product,
    productName: r.product_name,
    consultant: r.consultant,
    consultantName: r.consultant_name,
    holderId: Number(r.policyholder_id),
    holderName: r.holder_name,
    insuredId: r.insured_person_id === null ? null : Number(r.insured_person_id),
    signedOn: r.signed_on,
    startOn: r.start_on ?? null,
    premiumKop: kopiykyFromDecimal(r.premium),
    sumInsuredKop: kopiykyFromDecimal(r.sum_insured),
    paymentFrequency: Number(r.payment_frequency),
    policyId: r.policy_id === null ? null : Number(r.policy_id),
    policyNumber: r.policy_number ?? null,
    enteredBy: r.entered_by ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function listApplications(
  database: Database,
  filter: ApplicationFilter,
): Promise<Page<ApplicationView>> {
  let query = base(database);
  if (filter.scope)
    query = query.where('a.consultant_id', 'in', visibleConsultantIds(database, filter.scope) as never);
  if (filter.status) query = query.where('a.status', '=', filter.status);
  if (filter.insurer) query = query.where('i.code', '=', filter.insurer);
  if (filter.consultant) query = query.where('c.code', '=', filter.consultant);
  if (filter.holderId) query = query.where('a.policyholder_id', '=', filter.holderId);
  const rows = selectView(query);
  const ordered =
    filter.sort === 'signed'
      ? rows.orderBy('a.signed_on', 'desc').orderBy('a.id', 'desc')
      : filter.sort === 'updated'
        ? rows.orderBy('a.updated_at', 'desc').orderBy('a.id', 'desc')
        : rows.orderBy('a.number');
  const page = await readPage(
    filter,
    ordered,
    query.select((eb) => eb.fn.countAll().as('total')),
  );
  return { ...page, items: page.items.map(applicationView) };
}

/** An application by id, or by its number when `ref` is not a number. */
export async function getApplication(database: Database, ref: number | string): Promise<ApplicationCard> {
  let query = selectView(base(database));
  query = typeof ref === 'number' ? query.where('a.id', '=', ref) : query.where('a.number', '=', String(ref));
  const row = await query.executeTakeFirst();
  if (!row) throw notFound(`application ${ref} does not exist`, 'id');
  const view = applicationView(row);
  const registers = await database.db
    .selectFrom('application_register_item as ri')
    .innerJoin('application_register as r', 'r.id', 'ri.register_id')
    .select([
      'r.register_no',
      'r.register_date',
      'r.status as register_status',
      'r.sent_at',
      'ri.row_no',
      'ri.status',
      'ri.reason',
      'ri.policy_number',
      'ri.answered_at',
    ])
    .where('ri.application_id', '=', view.id)
    .orderBy('r.id')
    .execute();
  return {
    ...view,
    holder: (await findPerson(database.db, view.holderId))!,
    insured: view.insuredId === null ? null : await findPerson(database.db, view.insuredId),
    details: database.dialect.readJson(row.details),
    registers: registers.map((r) => ({
      registerNo: r.register_no,
      registerDate: r.register_date,
      registerStatus: r.register_status,
      rowNo: Number(r.row_no),
      status: r.status,
      reason: r.reason,
      policyNumber: r.policy_number,
      sentAt: r.sent_at,
      answeredAt: r.answered_at,
    })),
  };
}

function today(): IsoDate {
  return new Date().toISOString().slice(0, 10);
}

async function resolvePerson(
  trx: Transaction<DB>,
  database: Database,
  ref: PersonRef,
  field: string,
  actor: string,
  reason: string | null,
): Promise<number> {
  if ('personId' in ref) {
    const found = await findPerson(trx, ref.personId);
    if (!found) throw invalid(`${field}.personId`, `person ${ref.personId} does not exist`);
    return found.id;
  }
  // De-duplicated by tax number: a person we know is used as stored, a new one is added (audited).
  const existing = await personByIdentity(trx, ref);
  if (existing) return existing.id;
  try {
    return (await insertPerson(trx, database, ref, actor, reason, `${field}.`)).id;
  } catch (error) {
    // Another clerk's application added the same person a moment ago (committed between our look
    // and the insert's own): that person is the one meant, as if we had found them first.
    if (!(error instanceof PolicyRecordError)) throw error;
    const twin = await personByIdentity(trx, ref);
    if (twin) return twin.id;
    throw error;
  }
}

/** The consultant may sell on `day`: hired, not terminated, and not suspended or terminated by status. */
async function checkConsultant(trx: Transaction<DB>, code: string, day: IsoDate): Promise<number> {
  const consultant = await trx
    .selectFrom('consultant')
    .select(['id', 'hired_on', 'terminated_on'])
    .where('code', '=', code)
    .executeTakeFirst();
  if (!consultant) throw invalid('consultant', `consultant ${code} does not exist`);
  if (consultant.hired_on > day)
    throw invalid('consultant', `consultant ${code} is hired from ${consultant.hired_on}, after ${day}`);
  if (consultant.terminated_on && consultant.terminated_on <= day)
    throw invalid(
      'consultant',
      `consultant ${code} left on ${consultant.terminated_on}, not active on ${day}`,
    );
  const status = await trx
    .selectFrom('consultant_activity_status')
    .select('status')
    .where('consultant_id', '=', Number(consultant.id))
    .where('valid_from', '<=', day)
    .where('valid_to', '>', day)
    .where('superseded_at', '=', STILL_KNOWN)
    .executeTakeFirst();
  if (status && (status.status === 'suspended' || status.status === 'terminated'))
    throw invalid('consultant', `consultant ${code} is ${status.status} on ${day}`);
  return Number(consultant.id);
}

function dayBefore(day: IsoDate): IsoDate {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The product is sold when the cover starts: active in the catalogue, and the start inside its sale
 * window (valid_from inclusive, valid_to the first day it is no longer sold; null for an open end).
 */
function checkSold(
  input: NewApplication,
  product: { active: number | string; valid_from: IsoDate | null; valid_to: IsoDate | null },
): void {
  if (Number(product.active) !== 1)
    throw invalid(
      'product',
      `${input.insurer} no longer sells ${input.product} (the catalogue marks it inactive)`,
    );
  const { valid_from: from, valid_to: to } = product;
  if ((!from || from <= input.startOn) && (!to || input.startOn < to)) return;
  const until = to ? `(validTo ${to} is the first day it is not)` : '(no end date)';
  const window = from
    ? `from ${from}${to ? ` to ${dayBefore(to)}` : ''} ${until}`
    : `until ${dayBefore(to!)} ${until}`;
  throw invalid('startOn', `${input.insurer} sells ${input.product} ${window}; ${input.startOn} is outside`);
}

export function checkApplication(input: NewApplication): void {
  if (!Number.isSafeInteger(input.premiumKop) || input.premiumKop <= 0)
    throw invalid('premium', 'must be more than 0');
  if (!Number.isSafeInteger(input.sumInsuredKop) || input.sumInsuredKop <= 0)
    throw invalid('sumInsured', 'must be more than 0');
  if (!(PAYMENT_FREQUENCIES as readonly number[]).includes(input.paymentFrequency))
    throw invalid('paymentFrequency', 'must be 1, 2, 4 or 12 payments a year');
  const signedOn = input.signedOn ?? today();
  if (input.startOn < signedOn)
    throw invalid('startOn', `${input.startOn} is before the application is signed (${signedOn})`);
}

/**
 * Enters an application: the product must be the insurer's and sold (active, the cover's start
 * inside its sale window), the consultant active on the signing day, the holder an existing person
 * or one found or added by tax number. It is `pending` until the next register of its insurer takes
 * it. Two entered at once get different numbers (a unique key; the loser tries again).
 */
export async function enterApplication(
  database: Database,
  input: NewApplication,
  actor: string,
  reason: string | null = null,
): Promise<ApplicationCard> {
  checkApplication(input);
  for (let attempt = 1; ; attempt++) {
    try {
      const id = await database.db
        .transaction()
        .execute((trx) => insertApplication(trx, database, input, actor, reason));
      return await getApplication(database, id);
    } catch (error) {
      // Two clerks at once: the loser of a number or a new holder, or of a deadlock between the two
      // (each waiting on a row the other inserted), runs its transaction again.
      if (
        attempt < 4 &&
        !(error instanceof PolicyRecordError) &&
        (database.dialect.isUniqueViolation(error) || database.dialect.isConcurrencyAbort(error))
      )
        continue;
      throw error;
    }
  }
}

async function insertApplication(
  trx: Transaction<DB>,
  database: Database,
  input: NewApplication,
  actor: string,
  reason: string | null,
): Promise<number> {
  const signedOn = input.signedOn ?? today();
  const insurer = await trx
    .selectFrom('insurer')
    .select('id')
    .where('code', '=', input.insurer)
    .executeTakeFirst();
  if (!insurer) throw invalid('insurer', `insurer ${input.insurer} does not exist`);
  const product = await trx
    .selectFrom('product')
    .select(['id', 'insurer_id', 'active', 'valid_from', 'valid_to'])
    .where('insurer_id', '=', Number(insurer.id))
    .where('code', '=', input.product)
    .executeTakeFirst();
  if (!product) {
    const elsewhere = await trx
      .selectFrom('product as p')
      .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
      .select('i.code')
      .where('p.code', '=', input.product)
      .executeTakeFirst();
    throw invalid(
      'product',
      elsewhere
        ? `${input.insurer} does not sell ${input.product} (it is a product of ${elsewhere.code})`
        : `${input.insurer} does not sell ${input.product}`,
    );
  }
  checkSold(input, product);
  const consultantId = await checkConsultant(trx, input.consultant, signedOn);
  const holderId = await resolvePerson(trx, database, input.holder, 'holder', actor, reason);
  const insuredId = input.insured
    ? await resolvePerson(trx, database, input.insured, 'insured', actor, reason)
    : null;
  const now = new Date();
  const writer = { trx, dialect: database.dialect };
  const number = await nextApplicationNumber(writer, signedOn.slice(0, 4));
  const values = {
    number,
    insurer_id: Number(insurer.id),
    product_id: Number(product.id),
    consultant_id: consultantId,
    policyholder_id: holderId,
    insured_person_id: insuredId === holderId ? null : insuredId,
    signed_on: signedOn,
    start_on: input.startOn,
    sum_insured: decimalFromKopiyky(input.sumInsuredKop),
    premium: decimalFromKopiyky(input.premiumKop),
    payment_frequency: input.paymentFrequency,
    status: 'pending' as const,
    status_reason: null,
    policy_id: null,
    details: input.details ? database.dialect.json(input.details) : null,
    entered_by: actor,
    created_at: now,
    updated_at: now,
  };
  const id = await insertApplicationRow(writer, values);
  await recordAudit(trx, database, {
    actor,
    action: 'application.entered',
    entityKind: 'application',
    entityId: String(id),
    before: null,
    after: { ...values, details: input.details ?? null, created_at: undefined, updated_at: undefined },
    reason,
    at: now,
  });
  return id;
}

/**
 * Withdraws a pending application. The update names the status it expects, so an application the
 * register builder took meanwhile is refused (409), never pulled out of a register already built.
 */
export async function withdrawApplication(
  database: Database,
  ref: number | string,
  actor: string,
  reason: string,
): Promise<ApplicationCard> {
  const card = await getApplication(database, ref);
  if (card.status !== 'pending')
    throw conflict(
      `application ${card.number} is ${card.status}${card.status === 'withdrawn' ? ' already' : ''}: only a pending application can be withdrawn`,
      'status',
    );
  await database.db.transaction().execute(async (trx) => {
    const now = new Date();
    if (!(await withdrawPendingApplication({ trx, dialect: database.dialect }, card.id, reason, now)))
      throw conflict(
        `application ${card.number} was taken into a register meanwhile: it can no longer be withdrawn`,
        'status',
      );
    await recordAudit(trx, database, {
      actor,
      action: 'application.withdrawn',
      entityKind: 'application',
      entityId: String(card.id),
      before: { status: 'pending' },
      after: { status: 'withdrawn' },
      reason,
      at: now,
    });
  });
  return getApplication(database, card.id);
}
