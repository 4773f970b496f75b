/**
 * The accrual ledger and calculation runs in the database. Lines are only ever inserted; a later run
 * of the same open period supersedes the earlier run (its status changes, its lines stay), and
 * corrections of closed periods are new storno/additional lines, never edits.
 */
import { type Kysely, sql } from 'kysely';
import type { Database, SqlDialect } from '../../src/db';
import { decimalFromKopiyky, kopiykyFromDecimal } from '../../src/db/money';
import type {
  AccrualLine,
  CalculationResult,
  CareerDecision,
  MissingInput,
  ConsultantMetrics,
  PeriodVolumes,
  PriorPeriod,
} from './engine';
import { hasCurrentMetrics, readCurrentMetrics } from './current-metrics';
import { EXPLANATION_DATA_MAX, ledgerExplanation, storedExplanation } from './explanation';
import type { CompensationDB } from './tables';

/** Every kind a ledger line may have: the calculation's and the corrections' (storno, additional). */
export const ACCRUAL_KINDS = [
  'personal',
  'structural',
  'override',
  'bonus',
  'chargeback',
  'contest',
  'storno',
  'additional',
] as const;

export const compensationDb = (database: Database) => database.db as unknown as Kysely<CompensationDB>;

/**
 * One ledger row from an accrual line. A line from a payment stores its explanation as structured
 * data (explanation_data, rendered when read); others store the text, capped at the column's 2000
 * characters (as does a payment line whose data would not fit its column).
 */
export function accrualRow(
  runId: number,
  l: AccrualLine,
  createdAt: Date,
  correction?: { correctsPeriod: string; stornoOfAccrualId: number | null; cause: string },
) {
  return {
    run_id: runId,
    line_no: l.lineNo,
    period_code: l.periodCode,
    consultant_id: l.consultantId,
    kind: l.kind,
    source_kind: l.sourceKind,
    source_id: l.sourceId,
    policy_id: l.policyId,
    downline_consultant_id: l.downlineConsultantId,
    rule: l.rule,
    plan_version: l.planVersion,
    base: decimalFromKopiyky(l.baseKop),
    rate: l.rate,
    amount: decimalFromKopiyky(l.amountKop),
    ...explanationColumns(l),
    corrects_period: correction?.correctsPeriod ?? null,
    storno_of_accrual_id: correction?.stornoOfAccrualId ?? null,
    created_at: createdAt,
    cause: correction ? correction.cause.slice(0, 1000) : null,
  };
}

function explanationColumns(l: AccrualLine): { explanation: string | null; explanation_data: string | null } {
  const data = l.explanationData;
  // The column holds 4000 characters, and on Oracle 4000 bytes: longer data (a long compression)
  // is stored as the text it renders to, cut as ever.
  if (data !== undefined && (data.length <= 1333 || Buffer.byteLength(data) <= EXPLANATION_DATA_MAX))
    return { explanation: null, explanation_data: data };
  return { explanation: storedExplanation(l.explanation), explanation_data: null };
}

/**
 * Writes a run's lines: a 100,000-consultant period has about two million. On PostgreSQL they go
 * in one COPY that builds each line's row and explanation only as the server takes it, so the
 * upload never exists at once in memory; elsewhere in batches.
 */
export async function insertAccruals(
  db: Kysely<CompensationDB>,
  dialect: SqlDialect,
  runId: number,
  lines: AccrualLine[],
  createdAt: Date,
): Promise<void> {
  if (!lines.length) return;
  const columns = Object.keys(accrualRow(runId, lines[0], createdAt));
  function* rows() {
    for (const line of lines) yield accrualRow(runId, line, createdAt);
  }
  await dialect.bulkInsertEach(db, 'accrual', columns, rows());
  await checkLedgerKeys(db, dialect, runId);
}

/**
 * The ledger's keys, checked once per run after its lines are written: every line's run and
 * consultant exist. On PostgreSQL this replaces two foreign-key triggers per line (migration 0820):
 * one anti-join over the run's lines by the run's index. Oracle keeps its foreign keys.
 */
export async function checkLedgerKeys(
  db: Kysely<CompensationDB>,
  dialect: SqlDialect,
  runId: number,
): Promise<void> {
  if (dialect.isOracle) return;
  const orphan = await db
    .selectFrom('accrual as a')
    .leftJoin('consultant as c', 'c.id', 'a.consultant_id')
    .leftJoin('calculation_run as r', 'r.id', 'a.run_id')
    .select(['a.line_no', 'a.consultant_id', 'c.id as consultant', 'r.id as run'])
    .where('a.run_id', '=', runId)
    .where((eb) => eb.or([eb('c.id', 'is', null), eb('r.id', 'is', null)]))
    .offset(0)
    .fetch(1)
    .executeTakeFirst();
  if (orphan)
    throw new Error(
      orphan.run === null
        ? `ledger lines of run ${runId} name a calculation run that does not exist`
        : `ledger line ${orphan.line_no} of run ${runId} names consultant ${orphan.consultant_id}, who does not exist`,
    );
}

export async function insertMetrics(
  db: Kysely<CompensationDB>,
  dialect: SqlDialect,
  runId: number,
  result: CalculationResult,
): Promise<void> {
  const rows = result.metrics.map((m) => ({
    run_id: runId,
    period_code: result.period.code,
    consultant_id: m.consultantId,
    personal_volume_u: m.personalVolumeU,
    group_volume_u: m.groupVolumeU,
    personal_premium: decimalFromKopiyky(m.personalPremiumKop),
    new_policies: m.newPolicies,
    active_directs: m.activeDirects,
    legs: m.legs,
    is_active: m.active ? 1 : 0,
    career_level: m.careerLevel,
    paid_level: m.paidLevel,
  }));
  await dialect.bulkInsert(db, 'consultant_period_metric', rows);
}

/** A run's career decisions, in bulk (a period may promote tens of thousands). */
export async function insertCareerDecisions(
  db: Kysely<CompensationDB>,
  dialect: SqlDialect,
  runId: number,
  decisions: CareerDecision[],
): Promise<void> {
  await dialect.bulkInsert(
    db,
    'career_decision',
    decisions.map((d) => ({
      run_id: runId,
      consultant_id: d.consultantId,
      kind: d.kind,
      from_level: d.fromLevel,
      to_level: d.toLevel,
      effective_from: d.effectiveFrom,
      reason: d.reason.slice(0, 1000),
    })),
  );
}

/** The period before a yyyy-mm code. */
export function previousPeriodCode(code: string): string {
  const [y, m] = code.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * The volumes of the `count` periods before `periodCode`, newest first, for qualifications over a
 * rolling window: a period recalculated in the same run comes from `overrides`, any other from the
 * metrics its posted calculation stored; a period never calculated counts as nothing.
 */
export async function priorPeriods(
  db: Kysely<CompensationDB>,
  periodCode: string,
  count: number,
  overrides?: Map<string, Map<number, PeriodVolumes>>,
  /** Only these consultants' volumes (a bounded recalculation); all when absent. */
  ids?: readonly number[],
): Promise<PriorPeriod[]> {
  const out: PriorPeriod[] = [];
  let code = periodCode;
  for (let i = 0; i < count; i++) {
    code = previousPeriodCode(code);
    const override = overrides?.get(code);
    if (override) {
      out.push({ code, volumes: override });
      continue;
    }
    const volumes = new Map<number, PeriodVolumes>();
    // The period's metrics as corrected since (kept by every calculation and correction run).
    if (ids !== undefined && (await hasCurrentMetrics(db, code))) {
      for (const m of (await readCurrentMetrics(db, code, ids)).values()) {
        if (!m.personalVolumeU && !m.groupVolumeU && !m.newPolicies && !m.personalPremiumKop) continue;
        const { personalVolumeU, groupVolumeU, personalPremiumKop, newPolicies } = m;
        volumes.set(m.consultantId, { personalVolumeU, groupVolumeU, personalPremiumKop, newPolicies });
      }
      out.push({ code, volumes });
      continue;
    }
    const run = await postedRun(db, code);
    if (run) {
      const rows = await db
        .selectFrom('consultant_period_metric')
        .select(['consultant_id', 'personal_volume_u', 'group_volume_u', 'personal_premium', 'new_policies'])
        .where('run_id', '=', run.id)
        .execute();
      for (const r of rows) {
        const pv = Number(r.personal_volume_u);
        const gv = Number(r.group_volume_u);
        if (pv === 0 && gv === 0 && r.new_policies === 0 && Number(r.personal_premium) === 0) continue;
        volumes.set(Number(r.consultant_id), {
          personalVolumeU: pv,
          groupVolumeU: gv,
          personalPremiumKop: kopiykyFromDecimal(r.personal_premium),
          newPolicies: r.new_policies,
        });
      }
    }
    out.push({ code, volumes });
  }
  return out;
}

/** A calculation's metrics as the volumes a later period's rolling window reads. */
export function volumesOf(metrics: ConsultantMetrics[]): Map<number, PeriodVolumes> {
  const volumes = new Map<number, PeriodVolumes>();
  for (const m of metrics) {
    if (!m.personalVolumeU && !m.groupVolumeU && !m.newPolicies && !m.personalPremiumKop) continue;
    const { personalVolumeU, groupVolumeU, personalPremiumKop, newPolicies } = m;
    volumes.set(m.consultantId, { personalVolumeU, groupVolumeU, personalPremiumKop, newPolicies });
  }
  return volumes;
}

/** The posted calculation of a period, if any (the latest; correction runs posted in it are not it). */
export async function postedRun(db: Kysely<CompensationDB>, periodCode: string) {
  return db
    .selectFrom('calculation_run')
    .selectAll()
    .where('period_code', '=', periodCode)
    .where('status', '=', 'posted')
    .where('run_kind', '=', 'period')
    .orderBy('id', 'desc')
    .offset(0)
    .fetch(1)
    .executeTakeFirst();
}

/** A posted line as the ledger holds it: the calculation's line, plus corrections' storno and additional. */
export interface LedgerLine extends Omit<AccrualLine, 'kind' | 'sourceKind'> {
  id: number;
  runId: number;
  consultantCode: string;
  kind: string;
  sourceKind: string;
  correctsPeriod: string | null;
  stornoOfAccrualId: number | null;
  cause: string | null;
}

export interface AccrualQuery {
  periodCode: string;
  consultantId?: number;
  /** Only lines of these consultants (a manager's scope); none when empty. */
  consultantIds?: readonly number[];
  /** Only lines of this kind (personal, structural, override, bonus, chargeback, contest, …). */
  kind?: string;
  /** Lines of superseded runs too (history); by default only the posted run's. */
  includeSuperseded?: boolean;
  /**
   * Keyset paging: only the lines after this one in (run, line) order, read from the run's index
   * however deep the page (an offset would read and drop every line before it).
   */
  after?: { runId: number; lineNo: number };
  offset?: number;
  limit?: number;
}

/**
 * The runs whose lines a query reads: the period's posted runs (its calculation and the corrections
 * posted in it), found first so that the lines are read by the run's index in (run, line) order
 * instead of joining every run of the period, superseded ones included, and sorting.
 */
async function runsOf(database: Database, query: AccrualQuery): Promise<number[] | null> {
  if (query.includeSuperseded) return null;
  const runs = await compensationDb(database)
    .selectFrom('calculation_run')
    .select('id')
    .where('period_code', '=', query.periodCode)
    .where('status', '=', 'posted')
    .execute();
  return runs.map((r) => Number(r.id));
}

/** The lines a query selects, before paging (listAccruals and countAccruals share it). */
function accrualsOf(database: Database, query: AccrualQuery, runs: number[] | null) {
  let q = compensationDb(database)
    .selectFrom('accrual as a')
    .innerJoin('consultant as c', 'c.id', 'a.consultant_id')
    .where('a.period_code', '=', query.periodCode);
  if (runs !== null) q = runs.length ? q.where('a.run_id', 'in', runs) : q.where(sql<boolean>`1 = 0`);
  if (query.consultantId !== undefined) q = q.where('a.consultant_id', '=', query.consultantId);
  if (query.consultantIds !== undefined)
    q = query.consultantIds.length
      ? q.where('a.consultant_id', 'in', [...query.consultantIds])
      : q.where(sql<boolean>`1 = 0`);
  if (query.kind !== undefined) q = q.where('a.kind', '=', query.kind);
  const after = query.after;
  if (after)
    q = q.where((eb) =>
      eb.or([
        eb('a.run_id', '>', after.runId),
        eb.and([eb('a.run_id', '=', after.runId), eb('a.line_no', '>', after.lineNo)]),
      ]),
    );
  return q;
}

/** How many lines listAccruals would give without paging. */
export async function countAccruals(database: Database, query: AccrualQuery): Promise<number> {
  const row = await accrualsOf(database, query, await runsOf(database, query))
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The sum and count of the lines a query selects, per kind and in all (kopiyky), before paging. */
export async function accrualTotals(
  database: Database,
  query: AccrualQuery,
): Promise<{ lines: number; totalKop: number; byKind: { kind: string; lines: number; totalKop: number }[] }> {
  const rows = await accrualsOf(database, query, await runsOf(database, query))
    .select(['a.kind', (eb) => eb.fn.sum<string>('a.amount').as('total'), (eb) => eb.fn.countAll().as('n')])
    .groupBy('a.kind')
    .orderBy('a.kind')
    .execute();
  const byKind = rows.map((r) => ({
    kind: r.kind,
    lines: Number(r.n),
    totalKop: kopiykyFromDecimal(String(r.total)),
  }));
  return {
    lines: byKind.reduce((n, k) => n + k.lines, 0),
    totalKop: byKind.reduce((n, k) => n + k.totalKop, 0),
    byKind,
  };
}

/** Accrual lines of a period (the posted run), ordered by run and line; paged. */
export async function listAccruals(database: Database, query: AccrualQuery): Promise<LedgerLine[]> {
  const rows = await accrualsOf(database, query, await runsOf(database, query))
    .selectAll('a')
    .select('c.code as consultant_code')
    .orderBy('a.run_id')
    .orderBy('a.line_no')
    .offset(query.offset ?? 0)
    .fetch(query.limit ?? 1000)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    runId: Number(r.run_id),
    lineNo: r.line_no,
    periodCode: r.period_code,
    consultantId: Number(r.consultant_id),
    consultantCode: r.consultant_code,
    kind: r.kind,
    sourceKind: r.source_kind,
    sourceId: Number(r.source_id),
    policyId: r.policy_id === null ? null : Number(r.policy_id),
    downlineConsultantId: r.downline_consultant_id === null ? null : Number(r.downline_consultant_id),
    rule: r.rule,
    planVersion: r.plan_version,
    baseKop: kopiykyFromDecimal(r.base),
    rate: r.rate,
    amountKop: kopiykyFromDecimal(r.amount),
    explanation: ledgerExplanation(r.explanation, r.explanation_data),
    correctsPeriod: r.corrects_period,
    stornoOfAccrualId: r.storno_of_accrual_id === null ? null : Number(r.storno_of_accrual_id),
    cause: r.cause ?? null,
  }));
}

/** Posted totals per consultant and rule for a run (what-if compares against these). */
export async function postedTotals(db: Kysely<CompensationDB>, runId: number) {
  const rows = await db
    .selectFrom('accrual')
    .select(['consultant_id', 'rule', (eb) => eb.fn.sum<string>('amount').as('total')])
    .where('run_id', '=', runId)
    .groupBy(['consultant_id', 'rule'])
    .execute();
  return rows.map((r) => ({
    consultantId: Number(r.consultant_id),
    rule: r.rule,
    amountKop: kopiykyFromDecimal(String(r.total)),
  }));
}

/** A correction run: storno and additional lines of a closed period, posted in the open one. */
export interface CorrectionRun {
  /** The open period the lines are posted in. */
  postedIn: string;
  /** The closed period they correct. */
  correctsPeriod: string;
  planVersionId: number;
  planCode: string;
  planVersion: string;
  fingerprint: string;
  knownAt: Date;
  missing: MissingInput[];
  createdBy: string;
  /** The lines in order, each with the line it reverses (storno) and what caused it. */
  lines: { line: Omit<AccrualLine, 'lineNo'>; stornoOfAccrualId: number | null; cause: string }[];
  totalKop: number;
  careerDecisions: CareerDecision[];
}

/**
 * Posts a correction run (back-office/periods' recalculation asks): the run, its lines and its career
 * decisions, in the caller's transaction. The ledger's tables have this module as their one writer.
 */
export async function postCorrectionRun(database: Database, run: CorrectionRun): Promise<number> {
  const now = new Date();
  const runId = await database.dialect.insertReturningId(
    database.db,
    'calculation_run',
    {
      period_code: run.postedIn,
      plan_version_id: run.planVersionId,
      plan_code: run.planCode,
      plan_version: run.planVersion,
      input_fingerprint: run.fingerprint,
      known_at: run.knownAt,
      status: 'posted',
      line_count: run.lines.length,
      total_amount: decimalFromKopiyky(run.totalKop),
      missing_inputs: database.dialect.json(run.missing),
      started_at: now,
      finished_at: now,
      created_by: run.createdBy,
      run_kind: 'correction',
      corrects_period: run.correctsPeriod,
    },
    {
      period_code: run.postedIn,
      run_kind: 'correction',
      corrects_period: run.correctsPeriod,
      started_at: now,
    },
  );
  await database.dialect.bulkInsert(
    database.db,
    'accrual',
    run.lines.map((l, i) =>
      accrualRow(runId, { ...l.line, lineNo: i + 1 }, now, {
        correctsPeriod: run.correctsPeriod,
        stornoOfAccrualId: l.stornoOfAccrualId,
        cause: l.cause,
      }),
    ),
  );
  await checkLedgerKeys(compensationDb(database), database.dialect, runId);
  await insertCareerDecisions(compensationDb(database), database.dialect, runId, run.careerDecisions);
  return runId;
}
