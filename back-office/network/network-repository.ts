/**
 * The agent network as of a date: the sponsor tree, a consultant's upline and downline, and changes
 * of sponsor or unit. Every read takes the business date and, optionally, the moment of knowledge,
 * so "as it was on D, as known at K" is a plain call.
 */
import { type Expression, type Kysely, sql } from 'kysely';
import {
  asOf,
  type BitemporalChange,
  type Database,
  type DB,
  inTransaction,
  type IsoDate,
  OPEN_END,
  recordBitemporal,
  STILL_KNOWN,
} from '../../src/db';
import { recordAudit } from './audit';

export interface NetworkNode {
  consultantId: number;
  code: string;
  fullName: string;
  sponsorId: number | null;
  /** 0 for the top of the network, 1 for those they recruited, and so on. */
  depth: number;
}

export interface RelativeNode {
  consultantId: number;
  code: string;
  fullName: string;
  sponsorId: number | null;
  /** Steps from the consultant asked about: 1 is the sponsor (upline) or a direct recruit (downline). */
  generation: number;
}

/** When the caller does not say, "as known now". */
const now = () => new Date();

/** The whole sponsor tree on `date` as known at `knownAt`, tops first, then by depth and code. */
export async function sponsorTreeAsOf(
  database: Database,
  date: IsoDate,
  knownAt: Date = now(),
): Promise<NetworkNode[]> {
  const rows = await treeBelow(database, null, date, knownAt)
    .selectFrom('down')
    .innerJoin('consultant as c', 'c.id', 'down.consultant_id')
    .select(['down.consultant_id', 'c.code', 'c.full_name', 'down.sponsor_id', 'down.depth'])
    .orderBy('down.depth')
    .orderBy('c.code')
    .execute();
  return rows.map((r) => ({
    consultantId: Number(r.consultant_id),
    code: r.code,
    fullName: r.full_name,
    sponsorId: r.sponsor_id === null ? null : Number(r.sponsor_id),
    depth: Number(r.depth),
  }));
}

/** The consultant's sponsors up to the top, nearest first. */
export async function uplineAsOf(
  database: Database,
  consultantId: number,
  date: IsoDate,
  knownAt: Date = now(),
): Promise<RelativeNode[]> {
  const { db, dialect } = database;
  const rows = await dialect
    .withRecursive(db)('up(consultant_id, generation)', (qb) =>
      asOf(
        qb
          .selectFrom('consultant_sponsor as s')
          .select(['s.sponsor_id as consultant_id', sql<number>`1`.as('generation')])
          .where('s.consultant_id', '=', consultantId)
          .where('s.sponsor_id', 'is not', null),
        's',
        date,
        knownAt,
      ).unionAll((union) =>
        asOf(
          union
            .selectFrom('consultant_sponsor as s')
            .innerJoin('up as u', 'u.consultant_id', 's.consultant_id')
            .select([
              's.sponsor_id as consultant_id',
              sql<number>`${sql.ref('u.generation')} + 1`.as('generation'),
            ])
            .where('s.sponsor_id', 'is not', null)
            .where('u.generation', '<', 1000),
          's',
          date,
          knownAt,
        ),
      ),
    )
    .selectFrom('up')
    .innerJoin('consultant as c', 'c.id', 'up.consultant_id')
    .select(['up.consultant_id', 'c.code', 'c.full_name', 'up.generation'])
    .orderBy('up.generation')
    .execute();
  // The recursion walks from the consultant upwards; each row's own sponsor is the next row.
  return rows.map((r, i) => ({
    consultantId: Number(r.consultant_id),
    code: r.code,
    fullName: r.full_name,
    sponsorId: i + 1 < rows.length ? Number(rows[i + 1].consultant_id) : null,
    generation: Number(r.generation),
  }));
}

/** Everyone recruited by the consultant, directly or further down, on `date`; by generation, then code. */
export async function downlineAsOf(
  database: Database,
  consultantId: number,
  date: IsoDate,
  knownAt: Date = now(),
): Promise<RelativeNode[]> {
  return (
    (await reusedDownline(database, consultantId, date, knownAt)) ??
    walkDownline(database, consultantId, date, knownAt)
  );
}

async function walkDownline(
  database: Database,
  consultantId: number,
  date: IsoDate,
  knownAt: Date,
): Promise<RelativeNode[]> {
  const rows = await treeBelow(database, consultantId, date, knownAt)
    .selectFrom('down')
    .innerJoin('consultant as c', 'c.id', 'down.consultant_id')
    .select(['down.consultant_id', 'c.code', 'c.full_name', 'down.sponsor_id', 'down.depth'])
    .orderBy('down.depth')
    .orderBy('c.code')
    .execute();
  return rows.map((r) => ({
    consultantId: Number(r.consultant_id),
    code: r.code,
    fullName: r.full_name,
    sponsorId: r.sponsor_id === null ? null : Number(r.sponsor_id),
    generation: Number(r.depth),
  }));
}

/**
 * Downlines walked once and reused while the network stands still. A downline as known now is a
 * function of the sponsor rows alone (a consultant's code and name never change), and the network's
 * generation (migration 0670: a trigger moves it in the writing transaction with every change of
 * consultant_sponsor, consultant_unit or unit_structure, whoever writes it) says whether they
 * changed. The generation is read before the walk and the walk is made as known after that read, so
 * a kept downline is never older than its generation: a change is seen on the next read after its
 * commit. Reads as known at an earlier moment (a `knownAt` in the past) always walk. At most
 * DOWNLINE_CACHE_NODES consultants are kept per database, the least recently read dropped first;
 * a downline larger than DOWNLINE_CACHE_LARGEST is never kept.
 */
const DOWNLINE_CACHE_NODES = 500_000;
const DOWNLINE_CACHE_LARGEST = 100_000;
/** A `knownAt` this close to the clock is "as known now" (the default a route passes). */
const NOW_TOLERANCE_MS = 2_000;

interface KeptDownline {
  generation: string;
  nodes: RelativeNode[];
}
const keptDownlines = new WeakMap<Database, { entries: Map<string, KeptDownline>; nodes: number }>();

async function reusedDownline(
  database: Database,
  consultantId: number,
  date: IsoDate,
  knownAt: Date,
): Promise<RelativeNode[] | null> {
  if (Math.abs(Date.now() - knownAt.getTime()) > NOW_TOLERANCE_MS) return null;
  const row = await database.db
    .selectFrom('network_generation')
    .select('generation')
    .where('id', '=', 1)
    .executeTakeFirst();
  if (!row) return null;
  const generation = String(row.generation);
  let kept = keptDownlines.get(database);
  if (!kept) keptDownlines.set(database, (kept = { entries: new Map(), nodes: 0 }));
  const key = `${consultantId}|${date}`;
  const hit = kept.entries.get(key);
  if (hit) {
    kept.entries.delete(key);
    kept.nodes -= hit.nodes.length;
    if (hit.generation === generation) {
      kept.entries.set(key, hit); // most recently read last
      kept.nodes += hit.nodes.length;
      return hit.nodes;
    }
  }
  const nodes = await walkDownline(database, consultantId, date, now());
  if (nodes.length <= DOWNLINE_CACHE_LARGEST) {
    kept.entries.set(key, { generation, nodes });
    kept.nodes += nodes.length;
    for (const [oldest, entry] of kept.entries) {
      if (kept.nodes <= DOWNLINE_CACHE_NODES) break;
      kept.entries.delete(oldest);
      kept.nodes -= entry.nodes.length;
    }
  }
  return nodes;
}

/**
 * The sponsor tree on `date` as known at `knownAt`, as a recursive query to select from (`down`:
 * consultant_id, sponsor_id, depth): below a consultant (their recruits at depth 1, theirs at 2, …),
 * or with `from` null the whole tree (the tops, who have no sponsor, at depth 0). The one walk of the
 * tree every read here makes; depth stops at 1000, so a loop in bad data cannot run away.
 */
function treeBelow(database: Database, from: number | null, date: IsoDate, knownAt: Date) {
  const { db, dialect } = database;
  return dialect.withRecursive(db)('down(consultant_id, sponsor_id, depth)', (qb) =>
    asOf(
      qb
        .selectFrom('consultant_sponsor as s')
        .select([
          's.consultant_id',
          's.sponsor_id',
          sql<number>`${sql.lit(from === null ? 0 : 1)}`.as('depth'),
        ])
        .where('s.sponsor_id', from === null ? 'is' : '=', from),
      's',
      date,
      knownAt,
    ).unionAll((union) =>
      asOf(
        union
          .selectFrom('consultant_sponsor as s')
          .innerJoin('down as d', 'd.consultant_id', 's.sponsor_id')
          .select(['s.consultant_id', 's.sponsor_id', sql<number>`${sql.ref('d.depth')} + 1`.as('depth')])
          .where('d.depth', '<', 1000),
        's',
        date,
        knownAt,
      ),
    ),
  );
}

/**
 * How many are below the consultant on `date` (at any depth), counted by the database; with `within`
 * (a subquery of consultant ids, scope.ts visibleConsultantIds) only those inside it.
 */
export async function downlineCountAsOf(
  database: Database,
  consultantId: number,
  date: IsoDate,
  knownAt: Date = now(),
  within?: Expression<unknown>,
): Promise<number> {
  if (!within) {
    const kept = await reusedDownline(database, consultantId, date, knownAt);
    if (kept) return kept.length;
  }
  let query = treeBelow(database, consultantId, date, knownAt)
    .selectFrom('down')
    .select((eb) => eb.fn.countAll().as('n'));
  if (within) query = query.where('down.consultant_id', 'in', within as never);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * One page of the consultant's downline on `date` (by generation, then code) and how many there are
 * in all; with `within` only those inside it. The page is cut by the database.
 */
export async function downlinePageAsOf(
  database: Database,
  consultantId: number,
  date: IsoDate,
  page: { offset: number; limit: number },
  knownAt: Date = now(),
  within?: Expression<unknown>,
): Promise<{ items: RelativeNode[]; total: number }> {
  if (!within) {
    const kept = await reusedDownline(database, consultantId, date, knownAt);
    if (kept) return { items: kept.slice(page.offset, page.offset + page.limit), total: kept.length };
  }
  let query = treeBelow(database, consultantId, date, knownAt)
    .selectFrom('down')
    .innerJoin('consultant as c', 'c.id', 'down.consultant_id');
  if (within) query = query.where('down.consultant_id', 'in', within as never);
  // The total comes with the page (a window count over the whole downline), so the tree is walked
  // once; only a page past the end asks for it apart.
  const rows = await query
    .select([
      'down.consultant_id',
      'c.code',
      'c.full_name',
      'down.sponsor_id',
      'down.depth',
      sql<number | string>`count(*) over ()`.as('total_rows'),
    ])
    .orderBy('down.depth')
    .orderBy('c.code')
    .offset(page.offset)
    .fetch(page.limit)
    .execute();
  const total = rows.length
    ? Number(rows[0].total_rows)
    : page.offset === 0
      ? 0
      : await downlineCountAsOf(database, consultantId, date, knownAt, within);
  return {
    items: rows.map((r) => ({
      consultantId: Number(r.consultant_id),
      code: r.code,
      fullName: r.full_name,
      sponsorId: r.sponsor_id === null ? null : Number(r.sponsor_id),
      generation: Number(r.depth),
    })),
    total,
  };
}

/** Those the consultant recruited directly and who are under them on `date`, by code. */
export async function directRecruitsAsOf(
  database: Database,
  consultantId: number,
  date: IsoDate,
  knownAt: Date = now(),
): Promise<RelativeNode[]> {
  const rows = await asOf(
    database.db
      .selectFrom('consultant_sponsor as s')
      .innerJoin('consultant as c', 'c.id', 's.consultant_id')
      .select(['s.consultant_id', 'c.code', 'c.full_name'])
      .where('s.sponsor_id', '=', consultantId),
    's',
    date,
    knownAt,
  )
    .orderBy('c.code')
    .execute();
  return rows.map((r) => ({
    consultantId: Number(r.consultant_id),
    code: r.code,
    fullName: r.full_name,
    sponsorId: consultantId,
    generation: 1,
  }));
}

export class NetworkRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkRuleError';
  }
}

/**
 * Moves a consultant under a new sponsor from `validFrom`. Refused when the new sponsor is the
 * consultant or one of their own downline on that date (the tree would become a loop).
 */
export async function changeSponsor(
  database: Database,
  consultantId: number,
  sponsorId: number | null,
  change: BitemporalChange,
): Promise<void> {
  if (sponsorId === consultantId) throw new NetworkRuleError('a consultant cannot sponsor themselves');
  if (sponsorId !== null) {
    const downline = await downlineAsOf(database, consultantId, change.validFrom, change.recordedAt);
    if (downline.some((d) => d.consultantId === sponsorId)) {
      const codes = new Map(
        (
          await database.db
            .selectFrom('consultant')
            .select(['id', 'code'])
            .where('id', 'in', [sponsorId, consultantId])
            .execute()
        ).map((c) => [Number(c.id), c.code]),
      );
      throw new NetworkRuleError(
        `${codes.get(sponsorId)} is in the downline of ${codes.get(consultantId)} on ${change.validFrom}: the network would loop`,
      );
    }
  }
  await inTransaction(database, async ({ db: trx, dialect }) => {
    const superseded = await recordBitemporal(
      trx,
      'consultant_sponsor',
      'consultant_id',
      consultantId,
      { sponsor_id: sponsorId },
      change,
    );
    // The check above looks at validFrom only; a sponsor row of someone above that starts later can
    // still close a loop (X under Y from March, then Y under X from February). Checked again with
    // the change in place, over its whole span; a loop rolls the change back.
    const loopsOn = sponsorId === null ? null : await firstLoopDate(trx, dialect, consultantId, change);
    if (loopsOn) {
      const code = await trx
        .selectFrom('consultant')
        .select('code')
        .where('id', '=', consultantId)
        .executeTakeFirst();
      throw new NetworkRuleError(
        `${code?.code ?? consultantId} would be in their own upline from ${loopsOn}: the network would loop`,
      );
    }
    await recordAudit(trx, database, {
      actor: change.recordedBy,
      action: 'consultant.sponsor_changed',
      entityKind: 'consultant',
      entityId: String(consultantId),
      before: superseded.map((r) => ({
        sponsorId: r.sponsor_id,
        validFrom: r.valid_from,
        validTo: r.valid_to,
      })),
      after: { sponsorId, validFrom: change.validFrom, validTo: change.validTo ?? null },
      reason: change.reason ?? null,
      at: change.recordedAt,
    });
  });
}

/**
 * The first day on which the consultant is in their own upline, as currently known, within the
 * change's span; null when never. Walks upwards over date ranges: each step takes the sponsor rows
 * of the consultant reached whose validity overlaps the range carried so far, and narrows the range
 * to the overlap; a walk that returns to the consultant has found a loop on its range's first day.
 */
async function firstLoopDate(
  db: Kysely<DB>,
  dialect: Database['dialect'],
  consultantId: number,
  change: BitemporalChange,
): Promise<IsoDate | null> {
  const from = change.validFrom;
  const to = change.validTo ?? OPEN_END;
  const later = (a: unknown, b: unknown) => sql<string>`case when ${a} > ${b} then ${a} else ${b} end`;
  const earlier = (a: unknown, b: unknown) => sql<string>`case when ${a} < ${b} then ${a} else ${b} end`;
  const row = await dialect
    .withRecursive(db)('up(consultant_id, from_d, to_d, depth)', (qb) =>
      qb
        .selectFrom('consultant_sponsor as s')
        .select([
          's.sponsor_id as consultant_id',
          later(sql.ref('s.valid_from'), sql`${from}`).as('from_d'),
          earlier(sql.ref('s.valid_to'), sql`${to}`).as('to_d'),
          sql<number>`${sql.lit(1)}`.as('depth'),
        ])
        .where('s.consultant_id', '=', consultantId)
        .where('s.sponsor_id', 'is not', null)
        .where('s.superseded_at', '=', STILL_KNOWN)
        .where('s.valid_from', '<', to)
        .where('s.valid_to', '>', from)
        .unionAll((union) =>
          union
            .selectFrom('consultant_sponsor as s')
            .innerJoin('up as u', 'u.consultant_id', 's.consultant_id')
            .select([
              's.sponsor_id as consultant_id',
              later(sql.ref('s.valid_from'), sql.ref('u.from_d')).as('from_d'),
              earlier(sql.ref('s.valid_to'), sql.ref('u.to_d')).as('to_d'),
              sql<number>`${sql.ref('u.depth')} + 1`.as('depth'),
            ])
            .where('s.sponsor_id', 'is not', null)
            .where('s.superseded_at', '=', STILL_KNOWN)
            .where((eb) => eb('s.valid_from', '<', eb.ref('u.to_d')))
            .where((eb) => eb('s.valid_to', '>', eb.ref('u.from_d')))
            .where('u.consultant_id', '<>', consultantId)
            .where('u.depth', '<', 1000),
        ),
    )
    .selectFrom('up')
    .select((eb) => eb.fn.min('up.from_d').as('first'))
    .where('up.consultant_id', '=', consultantId)
    .executeTakeFirst();
  return row?.first ? String(row.first).slice(0, 10) : null;
}

/** Moves a consultant to another unit from `validFrom`. */
export async function changeUnit(
  database: Database,
  consultantId: number,
  unitId: number,
  change: BitemporalChange,
): Promise<void> {
  await inTransaction(database, async ({ db: trx }) => {
    const superseded = await recordBitemporal(
      trx,
      'consultant_unit',
      'consultant_id',
      consultantId,
      { unit_id: unitId },
      change,
    );
    await recordAudit(trx, database, {
      actor: change.recordedBy,
      action: 'consultant.unit_changed',
      entityKind: 'consultant',
      entityId: String(consultantId),
      before: superseded.map((r) => ({ unitId: r.unit_id, validFrom: r.valid_from, validTo: r.valid_to })),
      after: { unitId, validFrom: change.validFrom, validTo: change.validTo ?? null },
      reason: change.reason ?? null,
      at: change.recordedAt,
    });
  });
}

/** The unit a consultant belongs to on `date` as known at `knownAt`, or null. */
export async function unitOfConsultantAsOf(
  database: Database,
  consultantId: number,
  date: IsoDate,
  knownAt: Date = now(),
): Promise<{ unitId: number; code: string; name: string } | null> {
  const row = await asOf(
    (database.db as Kysely<DB>)
      .selectFrom('consultant_unit as cu')
      .innerJoin('unit as u', 'u.id', 'cu.unit_id')
      .select(['u.id', 'u.code', 'u.name'])
      .where('cu.consultant_id', '=', consultantId),
    'cu',
    date,
    knownAt,
  ).executeTakeFirst();
  return row ? { unitId: Number(row.id), code: row.code, name: row.name } : null;
}

/** Finds a consultant by the intermediary's code (e.g. K-00012). */
export async function findConsultantByCode(database: Database, code: string) {
  return database.db.selectFrom('consultant').selectAll().where('code', '=', code).executeTakeFirst();
}
