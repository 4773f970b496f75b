/**
 * The reach's inputs of every recalculated period, read once per correction run: the reach's
 * consultants are written into `recalc_reach` (migrations/0830_recalc_reach.ts) inside the run's
 * transaction, and each table is read by one join with it over the span of the closed periods (its
 * payments, the versions of its policies, its network, its ledger lines, its stored metrics), not per
 * period with IN lists of thousands of ids. The rows keep their knowledge times (recorded, superseded),
 * so the inputs of any period as known at any moment — now, and when the stored metrics were written —
 * are cut from them in memory by the rules of reach.ts's per-period reads (and the period loader's).
 *
 * Careers the run itself records for a period (recorded at the run's moment) change what later
 * periods read: `refreshCareers` reads those consultants' careers again.
 */
import type { Kysely } from 'kysely';
import type { Database, IsoDate } from '../../src/db';
import { kopiykyFromDecimal } from '../../src/db/money';
import type { CurrentMetric, LapseInput, PaymentInput, PeriodInputs, PeriodRef } from '../compensation';
import { type ActivityFact, emptyNetwork } from '../network';
import { earningsOf, type Reach } from './reach';

/** Oracle allows at most 1000 expressions in a list. */
const IN_LIST = 1000;
const chunks = <T>(items: readonly T[], size = IN_LIST): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
const ms = (value: unknown) => new Date(value as string).getTime();
const id = (value: unknown) => Number(value);

interface PaymentRow extends Omit<PaymentInput, 'consultantId' | 'soldOn'> {
  recordedAt: number;
}
interface VersionRow {
  consultantId: number | null;
  issuedOn: IsoDate | null;
  validFrom: IsoDate;
  recordedAt: number;
}
interface FactRow<T> {
  consultantId: number;
  validFrom: IsoDate;
  validTo: IsoDate;
  recordedAt: number;
  supersededAt: number;
  value: T;
}
interface LapseRow extends LapseInput {
  recordedAt: number;
}

/** A posted ledger line of the reach, as the comparison reads it. */
export interface ReachLedgerLine {
  id: number;
  runId: number;
  correctsPeriod: string | null;
  consultantId: number;
  kind: string;
  rule: string;
  sourceKind: string;
  sourceId: number;
  policyId: number | null;
  baseKop: number;
  rate: string;
  amountKop: number;
  stornoOf: number | null;
}

export interface ReachRows {
  /** The span read: the first closed period's first day to the last one's last. */
  from: IsoDate;
  to: IsoDate;
  /** Network facts superseded before this moment were not read. */
  earliest: number;
  payments: PaymentRow[];
  /** Each policy's versions in (valid_from, version_no) order. */
  versions: Map<number, VersionRow[]>;
  sponsors: FactRow<number | null>[];
  careers: FactRow<string>[];
  statuses: FactRow<ActivityFact>[];
  lapses: LapseRow[];
  /** Posted lines of the reach's sales (the subtree's policies' payments in the span) and consultants. */
  ledger: ReachLedgerLine[];
  /** Posted period runs: run id → period. */
  periodRuns: Map<number, string>;
  /** The stored (current) metrics of the reach by period. */
  stored: Map<string, Map<number, CurrentMetric>>;
  /** Rows read, per table, for the report's timings. */
  counts: Record<string, number>;
}

/** Writes the reach into `recalc_reach` (inside the caller's transaction). */
export async function writeReach(database: Database, reach: Reach): Promise<void> {
  const db = database.db as Kysely<any>;
  await db.deleteFrom('recalc_reach').execute();
  await database.dialect.bulkInsert(
    db,
    'recalc_reach',
    reach.ids.map((c) => ({ consultant_id: c, in_subtree: reach.subtree.has(c) ? 1 : 0 })),
  );
}

/** Empties `recalc_reach` before the run's transaction commits (Oracle's commit would too). */
export async function clearReach(database: Database): Promise<void> {
  await (database.db as Kysely<any>).deleteFrom('recalc_reach').execute();
}

/** The policies ever sold by a consultant of the subtree (any version ever recorded), as a subquery. */
const subtreePolicies = (db: Kysely<any>) =>
  db
    .selectFrom('policy_version as spv')
    .innerJoin('recalc_reach as sr', 'sr.consultant_id', 'spv.consultant_id')
    .select('spv.policy_id')
    .where('sr.in_subtree', '=', 1);

/** The reach's payments over the span, with their columns the engine reads. */
const spanPayments = (db: Kysely<any>, from: IsoDate, to: IsoDate) =>
  db
    .selectFrom('premium_payment as pp')
    .where('pp.paid_on', '>=', from)
    .where('pp.paid_on', '<=', to)
    .where('pp.policy_id', 'in', subtreePolicies(db));

const storedMetric = (r: any): CurrentMetric => ({
  consultantId: id(r.consultant_id),
  sponsorId: r.sponsor_id === null ? null : id(r.sponsor_id),
  personalVolumeU: Number(r.personal_volume_u),
  groupVolumeU: Number(r.group_volume_u),
  personalPremiumKop: kopiykyFromDecimal(r.personal_premium),
  newPolicies: Number(r.new_policies),
  activeDirects: Number(r.active_directs),
  legs: Number(r.legs),
  active: Number(r.is_active) === 1,
  qualified: Number(r.is_qualified) === 1,
  careerLevel: r.career_level,
  paidLevel: r.paid_level,
  personalCommissionKop: kopiykyFromDecimal(r.personal_commission),
  structuralCommissionKop: kopiykyFromDecimal(r.structural_commission),
  knownAt: new Date(r.known_at),
});

/** The stored metrics of the reach (as written in `recalc_reach`) in the periods given. */
export async function readReachMetrics(
  database: Database,
  periods: readonly string[],
): Promise<Map<string, Map<number, CurrentMetric>>> {
  const db = database.db as Kysely<any>;
  const stored = new Map<string, Map<number, CurrentMetric>>(periods.map((p) => [p, new Map()]));
  if (!periods.length) return stored;
  for (const r of await db
    .selectFrom('period_metric_current as m')
    .innerJoin('recalc_reach as r', 'r.consultant_id', 'm.consultant_id')
    .selectAll('m')
    .where('m.period_code', 'in', [...periods])
    .execute())
    stored.get(r.period_code)!.set(id(r.consultant_id), storedMetric(r));
  return stored;
}

const factColumns = [
  'f.consultant_id',
  'f.valid_from',
  'f.valid_to',
  'f.recorded_at',
  'f.superseded_at',
] as const;

/** Careers of the reach (or of the consultants named) over the span, not superseded before `earliest`. */
async function readCareers(
  db: Kysely<any>,
  from: IsoDate,
  to: IsoDate,
  earliest: number,
  only?: readonly number[],
): Promise<FactRow<string>[]> {
  const query = (ids: readonly number[] | null) => {
    let q = db
      .selectFrom('consultant_career as f')
      .select([...factColumns, 'f.level_code'])
      .where('f.superseded_at', '>', new Date(earliest))
      .where('f.valid_from', '<=', to)
      .where('f.valid_to', '>', from);
    q = ids
      ? q.where('f.consultant_id', 'in', [...ids])
      : q.where('f.consultant_id', 'in', db.selectFrom('recalc_reach').select('consultant_id'));
    return q.execute();
  };
  const rows = only ? (await Promise.all(chunks(only).map(query))).flat() : await query(null);
  return rows.map((r: any) => ({ ...fact(r), value: r.level_code as string }));
}

const fact = (r: any) => ({
  consultantId: id(r.consultant_id),
  validFrom: r.valid_from as IsoDate,
  validTo: r.valid_to as IsoDate,
  recordedAt: ms(r.recorded_at),
  supersededAt: ms(r.superseded_at),
});

/**
 * Everything the reach's periods read, once: `periods` are the closed periods to recalculate (in
 * order), `earliest` the earliest moment any of them is read as known at.
 */
export async function loadReachRows(
  database: Database,
  periods: readonly PeriodRef[],
  stored: Map<string, Map<number, CurrentMetric>>,
  earliest: Date,
): Promise<ReachRows> {
  const db = database.db as Kysely<any>;
  const from = periods[0].startsOn;
  const to = periods[periods.length - 1].endsOn;
  const counts: Record<string, number> = {};
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    counts[`${stage}Ms`] = Math.round(now - t);
    t = now;
  };

  const payments: PaymentRow[] = (
    await spanPayments(db, from, to)
      .innerJoin('policy as p', 'p.id', 'pp.policy_id')
      .innerJoin('product as pr', 'pr.id', 'p.product_id')
      .select([
        'pp.id',
        'pp.policy_id',
        'pp.paid_on',
        'pp.amount',
        'pp.policy_year',
        'pp.recorded_at',
        'p.number',
        'pr.code as product_code',
        'pr.product_group',
      ])
      .execute()
  )
    .map((r: any) => ({
      id: id(r.id),
      policyId: id(r.policy_id),
      policyNumber: r.number,
      productCode: r.product_code,
      productGroup: r.product_group,
      policyYear: Number(r.policy_year),
      paidOn: r.paid_on,
      amountKop: kopiykyFromDecimal(r.amount),
      recordedAt: ms(r.recorded_at),
    }))
    .sort((a, b) => a.id - b.id);
  counts.payments = payments.length;
  lap('payments');

  const versions = new Map<number, VersionRow[]>();
  const versionRows = await db
    .selectFrom('policy_version as pv')
    .select([
      'pv.policy_id',
      'pv.consultant_id',
      'pv.issued_on',
      'pv.valid_from',
      'pv.version_no',
      'pv.recorded_at',
    ])
    .where('pv.policy_id', 'in', subtreePolicies(db))
    .execute();
  versionRows.sort(
    (a: any, b: any) =>
      id(a.policy_id) - id(b.policy_id) ||
      (a.valid_from < b.valid_from ? -1 : a.valid_from > b.valid_from ? 1 : 0) ||
      Number(a.version_no) - Number(b.version_no),
  );
  for (const v of versionRows) {
    const row: VersionRow = {
      consultantId: v.consultant_id === null ? null : id(v.consultant_id),
      issuedOn: v.issued_on,
      validFrom: v.valid_from,
      recordedAt: ms(v.recorded_at),
    };
    const list = versions.get(id(v.policy_id));
    if (list) list.push(row);
    else versions.set(id(v.policy_id), [row]);
  }
  counts.versions = versionRows.length;
  lap('versions');

  const facts = (table: string) =>
    db
      .selectFrom(`${table} as f`)
      .innerJoin('recalc_reach as r', 'r.consultant_id', 'f.consultant_id')
      .where('f.superseded_at', '>', earliest)
      .where('f.valid_from', '<=', to)
      .where('f.valid_to', '>', from);
  const sponsors = (
    await facts('consultant_sponsor')
      .select([...factColumns, 'f.sponsor_id'])
      .execute()
  ).map((r: any) => ({ ...fact(r), value: r.sponsor_id === null ? null : id(r.sponsor_id) }));
  const careers = await readCareers(db, from, to, earliest.getTime());
  const statuses = (
    await facts('consultant_activity_status')
      .select([...factColumns, 'f.status', 'f.source'])
      .execute()
  ).map((r: any) => ({ ...fact(r), value: { status: r.status, source: r.source } as ActivityFact }));
  counts.network = sponsors.length + careers.length + statuses.length;
  lap('network');

  // Every lapse of the span, the period loader's rule: the network's, not only the reach's.
  const lapses: LapseRow[] = (
    await db
      .selectFrom('policy_version as pv')
      .innerJoin('policy as p', 'p.id', 'pv.policy_id')
      .innerJoin('product as pr', 'pr.id', 'p.product_id')
      .select([
        'pv.policy_id',
        'p.number',
        'pr.code as product_code',
        'pr.product_group',
        'pv.cover_start',
        'pv.status_date',
        'pv.status',
        'pv.recorded_at',
      ])
      .where('pv.status', 'in', ['terminated', 'cancelled'])
      .where('pv.status_date', '>=', from)
      .where('pv.status_date', '<=', to)
      .orderBy('pv.policy_id')
      .orderBy('pv.status_date')
      .execute()
  ).map((r: any) => ({
    policyId: id(r.policy_id),
    policyNumber: r.number,
    productCode: r.product_code,
    productGroup: r.product_group,
    startedOn: r.cover_start,
    lapsedOn: r.status_date,
    status: r.status,
    recordedAt: ms(r.recorded_at),
  }));

  lap('lapses');
  const periodRuns = new Map<number, string>();
  const posted = new Set<number>();
  for (const r of await db
    .selectFrom('calculation_run')
    .select(['id', 'period_code', 'run_kind'])
    .where('status', '=', 'posted')
    .execute()) {
    posted.add(id(r.id));
    if (r.run_kind === 'period') periodRuns.set(id(r.id), r.period_code);
  }
  const codes = new Set(periods.map((p) => p.code));
  const ledger: ReachLedgerLine[] = [];
  const keep = (rows: any[]) => {
    for (const r of rows) {
      const runId = id(r.run_id);
      if (!posted.has(runId)) continue;
      if (!(codes.has(r.corrects_period) || codes.has(periodRuns.get(runId) ?? ''))) continue;
      ledger.push({
        id: id(r.id),
        runId,
        correctsPeriod: r.corrects_period,
        consultantId: id(r.consultant_id),
        kind: r.kind,
        rule: r.rule,
        sourceKind: r.source_kind,
        sourceId: id(r.source_id),
        policyId: r.policy_id === null ? null : id(r.policy_id),
        baseKop: kopiykyFromDecimal(r.base),
        rate: String(r.rate),
        amountKop: kopiykyFromDecimal(r.amount),
        stornoOf: r.storno_of_accrual_id === null ? null : id(r.storno_of_accrual_id),
      });
    }
  };
  const lines = () =>
    db
      .selectFrom('accrual as a')
      .select([
        'a.id',
        'a.run_id',
        'a.corrects_period',
        'a.consultant_id',
        'a.kind',
        'a.rule',
        'a.source_kind',
        'a.source_id',
        'a.policy_id',
        'a.base',
        'a.rate',
        'a.amount',
        'a.storno_of_accrual_id',
      ]);
  keep(
    await lines()
      .where('a.source_kind', '=', 'payment')
      .where('a.source_id', 'in', spanPayments(db, from, to).select('pp.id'))
      .execute(),
  );
  keep(
    await lines()
      .where('a.source_kind', '=', 'consultant')
      .where('a.source_id', 'in', db.selectFrom('recalc_reach').select('consultant_id'))
      .execute(),
  );
  for (const chunk of chunks([...new Set(lapses.map((l) => l.policyId))]))
    keep(await lines().where('a.source_kind', '=', 'policy').where('a.source_id', 'in', chunk).execute());
  ledger.sort((a, b) => a.id - b.id);
  counts.ledger = ledger.length;
  lap('ledger');

  return {
    from,
    to,
    earliest: earliest.getTime(),
    payments,
    versions,
    sponsors,
    careers,
    statuses,
    lapses,
    ledger,
    periodRuns,
    stored,
    counts,
  };
}

/** Reads again the careers of consultants whose careers the run has just recorded. */
export async function refreshCareers(
  database: Database,
  rows: ReachRows,
  consultants: ReadonlySet<number>,
): Promise<void> {
  if (!consultants.size) return;
  const fresh = await readCareers(database.db as Kysely<any>, rows.from, rows.to, rows.earliest, [
    ...consultants,
  ]);
  rows.careers = [...rows.careers.filter((f) => !consultants.has(f.consultantId)), ...fresh];
}

/** The reach's inputs of one period as known at a moment (reach.ts's rules, cut from the rows). */
export async function reachInputsAt(
  database: Database,
  rows: ReachRows,
  period: PeriodRef,
  reach: Reach,
  knownAt: Date,
  codes: Map<number, string>,
): Promise<PeriodInputs> {
  const k = knownAt.getTime();
  // Each payment with the policy version in force on its payment date as known then (the latest
  // valid_from on or before it, then the highest version number; paid before the first, the first),
  // kept when that version's consultant is in the subtree.
  const payments: PaymentInput[] = [];
  for (const r of rows.payments) {
    if (r.paidOn < period.startsOn || r.paidOn > period.endsOn || r.recordedAt > k) continue;
    let chosen: VersionRow | undefined;
    let first: VersionRow | undefined;
    for (const v of rows.versions.get(r.policyId) ?? []) {
      if (v.recordedAt > k) continue;
      first ??= v;
      if (v.validFrom <= r.paidOn) chosen = v;
    }
    const v = chosen ?? first;
    if (!v || v.consultantId === null || !reach.subtree.has(v.consultantId)) continue;
    const { recordedAt: _recordedAt, ...payment } = r;
    payments.push({ ...payment, consultantId: v.consultantId, soldOn: v.issuedOn ?? r.paidOn });
  }
  const network = emptyNetwork();
  const inForce = (f: FactRow<unknown>) =>
    f.recordedAt <= k && f.supersededAt > k && f.validFrom <= period.endsOn && f.validTo > period.startsOn;
  for (const f of rows.sponsors)
    if (inForce(f)) network.sponsors.add(f.consultantId, f.validFrom, f.validTo, f.value);
  for (const f of rows.careers)
    if (inForce(f)) network.careers.add(f.consultantId, f.validFrom, f.validTo, f.value);
  for (const f of rows.statuses)
    if (inForce(f)) network.statuses.add(f.consultantId, f.validFrom, f.validTo, f.value);
  const lapses: LapseInput[] = [];
  for (const r of rows.lapses) {
    if (r.lapsedOn < period.startsOn || r.lapsedOn > period.endsOn || r.recordedAt > k) continue;
    if (lapses.length && lapses[lapses.length - 1].policyId === r.policyId) continue;
    const { recordedAt: _recordedAt, ...lapse } = r;
    lapses.push(lapse);
  }
  const earnings = lapses.length
    ? await earningsOf(
        database.db as never,
        period,
        lapses.map((l) => l.policyId),
      )
    : [];
  return {
    period,
    consultants: reach.ids.map((c) => ({ id: c, code: codes.get(c) ?? String(c) })),
    network,
    payments,
    lapses,
    earnings,
    missing: [],
  };
}

/**
 * The period's lines in force among the reach's (its posted calculation and the corrections naming
 * it, less what a storno reverses), with `keep` choosing which sources count.
 */
export function reachLiveLines(
  rows: ReachRows,
  period: string,
  keep: (line: ReachLedgerLine) => boolean,
): ReachLedgerLine[] {
  const own = rows.ledger.filter(
    (l) => (l.correctsPeriod === period || rows.periodRuns.get(l.runId) === period) && keep(l),
  );
  const reversed = new Set<number>();
  for (const l of own) if (l.kind === 'storno' && l.stornoOf !== null) reversed.add(l.stornoOf);
  return own.filter((l) => l.kind !== 'storno' && !reversed.has(l.id));
}
