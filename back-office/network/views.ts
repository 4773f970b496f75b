/**
 * The network read as of a date: the sponsor tree with depth and counts (searchable, from any
 * consultant, to any depth), the list of consultants, and the consultant card. Everything here reads
 * sponsorTreeAsOf/uplineAsOf/downlineAsOf, so "the network on D as known at K" has one home.
 */
import { type Kysely, sql } from 'kysely';
import { asOf, type Database, type IsoDate, kopiykyFromDecimal } from '../../src/db';
import { careerHistory, type CareerEntry } from './career-repository';
import { consultantByCode, statusAsOf, type ActivityStatus } from './consultants';
import { NetworkInputError } from './errors';
import {
  downlineAsOf,
  type RelativeNode,
  sponsorTreeAsOf,
  unitOfConsultantAsOf,
  uplineAsOf,
} from './network-repository';

const now = () => new Date();

export interface TreeNode {
  consultantId: number;
  code: string;
  fullName: string;
  sponsorCode: string | null;
  /** Depth below the top of the tree asked for (0: the top, or the consultant given as `from`). */
  depth: number;
  /** Recruits directly below on the date. */
  directDownline: number;
  /** Everyone below, at any depth. */
  totalDownline: number;
}

export interface TreeQuery {
  date: IsoDate;
  knownAt?: Date;
  /** Only this consultant's branch, with depths counted from them. */
  fromCode?: string;
  /** Deepest level to show (0: only the tops). */
  depth?: number;
  /** Only this level. */
  level?: number;
  /** Code or name contains this (any case). */
  search?: string;
}

/** The sponsor tree on the date with depth and downline counts; tops first, then by depth and code. */
export async function networkTree(database: Database, query: TreeQuery): Promise<TreeNode[]> {
  const knownAt = query.knownAt ?? now();
  const nodes = await sponsorTreeAsOf(database, query.date, knownAt);
  const byId = new Map(nodes.map((n) => [n.consultantId, n]));
  const children = new Map<number, number[]>();
  for (const n of nodes)
    if (n.sponsorId !== null)
      children.set(n.sponsorId, [...(children.get(n.sponsorId) ?? []), n.consultantId]);
  const total = new Map<number, number>();
  // Deepest first, so each node's children are counted before it.
  for (const n of [...nodes].sort((a, b) => b.depth - a.depth))
    total.set(
      n.consultantId,
      (children.get(n.consultantId) ?? []).reduce((s, c) => s + 1 + (total.get(c) ?? 0), 0),
    );
  let base = 0;
  let inScope: (id: number) => boolean = () => true;
  if (query.fromCode !== undefined) {
    const from = nodes.find((n) => n.code === query.fromCode);
    if (!from)
      throw new NetworkInputError(
        'not_found',
        'from',
        `consultant '${query.fromCode}' is not in the network on ${query.date}`,
      );
    base = from.depth;
    const branch = new Set<number>([from.consultantId]);
    for (const n of nodes) if (n.sponsorId !== null && branch.has(n.sponsorId)) branch.add(n.consultantId);
    inScope = (id) => branch.has(id);
  }
  const search = query.search?.toLowerCase();
  return nodes
    .filter((n) => inScope(n.consultantId))
    .map((n) => ({
      consultantId: n.consultantId,
      code: n.code,
      fullName: n.fullName,
      sponsorCode: n.sponsorId === null ? null : (byId.get(n.sponsorId)?.code ?? null),
      depth: n.depth - base,
      directDownline: (children.get(n.consultantId) ?? []).length,
      totalDownline: total.get(n.consultantId) ?? 0,
    }))
    .filter((n) => query.depth === undefined || n.depth <= query.depth)
    .filter((n) => query.level === undefined || n.depth === query.level)
    .filter(
      (n) => !search || n.code.toLowerCase().includes(search) || n.fullName.toLowerCase().includes(search),
    );
}

export interface ConsultantSummary {
  code: string;
  fullName: string;
  legalForm: string;
  hiredOn: IsoDate;
  terminatedOn: IsoDate | null;
  status: ActivityStatus | null;
  unitCode: string | null;
}

export interface ConsultantListQuery {
  date: IsoDate;
  knownAt?: Date;
  search?: string;
  unitCode?: string;
  offset: number;
  limit: number;
}

/** Consultants by code, filtered by code/name and by unit on the date; a page and the total. */
export async function listConsultants(
  database: Database,
  query: ConsultantListQuery,
): Promise<{ items: ConsultantSummary[]; total: number }> {
  const knownAt = query.knownAt ?? now();
  const db = database.db;
  let base = db.selectFrom('consultant as c');
  if (query.search) {
    const like = `%${query.search.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    base = base.where((eb) =>
      eb.or([
        eb(sql`lower(${sql.ref('c.code')})`, 'like', sql`${like} escape '\\'`),
        eb(sql`lower(${sql.ref('c.full_name')})`, 'like', sql`${like} escape '\\'`),
      ]),
    );
  }
  if (query.unitCode !== undefined) {
    const unitCode = query.unitCode;
    base = base.where((eb) =>
      eb.exists(
        asOf(
          eb
            .selectFrom('consultant_unit as cu')
            .innerJoin('unit as u', 'u.id', 'cu.unit_id')
            .select('cu.id')
            .whereRef('cu.consultant_id', '=', 'c.id')
            .where('u.code', '=', unitCode),
          'cu',
          query.date,
          knownAt,
        ),
      ),
    );
  }
  const rows = await base
    .select(['c.id', 'c.code', 'c.full_name', 'c.legal_form', 'c.hired_on', 'c.terminated_on'])
    .orderBy('c.code')
    .offset(query.offset)
    .fetch(query.limit)
    .execute();
  const counted = await base.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const items: ConsultantSummary[] = [];
  for (const r of rows) {
    const id = Number(r.id);
    items.push({
      code: r.code,
      fullName: r.full_name,
      legalForm: r.legal_form,
      hiredOn: r.hired_on,
      terminatedOn: r.terminated_on,
      status: await statusAsOf(db, id, query.date, knownAt),
      unitCode: (await unitOfConsultantAsOf(database, id, query.date, knownAt))?.code ?? null,
    });
  }
  return { items, total: Number(counted.total) };
}

export interface StatusEntry {
  status: string;
  validFrom: IsoDate;
  validTo: IsoDate;
  reason: string | null;
  recordedBy: string | null;
}

export interface ConsultantCard {
  code: string;
  fullName: string;
  taxNumber: string | null;
  legalForm: string;
  hiredOn: IsoDate;
  terminatedOn: IsoDate | null;
  contact: { phone: string | null; email: string | null; address: string | null };
  asOf: IsoDate;
  status: ActivityStatus | null;
  unit: { code: string; name: string } | null;
  level: string | null;
  careerHistory: CareerEntry[];
  statusHistory: StatusEntry[];
  upline: RelativeNode[];
  directDownline: RelativeNode[];
  totalDownline: number;
  policies: { count: number; firstPage: string };
  /** Posted accruals by period, up to the date's period, in kopiyky. */
  accruals: { periodCode: string; totalKop: number; lines: number }[];
  acts: { number: string; periodCode: string; actDate: IsoDate; netKop: number }[];
}

/** The consultant card on the date as known at `knownAt`. */
export async function consultantCard(
  database: Database,
  code: string,
  date: IsoDate,
  knownAt: Date = now(),
): Promise<ConsultantCard> {
  const db = database.db;
  const c = await consultantByCode(db, code);
  const row = await db.selectFrom('consultant').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
  const careers = await careerHistory(database, c.id, knownAt);
  const statuses = await db
    .selectFrom('consultant_activity_status')
    .select(['status', 'valid_from', 'valid_to', 'reason', 'recorded_by'])
    .where('consultant_id', '=', c.id)
    .where('recorded_at', '<=', knownAt)
    .where('superseded_at', '>', knownAt)
    .orderBy('valid_from')
    .execute();
  const downline = await downlineAsOf(database, c.id, date, knownAt);
  const unit = await unitOfConsultantAsOf(database, c.id, date, knownAt);
  const policies = await db
    .selectFrom('policy_version')
    .select((eb) => eb.fn.count(sql`distinct ${sql.ref('policy_id')}`).as('n'))
    .where('consultant_id', '=', c.id)
    .where('valid_from', '<=', date)
    .executeTakeFirstOrThrow();
  // The ledger and the acts belong to compensation and acts; the card only reads their totals.
  const other = db as unknown as Kysely<any>;
  const accruals = await other
    .selectFrom('accrual as a')
    .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
    .select([
      'a.period_code',
      (eb: any) => eb.fn.sum('a.amount').as('total'),
      (eb: any) => eb.fn.countAll().as('n'),
    ])
    .where('a.consultant_id', '=', c.id)
    .where('r.status', '=', 'posted')
    .where('a.period_code', '<=', date.slice(0, 7))
    .groupBy('a.period_code')
    .orderBy('a.period_code')
    .execute();
  const acts = await other
    .selectFrom('act')
    .select(['act_number', 'period_code', 'act_date', 'net'])
    .where('consultant_id', '=', c.id)
    .where('act_date', '<=', date)
    .orderBy('act_date')
    .orderBy('act_number')
    .execute();
  return {
    code: row.code,
    fullName: row.full_name,
    taxNumber: row.tax_number,
    legalForm: row.legal_form,
    hiredOn: row.hired_on,
    terminatedOn: row.terminated_on,
    contact: { phone: row.phone, email: row.email, address: row.address },
    asOf: date,
    status: await statusAsOf(db, c.id, date, knownAt),
    unit: unit ? { code: unit.code, name: unit.name } : null,
    level: careers.find((e) => e.validFrom <= date && e.validTo > date)?.levelCode ?? null,
    careerHistory: careers,
    statusHistory: statuses.map((s) => ({
      status: s.status,
      validFrom: s.valid_from,
      validTo: s.valid_to,
      reason: s.reason,
      recordedBy: s.recorded_by,
    })),
    upline: await uplineAsOf(database, c.id, date, knownAt),
    directDownline: downline.filter((d) => d.generation === 1),
    totalDownline: downline.length,
    policies: {
      count: Number(policies.n),
      firstPage: `/api/consultants/${encodeURIComponent(row.code)}/policies?asOf=${date}&page=1`,
    },
    accruals: accruals.map((a: any) => ({
      periodCode: a.period_code,
      totalKop: kopiykyFromDecimal(String(a.total)),
      lines: Number(a.n),
    })),
    acts: acts.map((a: any) => ({
      number: a.act_number,
      periodCode: a.period_code,
      actDate: a.act_date,
      netKop: kopiykyFromDecimal(String(a.net)),
    })),
  };
}

export interface PolicyOfConsultant {
  policyId: number;
  number: string;
  insurerCode: string;
  productCode: string;
}

/** The policies a consultant sold or serves (any version up to the date names them), by number; a page and the total. */
export async function policiesOfConsultant(
  database: Database,
  code: string,
  date: IsoDate,
  page: { offset: number; limit: number },
): Promise<{ items: PolicyOfConsultant[]; total: number }> {
  const db = database.db;
  const c = await consultantByCode(db, code);
  const base = db
    .selectFrom('policy as p')
    .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
    .innerJoin('product as pr', 'pr.id', 'p.product_id')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('policy_version as v')
          .select('v.id')
          .whereRef('v.policy_id', '=', 'p.id')
          .where('v.consultant_id', '=', c.id)
          .where('v.valid_from', '<=', date),
      ),
    );
  const rows = await base
    .select(['p.id', 'p.number', 'i.code as insurer_code', 'pr.code as product_code'])
    .orderBy('p.number')
    .orderBy('p.id')
    .offset(page.offset)
    .fetch(page.limit)
    .execute();
  const counted = await base.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  return {
    items: rows.map((r) => ({
      policyId: Number(r.id),
      number: r.number,
      insurerCode: r.insurer_code,
      productCode: r.product_code,
    })),
    total: Number(counted.total),
  };
}

/** A consultant's upline or downline on the date, by code. */
export async function relativesOf(
  database: Database,
  code: string,
  direction: 'upline' | 'downline',
  date: IsoDate,
  knownAt: Date = now(),
): Promise<RelativeNode[]> {
  const c = await consultantByCode(database.db, code);
  return direction === 'upline'
    ? uplineAsOf(database, c.id, date, knownAt)
    : downlineAsOf(database, c.id, date, knownAt);
}
