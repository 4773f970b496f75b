/**
 * Recalculation of closed periods into storno and additional accrual lines.
 *
 * For every closed period from the earliest one a pending request reaches, in order (a period's
 * career decisions carry into the next), the period is calculated again as known now and compared,
 * per (consultant, rule, source) key, with the net of what was posted for it: its own lines plus
 * the corrections that name it. Where they differ, every live line of the key is reversed by a storno
 * line naming it (storno_of_accrual_id, exactly its amount) and what should have been is posted as
 * one additional line; both go into the current open period with corrects_period and the cause.
 * A key whose posted net already equals what should have been gets nothing, so running the
 * recalculation again posts nothing. Closed periods' own lines are never touched. Calculated
 * (not yet closed) periods from that point on are simply calculated again.
 *
 * A preview runs the same work inside a transaction that is rolled back.
 */
import type { Kysely } from 'kysely';
import { type Database, inTransaction, type IsoDate, OPEN_END, STILL_KNOWN } from '../../src/db';
import { kopiykyFromDecimal } from '../../src/db/money';
import {
  markRequestsDone,
  type PendingRequest,
  pendingRequests as pendingRecalculationRequests,
} from '../../src/recalculation-requests';
import {
  type AccrualLine,
  calculatePeriod,
  type CareerDecision,
  type CompensationDB,
  lockPeriods,
  openPeriod,
  nextPeriodStart,
  type PeriodVolumes,
  periodRef,
  planForPeriod,
  postCorrectionRun,
  commissionsOf,
  storeCurrentMetrics,
  volumesOf,
  ledgerExplanation,
} from '../compensation';
import { recordCalculatedCareer } from '../network';
import { type BoundedPeriod, boundedPeriod, keyOf, type LiveLine } from './bounded';
import { causeConsultants, type Reach, reachOf } from './reach';
import {
  clearReach,
  loadReachRows,
  readReachMetrics,
  type ReachRows,
  refreshCareers,
  writeReach,
} from './reach-load';

const cdb = (database: Database) => database.db as unknown as Kysely<CompensationDB>;

export interface CorrectionLine {
  correctsPeriod: string;
  postedIn: string;
  kind: 'storno' | 'additional';
  consultantId: number;
  consultantCode: string;
  rule: string;
  sourceKind: string;
  sourceId: number;
  policyId: number | null;
  baseKop: number;
  rate: string;
  amountKop: number;
  /** On a storno line: the ledger line it cancels. */
  stornoOfAccrualId: number | null;
  explanation: string;
  cause: string;
}

export interface CareerAdjustment {
  consultantId: number;
  consultantCode: string;
  validFrom: IsoDate;
  fromLevel: string | null;
  toLevel: string;
  why: string;
}

export interface PeriodCorrection {
  period: string;
  /** The correction run posted for it (null in a preview or when nothing differed). */
  runId: number | null;
  fingerprint: string;
  lines: CorrectionLine[];
  stornoKop: number;
  additionalKop: number;
  careerAdjustments: CareerAdjustment[];
}

export interface ConsultantImpact {
  consultantId: number;
  consultantCode: string;
  stornoKop: number;
  additionalKop: number;
  netKop: number;
}

export interface CorrectionReport {
  preview: boolean;
  /** The open period the corrections are posted in. */
  postedIn: string | null;
  knownAt: Date;
  requests: { id: number; periodCode: string; causeKind: string; description: string }[];
  periods: PeriodCorrection[];
  /** Calculated (not closed) periods calculated again. */
  recalculated: string[];
  byConsultant: ConsultantImpact[];
  stornoKop: number;
  additionalKop: number;
  netKop: number;
  timings: Record<string, number>;
  /**
   * How the closed periods were compared: within the causes' reach (`periods` lists those), or in
   * full from the period named in `fallback` on, with the reason (null when every period was bounded).
   */
  bounded: { reach: number; periods: string[]; fallback: string | null };
}

export interface CorrectionOptions {
  /** Who posts (kept on the runs and the career history). */
  postedBy?: string;
  /** Read everything as known at this moment; default now. */
  knownAt?: Date;
  /** Recalculate from this closed period even without pending requests (an audit re-run). */
  fromPeriod?: string;
  onProgress?: (stage: string, count: number) => void;
  /**
   * 'bounded' (the default) recalculates a closed period only within the reach of the causes (the
   * changed consultants' subtrees and their uplines) and falls back to the full comparison, with the
   * reason in the report's `bounded.fallback`, from the first period where the reach does not bound
   * the change; 'full' compares every period in full.
   */
  comparison?: 'bounded' | 'full';
}

class PreviewRollback extends Error {
  constructor(readonly report: CorrectionReport) {
    super('preview');
  }
}

/** The pending requests, oldest period first. */
export function pendingRequests(database: Database): Promise<PendingRequest[]> {
  return pendingRecalculationRequests(database.db);
}

/** Runs the work in a transaction of its own and rolls everything it wrote back, keeping its answer. */
async function rolledBack(
  database: Database,
  work: (tx: Database) => Promise<CorrectionReport>,
): Promise<CorrectionReport> {
  if (database.db.isTransaction) throw new Error('a preview opens its own transaction');
  try {
    await database.db.transaction().execute(async (trx) => {
      throw new PreviewRollback(await work({ ...database, db: trx }));
    });
  } catch (error) {
    if (error instanceof PreviewRollback) return error.report;
    throw error;
  }
  throw new Error('unreachable');
}

/** What the corrections would be, posted nowhere: the same work as postCorrections, rolled back. */
export function previewCorrections(
  database: Database,
  options: CorrectionOptions = {},
): Promise<CorrectionReport> {
  return rolledBack(database, (tx) => runCorrections(tx, { ...options }, true));
}

/**
 * The impact of a change before it is recorded: `record` writes it (e.g. recordManualCareerChange)
 * inside a transaction that is rolled back after the corrections are computed.
 */
export function previewChange(
  database: Database,
  record: (tx: Database) => Promise<unknown>,
  options: CorrectionOptions = {},
): Promise<CorrectionReport> {
  return rolledBack(database, async (tx) => {
    await record(tx);
    return runCorrections(tx, { ...options, knownAt: new Date() }, true);
  });
}

/** Posts the corrections of every pending request, in one transaction. */
export async function postCorrections(
  database: Database,
  options: CorrectionOptions = {},
): Promise<CorrectionReport> {
  return inTransaction(database, (tx) => runCorrections(tx, options, false));
}

/** The first period after the last closed one that is not closed: where corrections are posted. */
async function postingPeriod(database: Database, lastClosed: string, create: boolean): Promise<string> {
  const db = cdb(database);
  const open = await db
    .selectFrom('production_period')
    .select('code')
    .where('code', '>', lastClosed)
    .where('status', '!=', 'closed')
    .orderBy('code')
    .offset(0)
    .fetch(1)
    .executeTakeFirst();
  if (open) return open.code;
  const next = nextPeriodStart(await periodRef(db, lastClosed)).slice(0, 7);
  if (create) await openPeriod(db, await periodRef(db, next));
  return next;
}

/**
 * The lines of a period still in force: its own posted calculation and the additional lines that
 * correct it, less every line a storno names.
 */
async function liveLines(database: Database, period: string): Promise<Map<string, LiveLine[]>> {
  const db = cdb(database);
  const PAGE = 50_000;
  const all: (LiveLine & { kind: string; stornoOf: number | null })[] = [];
  // Two index paths instead of one OR: the posted period run's lines by run id (accrual_run_ix),
  // and the corrections naming the period (accrual_corrects_ix).
  const runs = await db
    .selectFrom('calculation_run')
    .select('id')
    .where('period_code', '=', period)
    .where('status', '=', 'posted')
    .where('run_kind', '=', 'period')
    .execute();
  const sources: ((after: number) => any)[] = [
    ...runs.map(
      (run) => (after: number) =>
        db.selectFrom('accrual as a').where('a.run_id', '=', run.id).where('a.id', '>', after),
    ),
    (after: number) =>
      db
        .selectFrom('accrual as a')
        .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
        .where('r.status', '=', 'posted')
        .where('a.corrects_period', '=', period)
        .where('a.id', '>', after),
  ];
  for (const source of sources)
    for (let after = 0; ;) {
      const rows: any[] = await source(after)
        .select([
          'a.id',
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
        ])
        .orderBy('a.id')
        .offset(0)
        .fetch(PAGE)
        .execute();
      for (const r of rows)
        all.push({
          id: Number(r.id),
          consultantId: Number(r.consultant_id),
          kind: r.kind,
          rule: r.rule,
          sourceKind: r.source_kind,
          sourceId: Number(r.source_id),
          policyId: r.policy_id === null ? null : Number(r.policy_id),
          baseKop: kopiykyFromDecimal(r.base),
          rate: String(r.rate),
          amountKop: kopiykyFromDecimal(r.amount),
          // A period has millions of lines and few are reversed: their text is read when they are.
          explanation: '',
          stornoOf: r.storno_of_accrual_id === null ? null : Number(r.storno_of_accrual_id),
        });
      if (rows.length < PAGE) break;
      after = Number(rows[rows.length - 1].id);
    }
  const reversed = new Set(all.filter((l) => l.kind === 'storno').map((l) => l.stornoOf));
  const byKey = new Map<string, LiveLine[]>();
  for (const l of all) {
    if (l.kind === 'storno' || reversed.has(l.id)) continue;
    const k = keyOf(l.consultantId, l.rule, l.sourceKind, l.sourceId);
    const list = byKey.get(k);
    if (list) list.push(l);
    else byKey.set(k, [l]);
  }
  return byKey;
}

/** Gives each storno line the explanation of the line it reverses, read from the ledger. */
async function explainStornos(database: Database, lines: Omit<CorrectionLine, 'consultantCode'>[]) {
  const stornos = lines.filter((l) => l.stornoOfAccrualId !== null);
  for (let i = 0; i < stornos.length; i += 500) {
    const chunk = stornos.slice(i, i + 500);
    const rows = await cdb(database)
      .selectFrom('accrual')
      .select(['id', 'explanation', 'explanation_data'])
      .where(
        'id',
        'in',
        chunk.map((l) => l.stornoOfAccrualId!),
      )
      .execute();
    const text = new Map(
      rows.map((r) => [Number(r.id), ledgerExplanation(r.explanation, r.explanation_data)]),
    );
    for (const l of chunk)
      l.explanation =
        `Сторно рядка №${l.stornoOfAccrualId} за ${l.correctsPeriod}: ${text.get(l.stornoOfAccrualId!) ?? ''}`.slice(
          0,
          2000,
        );
  }
}

/** Storno and additional lines that turn what is live into what should have been. */
export function differences(
  period: string,
  postedIn: string,
  should: AccrualLine[],
  live: Map<string, LiveLine[]>,
  cause: string,
): Omit<CorrectionLine, 'consultantCode'>[] {
  const shouldByKey = new Map<string, AccrualLine>();
  for (const l of should) {
    const k = keyOf(l.consultantId, l.rule, l.sourceKind, l.sourceId);
    const seen = shouldByKey.get(k);
    // The engine gives one line per key; guard anyway so a future rule with two cannot lose money.
    if (seen) throw new Error(`two lines for ${k} in ${period}: the correction key is not unique`);
    shouldByKey.set(k, l);
  }
  // Only the keys whose posted net differs from what should have been are ordered and corrected
  // (a period has hundreds of thousands of keys and few differ).
  const net = (lines: LiveLine[] | undefined) => {
    let sum = 0;
    if (lines) for (const l of lines) sum += l.amountKop;
    return sum;
  };
  const differing: { k: string; c: number; rule: string; sk: string; sid: number }[] = [];
  for (const [k, target] of shouldByKey)
    if (net(live.get(k)) !== target.amountKop)
      differing.push({
        k,
        c: target.consultantId,
        rule: target.rule,
        sk: target.sourceKind,
        sid: target.sourceId,
      });
  for (const [k, posted] of live)
    if (!shouldByKey.has(k) && net(posted) !== 0) {
      const [first] = posted;
      differing.push({
        k,
        c: first.consultantId,
        rule: first.rule,
        sk: first.sourceKind,
        sid: first.sourceId,
      });
    }
  differing.sort(
    (a, b) =>
      a.c - b.c ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0) ||
      a.sid - b.sid,
  );
  const out: Omit<CorrectionLine, 'consultantCode'>[] = [];
  for (const { k } of differing) {
    const target = shouldByKey.get(k);
    const posted = live.get(k) ?? [];
    const shouldKop = target?.amountKop ?? 0;
    for (const l of [...posted].sort((a, b) => a.id - b.id)) {
      out.push({
        correctsPeriod: period,
        postedIn,
        kind: 'storno',
        consultantId: l.consultantId,
        rule: l.rule,
        sourceKind: l.sourceKind,
        sourceId: l.sourceId,
        policyId: l.policyId,
        baseKop: l.baseKop,
        rate: l.rate,
        amountKop: -l.amountKop,
        stornoOfAccrualId: l.id,
        explanation: `Сторно рядка №${l.id} за ${period}: ${l.explanation}`,
        cause,
      });
    }
    if (target && shouldKop !== 0) {
      out.push({
        correctsPeriod: period,
        postedIn,
        kind: 'additional',
        consultantId: target.consultantId,
        rule: target.rule,
        sourceKind: target.sourceKind,
        sourceId: target.sourceId,
        policyId: target.policyId,
        baseKop: target.baseKop,
        rate: target.rate,
        amountKop: shouldKop,
        stornoOfAccrualId: null,
        explanation: `Донарахування за ${period}: ${target.explanation}`,
        cause,
      });
    }
  }
  return out;
}

/**
 * Makes the career history agree with a recalculated period's decisions: a decision the period
 * now makes is recorded from its date (up to the next level already known); a promotion it made
 * before and no longer makes is withdrawn (the level held before it continues over its span).
 */
async function reconcileCareers(
  database: Database,
  periodCode: string,
  effectiveOn: IsoDate,
  decisions: CareerDecision[],
  change: { recordedAt: Date; recordedBy: string },
  codes: Map<number, string>,
  /** A bounded recalculation: only these consultants' steps; `dryRun` writes nothing. */
  scope: { only?: ReadonlySet<number>; dryRun?: boolean; reachTable?: boolean } = {},
): Promise<{ adjustments: CareerAdjustment[]; decisions: CareerDecision[] }> {
  const db = cdb(database);
  const adjustments: CareerAdjustment[] = [];
  const applied: CareerDecision[] = [];
  type CareerRow = Awaited<ReturnType<typeof careersOf>>[number];
  const careersOf = async (ids: number[]) => {
    const found = [];
    for (let i = 0; i < ids.length; i += 500)
      found.push(
        ...(await db
          .selectFrom('consultant_career')
          .selectAll()
          .where('consultant_id', 'in', ids.slice(i, i + 500))
          .where('superseded_at', '=', STILL_KNOWN)
          .execute()),
      );
    return found;
  };
  // The careers in force of everyone the period decides on or once stepped, read in batches
  // (a period may decide on tens of thousands); rewritten one by one only where they differ.
  let staleQuery = db
    .selectFrom('consultant_career')
    .selectAll()
    .where('source', '=', 'calculation')
    .where('superseded_at', '=', STILL_KNOWN)
    .where('valid_from', '=', effectiveOn);
  // A bounded run's scope is the reach written in recalc_reach: its steps only, by a join.
  if (scope.reachTable)
    staleQuery = staleQuery.where(
      'consultant_id',
      'in',
      (db as unknown as Kysely<any>).selectFrom('recalc_reach').select('consultant_id'),
    );
  const stale = (await staleQuery.orderBy('consultant_id').execute()).filter(
    (r) => !scope.only || scope.only.has(Number(r.consultant_id)),
  );
  const byConsultant = new Map<number, CareerRow[]>();
  for (const row of await careersOf([
    ...new Set([...decisions.map((d) => d.consultantId), ...stale.map((r) => Number(r.consultant_id))]),
  ])) {
    const id = Number(row.consultant_id);
    const list = byConsultant.get(id);
    if (list) list.push(row);
    else byConsultant.set(id, [row]);
  }
  const current = async (consultantId: number, changed: boolean) => {
    if (changed) {
      // Written since the batch was read: read again.
      const rows = await careersOf([consultantId]);
      byConsultant.set(consultantId, rows);
    }
    return [...(byConsultant.get(consultantId) ?? [])].sort((a, b) =>
      a.valid_from < b.valid_from ? -1 : a.valid_from > b.valid_from ? 1 : 0,
    );
  };
  const written = new Set<number>();
  const decided = new Set<number>();
  for (const d of decisions) {
    decided.add(d.consultantId);
    const rows = await current(d.consultantId, written.has(d.consultantId));
    const holding = rows.find((r) => r.valid_from <= d.effectiveFrom && d.effectiveFrom < r.valid_to);
    if (holding?.level_code === d.toLevel) continue;
    if (!scope.dryRun)
      await recordCalculatedCareer(db, d.consultantId, d.toLevel, {
        validFrom: d.effectiveFrom,
        validTo:
          holding?.valid_to ?? rows.find((r) => r.valid_from > d.effectiveFrom)?.valid_from ?? OPEN_END,
        recordedAt: change.recordedAt,
        recordedBy: change.recordedBy,
        reason: `${d.kind} у перерахунку ${periodCode}: ${d.reason}`.slice(0, 1000),
      });
    written.add(d.consultantId);
    applied.push(d);
    adjustments.push({
      consultantId: d.consultantId,
      consultantCode: codes.get(d.consultantId) ?? String(d.consultantId),
      validFrom: d.effectiveFrom,
      fromLevel: holding?.level_code ?? null,
      toLevel: d.toLevel,
      why: `${d.kind} (перерахунок ${periodCode})`,
    });
  }
  // Steps the period's calculation took before and no longer takes.
  for (const row of stale) {
    const consultantId = Number(row.consultant_id);
    if (decided.has(consultantId)) continue;
    const rows = await current(consultantId, written.has(consultantId));
    const before = rows.filter((r) => r.valid_to <= row.valid_from).pop();
    const previous = before && before.valid_to === row.valid_from ? before.level_code : null;
    const level = previous ?? (await entryLevel(database));
    if (level === row.level_code) continue;
    if (!scope.dryRun)
      await recordCalculatedCareer(db, consultantId, level, {
        validFrom: row.valid_from,
        validTo: row.valid_to,
        recordedAt: change.recordedAt,
        recordedBy: change.recordedBy,
        reason: `перерахунок ${periodCode}: крок кар'єри до ${row.level_code} більше не виконується`,
      });
    written.add(consultantId);
    adjustments.push({
      consultantId,
      consultantCode: codes.get(consultantId) ?? String(consultantId),
      validFrom: row.valid_from,
      fromLevel: row.level_code,
      toLevel: level,
      why: `withdrawn (перерахунок ${periodCode})`,
    });
  }
  return { adjustments, decisions: applied };
}

async function entryLevel(database: Database): Promise<string> {
  const row = await cdb(database)
    .selectFrom('career_level')
    .select('code')
    .orderBy('rank_order')
    .offset(0)
    .fetch(1)
    .executeTakeFirst();
  return row?.code ?? 'CONSULTANT';
}

async function runCorrections(
  database: Database,
  options: CorrectionOptions,
  preview: boolean,
): Promise<CorrectionReport> {
  const db = cdb(database);
  const knownAt = options.knownAt ?? new Date();
  const by = options.postedBy ?? 'system:recalculation';
  const timings: Record<string, number> = {};
  const requests = await pendingRequests(database);
  const report: CorrectionReport = {
    preview,
    postedIn: null,
    knownAt,
    requests: requests.map((r) => ({
      id: r.id,
      periodCode: r.periodCode,
      causeKind: r.causeKind,
      description: r.description,
    })),
    periods: [],
    recalculated: [],
    byConsultant: [],
    stornoKop: 0,
    additionalKop: 0,
    netKop: 0,
    timings,
    bounded: { reach: 0, periods: [], fallback: null },
  };
  const starts = requests.map((r) => r.periodCode);
  if (options.fromPeriod) starts.push(options.fromPeriod);
  if (!starts.length) return report;
  const from = starts.sort()[0];
  // Hold every period this may change — the closed ones recalculated, the calculated ones
  // calculated again, the open one the corrections go into — before reading their status, so a
  // close (or a calculation) of any of them waits for this to commit, or this for it: a period
  // closed meanwhile is treated as closed, never set back to calculated.
  const known = await db
    .selectFrom('production_period')
    .select('code')
    .where('code', '>=', from)
    .orderBy('code')
    .execute();
  const last = known.length ? known[known.length - 1].code : from;
  await lockPeriods(database, [
    from,
    ...known.map((p) => p.code),
    nextPeriodStart(await periodRef(db, last)).slice(0, 7),
  ]);
  const periods = await db
    .selectFrom('production_period')
    .select(['code', 'status'])
    .where('code', '>=', from)
    .orderBy('code')
    .execute();
  const closed = periods.filter((p) => p.status === 'closed').map((p) => p.code);
  const calculated = periods.filter((p) => p.status === 'calculated').map((p) => p.code);
  const codes = new Map(
    (await db.selectFrom('consultant').select(['id', 'code']).execute()).map((c) => [Number(c.id), c.code]),
  );
  if (closed.length) report.postedIn = await postingPeriod(database, closed[closed.length - 1], true);
  const postedIn = report.postedIn;
  // Volumes as recalculated here: a later period's rolling-window qualification reads these.
  const priorVolumes = new Map<string, Map<number, PeriodVolumes>>();
  // The causes' reach: the consultants they name, their subtrees and uplines in every version.
  let reach: Reach | null = null;
  let reachRows: ReachRows | null = null;
  if ((options.comparison ?? 'bounded') === 'full') report.bounded.fallback = 'full comparison asked';
  else if (options.fromPeriod) report.bounded.fallback = `a re-run from ${options.fromPeriod} names no cause`;
  else {
    const t = performance.now();
    const changed = await causeConsultants(db, requests);
    if (!changed) report.bounded.fallback = 'a cause names no consultant (a batch of payments, a plan)';
    else {
      reach = await reachOf(db, changed);
      report.bounded.reach = reach.all.size;
      timings.reach = Math.round(performance.now() - t);
      if (closed.length) {
        // The reach's inputs of every closed period, read once (reach-load.ts).
        await writeReach(database, reach);
        const stored = await readReachMetrics(database, closed);
        let earliest = knownAt.getTime();
        for (const byConsultant of stored.values())
          for (const m of byConsultant.values()) earliest = Math.min(earliest, m.knownAt.getTime());
        const refs = [];
        for (const code of closed) refs.push(await periodRef(db, code));
        reachRows = await loadReachRows(database, refs, stored, new Date(earliest));
        timings.reachLoad = Math.round(performance.now() - t - timings.reach);
        for (const [k, v] of Object.entries(reachRows.counts)) timings[`reachLoad.${k}`] = v;
      }
    }
  }

  for (const period of closed) {
    let t = performance.now();
    const own = requests.filter((r) => r.periodCode === period);
    const cause = (
      own.length
        ? `запити на перерахунок №${own.map((r) => r.id).join(', №')}: ${own.map((r) => r.description).join('; ')}`
        : `перерахунок з ${from} (кар'єра та кваліфікації переносяться; запити №${requests.map((r) => r.id).join(', №') || '—'})`
    ).slice(0, 1000);
    const ref = await periodRef(db, period);
    const plan = await planForPeriod(database, period);
    const effectiveOn =
      plan.plan.promotionTakesEffect === 'current_period' ? ref.startsOn : nextPeriodStart(ref);
    // Within the causes' reach while it is bounded; from the first period it is not, in full.
    let bounded: BoundedPeriod | null = null;
    if (reach && reachRows && !report.bounded.fallback) {
      const found = await boundedPeriod(database, period, reach, reachRows, knownAt, codes, timings);
      if (found.fallback !== null) report.bounded.fallback = `${period}: ${found.fallback}`;
      else {
        // A career step of an upline moves its lines outside the reach: not bounded either.
        const dry = await reconcileCareers(
          database,
          period,
          effectiveOn,
          found.careerDecisions,
          { recordedAt: knownAt, recordedBy: by },
          codes,
          { only: reach.all, dryRun: true, reachTable: true },
        );
        timings[`${period}.bounded.dryCareers`] = Math.round(performance.now() - t);
        const moved = dry.adjustments.find((a) => reach!.uplines.has(a.consultantId));
        if (moved) report.bounded.fallback = `${period}: upline ${moved.consultantCode} changes level`;
        else bounded = found;
      }
    }
    let calc: Pick<
      BoundedPeriod,
      'lines' | 'careerDecisions' | 'fingerprint' | 'planCode' | 'planVersion' | 'missing' | 'metrics'
    > & { sponsorAtEnd?: (id: number) => number | null };
    let live: Map<string, LiveLine[]>;
    if (bounded) {
      calc = bounded;
      live = bounded.live;
      report.bounded.periods.push(period);
      timings[`${period}.bounded`] = Math.round(performance.now() - t);
    } else {
      calc = await calculatePeriod(database, period, { preview: true, knownAt, priorVolumes });
      priorVolumes.set(period, volumesOf(calc.metrics));
      timings[`${period}.calculate`] = Math.round(performance.now() - t);
      t = performance.now();
      live = await liveLines(database, period);
      timings[`${period}.read`] = Math.round(performance.now() - t);
    }
    t = performance.now();
    const differing = differences(period, postedIn!, calc.lines, live, cause);
    const lap = (stage: string) => {
      const now = performance.now();
      timings[`${period}.${stage}`] = Math.round(now - t);
      t = now;
    };
    lap('compare');
    await explainStornos(database, differing);
    lap('explain');
    const found = differing.map((l) => ({
      ...l,
      consultantCode: codes.get(l.consultantId) ?? String(l.consultantId),
    }));
    const careers = await reconcileCareers(
      database,
      period,
      effectiveOn,
      calc.careerDecisions,
      { recordedAt: knownAt, recordedBy: by },
      codes,
      bounded ? { only: reach!.all, reachTable: true } : {},
    );
    lap('careers');
    // Careers recorded now are read by the later periods' bounded inputs.
    if (reachRows && careers.adjustments.length)
      await refreshCareers(database, reachRows, new Set(careers.adjustments.map((a) => a.consultantId)));
    // The period's metrics as they stand now: a bounded run rewrites the reach's.
    if (bounded)
      await storeCurrentMetrics(
        db,
        database.dialect,
        period,
        bounded.metrics,
        bounded.commissions,
        bounded.sponsorAt,
        knownAt,
        reach!.all,
      );
    else
      await storeCurrentMetrics(
        db,
        database.dialect,
        period,
        calc.metrics,
        commissionsOf(calc.lines),
        calc.sponsorAtEnd ?? (() => null),
        knownAt,
      );
    lap('metrics');
    const correction: PeriodCorrection = {
      period,
      runId: null,
      fingerprint: calc.fingerprint,
      lines: found,
      stornoKop: found.filter((l) => l.kind === 'storno').reduce((s, l) => s + l.amountKop, 0),
      additionalKop: found.filter((l) => l.kind === 'additional').reduce((s, l) => s + l.amountKop, 0),
      careerAdjustments: careers.adjustments,
    };
    if (found.length || careers.adjustments.length || own.length) {
      const runId = await postCorrectionRun(database, {
        postedIn: postedIn!,
        correctsPeriod: period,
        planVersionId: plan.versionId,
        planCode: calc.planCode,
        planVersion: calc.planVersion,
        fingerprint: calc.fingerprint,
        knownAt,
        missing: calc.missing,
        createdBy: by,
        lines: found.map((l) => ({
          line: {
            consultantId: l.consultantId,
            periodCode: postedIn!,
            kind: l.kind as never,
            sourceKind: l.sourceKind as never,
            sourceId: l.sourceId,
            policyId: l.policyId,
            downlineConsultantId: null,
            rule: l.rule,
            planVersion: calc.planVersion,
            baseKop: l.baseKop,
            rate: l.rate,
            amountKop: l.amountKop,
            explanation: l.explanation,
          },
          stornoOfAccrualId: l.stornoOfAccrualId,
          cause: l.cause,
        })),
        totalKop: correction.stornoKop + correction.additionalKop,
        careerDecisions: careers.decisions,
      });
      correction.runId = runId;
      for (const r of own)
        await db.insertInto('correction_run_request').values({ run_id: runId, request_id: r.id }).execute();
    }
    timings[`${period}.post`] = Math.round(performance.now() - t);
    options.onProgress?.(period, found.length);
    report.periods.push(correction);
  }

  // Calculated periods are not final: they are calculated again with the corrected careers.
  for (const period of calculated) {
    const t = performance.now();
    const run = await calculatePeriod(database, period, { knownAt, createdBy: by, priorVolumes });
    priorVolumes.set(period, volumesOf(run.metrics));
    for (const r of requests.filter((q) => q.periodCode === period))
      await db
        .insertInto('correction_run_request')
        .values({ run_id: run.runId!, request_id: r.id })
        .execute();
    report.recalculated.push(period);
    timings[`${period}.recalculate`] = Math.round(performance.now() - t);
  }

  if (reachRows) await clearReach(database);
  await markRequestsDone(
    db,
    requests.map((r) => r.id),
    knownAt,
  );

  const impact = new Map<number, ConsultantImpact>();
  for (const p of report.periods)
    for (const l of p.lines) {
      let c = impact.get(l.consultantId);
      if (!c)
        impact.set(
          l.consultantId,
          (c = {
            consultantId: l.consultantId,
            consultantCode: l.consultantCode,
            stornoKop: 0,
            additionalKop: 0,
            netKop: 0,
          }),
        );
      if (l.kind === 'storno') c.stornoKop += l.amountKop;
      else c.additionalKop += l.amountKop;
      c.netKop += l.amountKop;
    }
  report.byConsultant = [...impact.values()].sort((a, b) => a.consultantCode.localeCompare(b.consultantCode));
  for (const p of report.periods) {
    report.stornoKop += p.stornoKop;
    report.additionalKop += p.additionalKop;
  }
  report.netKop = report.stornoKop + report.additionalKop;
  return report;
}
