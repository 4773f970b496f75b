/**
 * Policies as the exchange left them (src/exchange/apply writes them through src/policy-records, the
 * tables' one writer; this module only reads):
 * the list and card read the version in effect on a day (the latest valid_from <= D, then the
 * highest version_no), optionally as known at a moment K (recorded_at <= K); amendments, premium
 * payments with their corrections (negative rows), and the payment calendar against them.
 */
import type { ExpressionBuilder } from 'kysely';
import { type ConsultantScope, scopeSeesConsultant, visibleConsultantIds } from '../network';
import { type Database, type DB, type IsoDate, kopiykyFromDecimal, type PolicyStatus } from '../../src/db';
import { notFound } from './errors';
import { inEffect } from './in-effect';
import { type Page, pageOf, type PageRequest, readPage } from './paging';
import { findPerson, type PersonView } from './persons';

export const POLICY_STATUSES: PolicyStatus[] = [
  'in_force',
  'terminated',
  'expired',
  'suspended',
  'cancelled',
];

export interface AsOf {
  /** The business day; default today. */
  asOf?: IsoDate;
  /** What was known at this moment; default now. */
  knownAt?: Date;
}

export interface PolicyFilter extends PageRequest, AsOf {
  consultant?: string;
  insurer?: string;
  product?: string;
  status?: PolicyStatus;
  holderId?: number;
  /** The policy number or its start. */
  number?: string;
  sort?: 'number' | 'issued' | 'premium';
  /** Only the policies whose version in effect names a consultant of this scope (null: all). */
  scope?: ConsultantScope | null;
}

export interface PolicyListItem {
  id: number;
  insurer: string;
  number: string;
  product: string;
  status: PolicyStatus;
  statusDate: IsoDate;
  consultant: string | null;
  agentCode: string;
  holderId: number;
  holderName: string;
  issuedOn: IsoDate;
  coverStart: IsoDate;
  coverEnd: IsoDate;
  annualPremiumKop: number;
  sumInsuredKop: number;
  paymentFrequency: number;
  versionNo: number;
}

export interface PolicyVersionView {
  versionNo: number;
  validFrom: IsoDate;
  recordedAt: Date;
  consultantId: number | null;
  agentCode: string;
  holderId: number;
  insuredId: number | null;
  issuedOn: IsoDate;
  coverStart: IsoDate;
  coverEnd: IsoDate;
  sumInsuredKop: number;
  annualPremiumKop: number;
  paymentFrequency: number;
  status: PolicyStatus;
  statusDate: IsoDate;
  amendmentNo: string | null;
}

export interface AmendmentView {
  amendmentNo: string;
  signedOn: IsoDate;
  effectiveOn: IsoDate;
  changeKind: string;
  newValue: string | null;
  recordedAt: Date;
}

export interface PolicyCard {
  id: number;
  insurer: string;
  number: string;
  product: string;
  productName: string;
  productGroup: string;
  applicationId: number | null;
  applicationNumber: string | null;
  asOf: IsoDate;
  knownAt: Date;
  /** The version in effect on asOf as known at knownAt; null before the policy starts. */
  current: PolicyVersionView | null;
  holder: PersonView | null;
  insured: PersonView | null;
  consultant: { id: number; code: string; fullName: string } | null;
  /** Every version known at knownAt, in effective order. */
  versions: PolicyVersionView[];
  amendments: AmendmentView[];
}

function today(): IsoDate {
  return new Date().toISOString().slice(0, 10);
}

export async function listPolicies(database: Database, filter: PolicyFilter): Promise<Page<PolicyListItem>> {
  const day = filter.asOf ?? today();
  const knownAt = filter.knownAt ?? new Date();
  let query = database.db
    .selectFrom('policy as p')
    .innerJoin('policy_version as pv', 'pv.policy_id', 'p.id')
    .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
    .innerJoin('product as pr', 'pr.id', 'p.product_id')
    .innerJoin('person as h', 'h.id', 'pv.policyholder_id')
    .leftJoin('consultant as c', 'c.id', 'pv.consultant_id')
    .where(inEffect(day, knownAt) as never);
  if (filter.consultant) {
    // One consultant: found by code first, so that the versions are read by their consultant index,
    // and checked against the scope's ids (known in memory) instead of sending the scope along.
    const consultant = await database.db
      .selectFrom('consultant')
      .select('id')
      .where('code', '=', filter.consultant)
      .executeTakeFirst();
    const id = consultant ? Number(consultant.id) : null;
    if (id === null || (filter.scope && !scopeSeesConsultant(filter.scope, id)))
      return { items: [], ...pageOf(filter), total: 0 };
    query = query.where('pv.consultant_id', '=', id);
  } else if (filter.scope)
    query = query.where('pv.consultant_id', 'in', visibleConsultantIds(database, filter.scope) as never);
  if (filter.insurer) query = query.where('i.code', '=', filter.insurer);
  if (filter.product) query = query.where('pr.code', '=', filter.product);
  if (filter.status) query = query.where('pv.status', '=', filter.status);
  if (filter.holderId) query = query.where('pv.policyholder_id', '=', filter.holderId);
  if (filter.number) query = query.where('p.number', 'like', `${filter.number.replace(/[\\%_]/g, '')}%`);
  const rows = query.select([
    'p.id',
    'i.code as insurer',
    'p.number',
    'pr.code as product',
    'pv.status',
    'pv.status_date',
    'c.code as consultant',
    'pv.agent_code',
    'pv.policyholder_id',
    'h.full_name as holder_name',
    'pv.issued_on',
    'pv.cover_start',
    'pv.cover_end',
    'pv.annual_premium',
    'pv.sum_insured',
    'pv.payment_frequency',
    'pv.version_no',
  ]);
  const ordered =
    filter.sort === 'issued'
      ? rows.orderBy('pv.issued_on', 'desc').orderBy('p.id', 'desc')
      : filter.sort === 'premium'
        ? rows.orderBy('pv.annual_premium', 'desc').orderBy('p.id', 'desc')
        : rows.orderBy('i.code').orderBy('p.number');
  const page = await readPage(
    filter,
    ordered,
    query.select((eb) => eb.fn.countAll().as('total')),
  );
  return {
    ...page,
    items: page.items.map((r) => ({
      id: Number(r.id),
      insurer: r.insurer,
      number: r.number,
      product: r.product,
      status: r.status,
      statusDate: r.status_date,
      consultant: r.consultant ?? null,
      agentCode: r.agent_code,
      holderId: Number(r.policyholder_id),
      holderName: r.holder_name,
      issuedOn: r.issued_on,
      coverStart: r.cover_start,
      coverEnd: r.cover_end,
      annualPremiumKop: kopiykyFromDecimal(r.annual_premium),
      sumInsuredKop: kopiykyFromDecimal(r.sum_insured),
      paymentFrequency: Number(r.payment_frequency),
      versionNo: Number(r.version_no),
    })),
  };
}

/** Picks the version in effect on `day` from a policy's versions. */
function versionOn(versions: PolicyVersionView[], day: IsoDate): PolicyVersionView | null {
  let found: PolicyVersionView | null = null;
  for (const v of versions) {
    if (v.validFrom > day) continue;
    if (
      !found ||
      v.validFrom > found.validFrom ||
      (v.validFrom === found.validFrom && v.versionNo > found.versionNo)
    )
      found = v;
  }
  return found;
}

async function policyHead(database: Database, ref: number | { insurer: string; number: string }) {
  let query = database.db
    .selectFrom('policy as p')
    .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
    .innerJoin('product as pr', 'pr.id', 'p.product_id')
    .leftJoin('application as a', 'a.id', 'p.application_id')
    .select([
      'p.id',
      'p.number',
      'i.code as insurer',
      'pr.code as product',
      'pr.name as product_name',
      'pr.product_group',
      'p.application_id',
      'a.number as application_number',
    ]);
  query =
    typeof ref === 'number'
      ? query.where('p.id', '=', ref)
      : query.where('i.code', '=', ref.insurer).where('p.number', '=', ref.number);
  const head = await query.executeTakeFirst();
  if (!head)
    throw notFound(
      typeof ref === 'number' ? `policy ${ref} does not exist` : `${ref.insurer} has no policy ${ref.number}`,
      'id',
    );
  return head;
}

export async function policyVersions(
  database: Database,
  policyId: number,
  knownAt: Date,
): Promise<PolicyVersionView[]> {
  const rows = await database.db
    .selectFrom('policy_version as pv')
    .leftJoin('amendment as am', 'am.id', 'pv.amendment_id')
    .selectAll('pv')
    .select('am.amendment_no')
    .where('pv.policy_id', '=', policyId)
    .where('pv.recorded_at', '<=', knownAt)
    .orderBy('pv.valid_from')
    .orderBy('pv.version_no')
    .execute();
  return rows.map((v) => ({
    versionNo: Number(v.version_no),
    validFrom: v.valid_from,
    recordedAt: v.recorded_at,
    consultantId: v.consultant_id === null ? null : Number(v.consultant_id),
    agentCode: v.agent_code,
    holderId: Number(v.policyholder_id),
    insuredId: v.insured_person_id === null ? null : Number(v.insured_person_id),
    issuedOn: v.issued_on,
    coverStart: v.cover_start,
    coverEnd: v.cover_end,
    sumInsuredKop: kopiykyFromDecimal(v.sum_insured),
    annualPremiumKop: kopiykyFromDecimal(v.annual_premium),
    paymentFrequency: Number(v.payment_frequency),
    status: v.status,
    statusDate: v.status_date,
    amendmentNo: v.amendment_no ?? null,
  }));
}

/**
 * Whether the scope sees a policy: the version in effect on the day names one of its consultants
 * (before the policy starts, its first version decides).
 */
export function policyInScope(
  versions: PolicyVersionView[],
  day: IsoDate,
  scope: ConsultantScope | null | undefined,
): boolean {
  if (!scope) return true;
  const deciding = versionOn(versions, day) ?? versions[0] ?? null;
  return deciding?.consultantId != null && scopeSeesConsultant(scope, deciding.consultantId);
}

/** A policy outside the scope is refused as one that does not exist. */
function notInScope(ref: number | { insurer: string; number: string }) {
  return notFound(
    typeof ref === 'number' ? `policy ${ref} does not exist` : `${ref.insurer} has no policy ${ref.number}`,
    'id',
  );
}

/**
 * A policy by id, or by insurer code and number; "as of" a day and "as known at" a moment. Outside
 * the scope (policyInScope) it answers as a policy that does not exist.
 */
export async function getPolicy(
  database: Database,
  ref: number | { insurer: string; number: string },
  when: AsOf = {},
  scope: ConsultantScope | null = null,
): Promise<PolicyCard> {
  const head = await policyHead(database, ref);
  const asOf = when.asOf ?? today();
  const knownAt = when.knownAt ?? new Date();
  const id = Number(head.id);
  const versions = await policyVersions(database, id, knownAt);
  if (!policyInScope(versions, asOf, scope)) throw notInScope(ref);
  const current = versionOn(versions, asOf);
  const amendments = await database.db
    .selectFrom('amendment')
    .select(['amendment_no', 'signed_on', 'effective_on', 'change_kind', 'new_value', 'recorded_at'])
    .where('policy_id', '=', id)
    .where('recorded_at', '<=', knownAt)
    .orderBy('effective_on')
    .orderBy('id')
    .execute();
  const consultant =
    current?.consultantId != null
      ? await database.db
          .selectFrom('consultant')
          .select(['id', 'code', 'full_name'])
          .where('id', '=', current.consultantId)
          .executeTakeFirst()
      : undefined;
  return {
    id,
    insurer: head.insurer,
    number: head.number,
    product: head.product,
    productName: head.product_name,
    productGroup: head.product_group,
    applicationId: head.application_id === null ? null : Number(head.application_id),
    applicationNumber: head.application_number ?? null,
    asOf,
    knownAt,
    current,
    holder: current ? await findPerson(database.db, current.holderId) : null,
    insured: current?.insuredId ? await findPerson(database.db, current.insuredId) : null,
    consultant: consultant
      ? { id: Number(consultant.id), code: consultant.code, fullName: consultant.full_name }
      : null,
    versions,
    amendments: amendments.map((a) => ({
      amendmentNo: a.amendment_no,
      signedOn: a.signed_on,
      effectiveOn: a.effective_on,
      changeKind: a.change_kind,
      newValue: a.new_value,
      recordedAt: a.recorded_at,
    })),
  };
}

export interface PremiumPaymentView {
  id: number;
  paidOn: IsoDate;
  amountKop: number;
  /** A negative row: the insurer's correction or reversal of an earlier payment. */
  correction: boolean;
  coverFrom: IsoDate | null;
  coverTo: IsoDate | null;
  policyYear: number;
  externalKey: string;
  sourceMessageId: number | null;
  sourceRow: number | null;
  recordedAt: Date;
  /** What the insurer calls the payment, when it sends an id (migration 0660). */
  insurerPaymentId: string | null;
  /** The hub's id of the payment this row reverses (a reversal by reference), or null. */
  reversesPaymentId: number | null;
  /** The hub's id of the reversal that reverses this payment, or null. */
  reversedBy: number | null;
}

/**
 * The id of the row that reverses each payment (at most one: premium_payment_reverses_uq), as a
 * column `reversed_by`; only reversals recorded by `knownAt` and paid by `asOf` count, when given.
 */
export function reversedBySelection(when: { asOf?: IsoDate; knownAt?: Date } = {}) {
  return (eb: ExpressionBuilder<DB, 'premium_payment'>) => {
    let q = eb
      .selectFrom('premium_payment as reversal')
      .select('reversal.id')
      .whereRef('reversal.reverses_payment_id', '=', 'premium_payment.id');
    if (when.asOf) q = q.where('reversal.paid_on', '<=', when.asOf);
    if (when.knownAt) q = q.where('reversal.recorded_at', '<=', when.knownAt);
    return q.as('reversed_by');
  };
}

/** The policy's premium payments; outside the scope (as of today) it answers as a policy that does not exist. */
export async function listPremiumPayments(
  database: Database,
  policyId: number,
  page: PageRequest = {},
  scope: ConsultantScope | null = null,
): Promise<Page<PremiumPaymentView>> {
  await policyHead(database, policyId);
  if (scope && !policyInScope(await policyVersions(database, policyId, new Date()), today(), scope))
    throw notInScope(policyId);
  const query = database.db.selectFrom('premium_payment').where('policy_id', '=', policyId);
  const result = await readPage(
    page,
    query.selectAll().select(reversedBySelection()).orderBy('paid_on').orderBy('id'),
    query.select((eb) => eb.fn.countAll().as('total')),
  );
  return { ...result, items: result.items.map(paymentView) };
}

function paymentView(p: {
  id: number | string;
  paid_on: IsoDate;
  amount: string;
  cover_from: IsoDate | null;
  cover_to: IsoDate | null;
  policy_year: number;
  external_key: string;
  source_message_id: number | null;
  source_row: number | null;
  recorded_at: Date;
  insurer_payment_id: string | null;
  reverses_payment_id: number | string | null;
  reversed_by: number | string | null;
}): PremiumPaymentView {
  const amountKop = kopiykyFromDecimal(p.amount);
  return {
    id: Number(p.id),
    paidOn: p.paid_on,
    amountKop,
    correction: amountKop < 0,
    coverFrom: p.cover_from,
    coverTo: p.cover_to,
    policyYear: Number(p.policy_year),
    externalKey: p.external_key,
    sourceMessageId: p.source_message_id === null ? null : Number(p.source_message_id),
    sourceRow: p.source_row === null ? null : Number(p.source_row),
    recordedAt: p.recorded_at,
    insurerPaymentId: p.insurer_payment_id,
    reversesPaymentId: p.reverses_payment_id === null ? null : Number(p.reverses_payment_id),
    reversedBy: p.reversed_by === null ? null : Number(p.reversed_by),
  };
}

export { paymentView as premiumPaymentView };
