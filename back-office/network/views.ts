/**
 * The network read as of a date: the sponsor tree with depth and counts (searchable, from any
 * consultant, to any depth), the list of consultants, and the consultant card. Everything here reads
 * sponsorTreeAsOf/uplineAsOf/downlineAsOf, so "the network on D as known at K" has one home.
 *
 * Each read takes the caller's scope (scope.ts; null: everyone): a consultant outside it is refused
 * as one that does not exist, lists and trees leave out whoever is outside it, and a card shows the
 * money (accruals, acts) only to those who may see that consultant's money.
 */
import { sql } from 'kysely';
import { asOf, type Database, type IsoDate } from '../../src/db';
import { careerHistory, type CareerEntry } from './career-repository';
import { consultantByCode, statusAsOf, type ActivityStatus } from './consultants';
import { NetworkInputError } from './errors';
import {
  directRecruitsAsOf,
  downlineAsOf,
  downlineCountAsOf,
  downlinePageAsOf,
  type RelativeNode,
  sponsorTreeAsOf,
  unitOfConsultantAsOf,
  uplineAsOf,
} from './network-repository';
import { type ConsultantScope, scopeSeesConsultant, scopeSeesMoneyOf, visibleConsultantIds } from './scope';

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

/**
 * The sponsor tree on the date with depth and downline counts; tops first, then by depth and code.
 * Within a scope the tree is the part of it the caller sees: its tops are those whose sponsor is
 * outside the scope (a consultant: themselves; a manager: the first of each branch in their units),
 * and the counts count only who is inside it.
 */
export async function networkTree(
  database: Database,
  query: TreeQuery,
  scope: ConsultantScope | null = null,
): Promise<TreeNode[]> {
  const knownAt = query.knownAt ?? now();
  const all = await sponsorTreeAsOf(database, query.date, knownAt);
  const nodes = scope ? all.filter((n) => scope.ids.has(n.consultantId)) : all;
  const byId = new Map(all.map((n) => [n.consultantId, n]));
  const inTree = new Set(nodes.map((n) => n.consultantId));
  const children = new Map<number, number[]>();
  for (const n of nodes)
    if (n.sponsorId !== null && inTree.has(n.sponsorId))
      children.set(n.sponsorId, [...(children.get(n.sponsorId) ?? []), n.consultantId]);
  // Depth within what is shown: the nodes come parents first (by depth in the whole tree).
  const depthOf = new Map<number, number>();
  for (const n of nodes)
    depthOf.set(
      n.consultantId,
      n.sponsorId !== null && inTree.has(n.sponsorId) ? depthOf.get(n.sponsorId)! + 1 : 0,
    );
  const total = new Map<number, number>();
  // Deepest first, so each node's children are counted before it.
  for (const n of [...nodes].sort((a, b) => depthOf.get(b.consultantId)! - depthOf.get(a.consultantId)!))
    total.set(
      n.consultantId,
      (children.get(n.consultantId) ?? []).reduce((s, c) => s + 1 + (total.get(c) ?? 0), 0),
    );
  let base = 0;
  let inBranch: (id: number) => boolean = () => true;
  if (query.fromCode !== undefined) {
    const from = nodes.find((n) => n.code === query.fromCode);
    if (!from)
      throw new NetworkInputError(
        'not_found',
        'from',
        `consultant '${query.fromCode}' is not in the network on ${query.date}`,
      );
    base = depthOf.get(from.consultantId)!;
    const branch = new Set<number>([from.consultantId]);
    for (const n of nodes) if (n.sponsorId !== null && branch.has(n.sponsorId)) branch.add(n.consultantId);
    inBranch = (id) => branch.has(id);
  }
  const search = query.search?.toLowerCase();
  return nodes
    .filter((n) => inBranch(n.consultantId))
    .map((n) => ({
      consultantId: n.consultantId,
      code: n.code,
      fullName: n.fullName,
      sponsorCode: n.sponsorId === null ? null : (byId.get(n.sponsorId)?.code ?? null),
      depth: depthOf.get(n.consultantId)! - base,
      directDownline: (children.get(n.consultantId) ?? []).length,
      totalDownline: total.get(n.consultantId) ?? 0,
    }))
    .sort((a, b) => a.depth - b.depth || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
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
  /** Only the consultants this scope sees (null or left out: everyone). */
  scope?: ConsultantScope | null;
}

/** Consultants by code, filtered by code/name and by unit on the date; a page and the total. */
export async function listConsultants(
  database: Database,
  query: ConsultantListQuery,
): Promise<{ items: ConsultantSummary[]; total: number }> {
  const knownAt = query.knownAt ?? now();
  const db = database.db;
  let base = db.selectFrom('consultant as c');
  if (query.scope) base = base.where('c.id', 'in', visibleConsultantIds(database, query.scope) as never);
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

/**
 * The network's part of the consultant card. The money on it (accruals, acts) belongs to
 * compensation and acts, which sit above the network: back-office/consultant-card adds it.
 */
export interface NetworkCard {
  /** The consultant's row id, for the modules that add their part of the card. */
  consultantId: number;
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
  /**
   * Whether the card may show this consultant's money: false when the caller may not see it (a
   * consultant looking at someone of their downline).
   */
  moneyShown: boolean;
}

/**
 * What a downline read within the scope is cut to (undefined: nothing to cut). A consultant's scope
 * is themselves and their downline today as known when it was computed, so the downline today, as
 * known since then, of anyone in it lies wholly inside it (the scope is recomputed whenever the
 * network changes): the walk needs no filter then. A manager's units, another date, or an earlier
 * moment of knowledge do.
 */
function downlineWithin(database: Database, scope: ConsultantScope | null, date: IsoDate, knownAt: Date) {
  if (!scope) return undefined;
  if (
    scope.kind === 'consultant' &&
    scope.knownAt !== undefined &&
    knownAt >= scope.knownAt &&
    date === new Date().toISOString().slice(0, 10)
  )
    return undefined;
  return visibleConsultantIds(database, scope);
}

/** A consultant by code, refused as unknown when the scope does not see them. */
async function consultantInScope(database: Database, code: string, scope: ConsultantScope | null) {
  const c = await consultantByCode(database.db, code);
  if (!scopeSeesConsultant(scope, c.id))
    throw new NetworkInputError('not_found', 'code', `consultant '${code}' is not known`);
  return c;
}

/**
 * The consultant card on the date as known at `knownAt`. Within a scope: the downline shown is the
 * part inside it, and the money (accruals, acts) only when the scope sees that consultant's money
 * (a consultant: their own card only).
 */
export async function consultantCard(
  database: Database,
  code: string,
  date: IsoDate,
  knownAt: Date = now(),
  scope: ConsultantScope | null = null,
): Promise<NetworkCard> {
  const db = database.db;
  const row = await db.selectFrom('consultant').selectAll().where('code', '=', code).executeTakeFirst();
  if (!row || !scopeSeesConsultant(scope, Number(row.id)))
    throw new NetworkInputError('not_found', 'code', `consultant '${code}' is not known`);
  const id = Number(row.id);
  // Independent reads, sent together. The card shows the direct recruits and only a count of the
  // rest, which the database counts.
  const [careers, statuses, direct, totalDownline, unit, policies, upline] = await Promise.all([
    careerHistory(database, id, knownAt),
    db
      .selectFrom('consultant_activity_status')
      .select(['status', 'valid_from', 'valid_to', 'reason', 'recorded_by'])
      .where('consultant_id', '=', id)
      .where('recorded_at', '<=', knownAt)
      .where('superseded_at', '>', knownAt)
      .orderBy('valid_from')
      .execute(),
    directRecruitsAsOf(database, id, date, knownAt),
    downlineCountAsOf(database, id, date, knownAt, downlineWithin(database, scope, date, knownAt)),
    unitOfConsultantAsOf(database, id, date, knownAt),
    db
      .selectFrom('policy_version')
      .select((eb) => eb.fn.count(sql`distinct ${sql.ref('policy_id')}`).as('n'))
      .where('consultant_id', '=', id)
      .where('valid_from', '<=', date)
      .executeTakeFirstOrThrow(),
    uplineAsOf(database, id, date, knownAt),
  ]);
  // The status on the date is the one of the history (as known at knownAt) whose span holds it.
  const current = statuses.find((s) => s.valid_from <= date && s.valid_to > date);
  return {
    consultantId: id,
    code: row.code,
    fullName: row.full_name,
    taxNumber: row.tax_number,
    legalForm: row.legal_form,
    hiredOn: row.hired_on,
    terminatedOn: row.terminated_on,
    contact: { phone: row.phone, email: row.email, address: row.address },
    asOf: date,
    status: (current?.status as ActivityStatus | undefined) ?? null,
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
    upline,
    directDownline: direct.filter((d) => scopeSeesConsultant(scope, d.consultantId)),
    totalDownline,
    policies: {
      count: Number(policies.n),
      firstPage: `/api/consultants/${encodeURIComponent(row.code)}/policies?asOf=${date}&page=1`,
    },
    moneyShown: scopeSeesMoneyOf(scope, id),
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
  scope: ConsultantScope | null = null,
): Promise<{ items: PolicyOfConsultant[]; total: number }> {
  const db = database.db;
  const c = await consultantInScope(database, code, scope);
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

/**
 * A consultant's upline or downline on the date, by code. Within a scope the downline is the part
 * inside it; the upline is whole, since who sponsors a consultant is part of that consultant's record
 * (a consultant sees their own sponsors).
 */
export async function relativesOf(
  database: Database,
  code: string,
  direction: 'upline' | 'downline',
  date: IsoDate,
  knownAt: Date = now(),
  scope: ConsultantScope | null = null,
): Promise<RelativeNode[]> {
  const c = await consultantInScope(database, code, scope);
  return direction === 'upline'
    ? uplineAsOf(database, c.id, date, knownAt)
    : (await downlineAsOf(database, c.id, date, knownAt)).filter((d) =>
        scopeSeesConsultant(scope, d.consultantId),
      );
}

/**
 * One page of a consultant's upline or downline on the date, and how many there are in all. The
 * downline's page is cut and counted by the database (a downline may be thousands); within a scope it
 * is the part inside it, as relativesOf.
 */
export async function relativesPage(
  database: Database,
  code: string,
  direction: 'upline' | 'downline',
  date: IsoDate,
  page: { offset: number; limit: number },
  knownAt: Date = now(),
  scope: ConsultantScope | null = null,
): Promise<{ items: RelativeNode[]; total: number }> {
  const c = await consultantInScope(database, code, scope);
  if (direction === 'upline') {
    const all = await uplineAsOf(database, c.id, date, knownAt);
    return { items: all.slice(page.offset, page.offset + page.limit), total: all.length };
  }
  return downlinePageAsOf(
    database,
    c.id,
    date,
    page,
    knownAt,
    downlineWithin(database, scope, date, knownAt),
  );
}
