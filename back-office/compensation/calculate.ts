/**
 * Period calculation against the database: pick the plan in force, read the inputs as known at a
 * moment, calculate, and post the run (plan version, input fingerprint, lines, metrics, career
 * decisions, contest standings) in one transaction, or only return the lines for a preview. Also
 * the what-if: a draft plan over a posted period, compared per consultant and rule, posting nothing.
 */
import type { Kysely } from 'kysely';
import { type Database, type DB, inTransaction, type SqlDialect } from '../../src/db';
import { decimalFromKopiyky } from '../../src/db/money';
import { recordAudit } from '../../src/audit';
import { recordCalculatedCareers } from '../network';
import { type PeriodMetrics, recordContestStandings } from '../contests';
import {
  type AccrualKind,
  appendLines,
  calculate,
  type CalculationResult,
  type MissingInput,
  type CareerDecision,
  type PeriodVolumes,
} from './engine';
import { contestMetricsOf, contestPrizeLines, postedMetrics } from './contest-lines';
import { loadPeriodInputs, periodRef } from './inputs';
import { ensurePeriodLocks, lockPeriods } from './period-lock';
import { markPeriodCalculated } from './period-register';
import {
  compensationDb,
  insertAccruals,
  insertCareerDecisions,
  insertMetrics,
  postedRun,
  postedTotals,
  priorPeriods,
} from './ledger';
import { commissionsOf, storeCurrentMetrics } from './current-metrics';
import { type CompiledPlan, compilePlan, DEFAULT_PLAN_PATH, loadPlanFile, PlanRefusedError } from './plan';
import { DEFAULT_CATALOG, type ProductCatalog } from './product-catalog';
import type { CompensationDB } from './tables';

/** A calculation refused for a reason a person can act on (the API answers 409 with the message). */
export class CalculationRefusedError extends Error {
  readonly statusCode = 409;
  constructor(message: string) {
    super(message);
    this.name = 'CalculationRefusedError';
  }
}

/** The products the database knows, with the built-in catalogue, for checking plans. */
export async function productCatalog(database: Database): Promise<ProductCatalog> {
  const rows = await database.db.selectFrom('product').select(['code', 'product_group']).execute();
  const products: Record<string, string> = { ...DEFAULT_CATALOG.products };
  for (const r of rows) products[r.code] = r.product_group;
  return { products, groups: [...new Set([...DEFAULT_CATALOG.groups, ...rows.map((r) => r.product_group)])] };
}

export interface RegisteredPlan {
  versionId: number;
  plan: CompiledPlan;
}

/**
 * Records a plan file as a plan version (active or draft). The same code and version with other
 * content is refused: a changed plan needs a new version.
 */
export async function registerPlan(
  database: Database,
  file: string,
  options: { status?: 'active' | 'draft'; loadedBy?: string } = {},
): Promise<RegisteredPlan> {
  const registered = await registerPlanVersion(database, file, options);
  // A draft only proposes; the levels a person can be given are those of the plans that pay.
  if ((options.status ?? 'active') === 'active')
    await syncCareerLevels(database, registered.plan, options.loadedBy ?? 'system:plan');
  return registered;
}

export interface CareerLevelSync {
  added: string[];
  changed: string[];
}

/**
 * Makes the career_level table name every level of the plan, at the plan's rank (lowest first) and
 * with its name, so a manual career change can give any level of the plan in force. Levels the plan
 * no longer names stay: past careers refer to them. Each addition or change is in the audit log.
 */
export async function syncCareerLevels(
  database: Database,
  plan: Pick<CompiledPlan, 'code' | 'version' | 'levels'>,
  actor: string,
): Promise<CareerLevelSync> {
  // Two registrations at once (two first calculations each registering the default plan) both find
  // a level missing and add it; the second meets the unique code and, once the first has committed,
  // finds the level there and changes nothing.
  for (let attempt = 1; ; attempt++) {
    try {
      return await addOrChangeLevels(database, plan, actor);
    } catch (error) {
      if (attempt >= 3 || !database.dialect.isUniqueViolation(error)) throw error;
    }
  }
}

function addOrChangeLevels(
  database: Database,
  plan: Pick<CompiledPlan, 'code' | 'version' | 'levels'>,
  actor: string,
): Promise<CareerLevelSync> {
  return inTransaction(database, async (tx) => {
    const db = tx.db as Kysely<DB>;
    const existing = new Map(
      (await db.selectFrom('career_level').select(['id', 'code', 'name', 'rank_order']).execute()).map(
        (r) => [r.code, r],
      ),
    );
    const result: CareerLevelSync = { added: [], changed: [] };
    const reason = `levels of plan ${plan.code} version ${plan.version}`;
    for (const level of plan.levels) {
      const row = existing.get(level.code);
      const after = { code: level.code, name: level.name, rank: level.rank };
      if (!row) {
        await db
          .insertInto('career_level')
          .values({ code: level.code, name: level.name, rank_order: level.rank })
          .execute();
        result.added.push(level.code);
        await recordAudit(db, tx, {
          actor,
          action: 'career_level.add',
          entityKind: 'career_level',
          entityId: level.code,
          before: null,
          after,
          reason,
        });
      } else if (row.name !== level.name || Number(row.rank_order) !== level.rank) {
        await db
          .updateTable('career_level')
          .set({ name: level.name, rank_order: level.rank })
          .where('id', '=', row.id)
          .execute();
        result.changed.push(level.code);
        await recordAudit(db, tx, {
          actor,
          action: 'career_level.update',
          entityKind: 'career_level',
          entityId: level.code,
          before: { code: row.code, name: row.name, rank: Number(row.rank_order) },
          after,
          reason,
        });
      }
    }
    return result;
  });
}

async function registerPlanVersion(
  database: Database,
  file: string,
  options: { status?: 'active' | 'draft'; loadedBy?: string },
): Promise<RegisteredPlan> {
  const db = compensationDb(database);
  const plan = loadPlanFile(file, await productCatalog(database));
  const registered = () =>
    db
      .selectFrom('plan_version')
      .select(['id', 'sha256'])
      .where('plan_code', '=', plan.code)
      .where('version', '=', plan.version)
      .executeTakeFirst();
  const sameVersion = (existing: { id: number; sha256: string }): RegisteredPlan => {
    if (existing.sha256 !== plan.sha256) {
      throw new PlanRefusedError([
        {
          file,
          path: '/version',
          reason: `plan ${plan.code} version ${plan.version} is already registered with other content; give the changed plan a new version`,
        },
      ]);
    }
    return { versionId: Number(existing.id), plan };
  };
  const existing = await registered();
  if (existing) return sameVersion(existing);
  const values = {
    plan_code: plan.code,
    version: plan.version,
    effective_from: plan.effectiveFrom,
    sha256: plan.sha256,
    document: database.dialect.json(plan.document),
    source_file: file,
    status: options.status ?? 'active',
    loaded_at: new Date(),
    loaded_by: options.loadedBy ?? null,
  };
  let versionId: number;
  try {
    versionId = await database.dialect.insertReturningId(database.db, 'plan_version', values, {
      plan_code: plan.code,
      version: plan.version,
    });
  } catch (error) {
    // Another process registered it at the same moment (two first calculations at once): use
    // theirs. Inside a transaction PostgreSQL has aborted the transaction, so the error stands.
    if (!database.dialect.isUniqueViolation(error) || database.db.isTransaction) throw error;
    return sameVersion((await registered())!);
  }
  return { versionId, plan };
}

/** The active plan version in force for a period; the default plan is registered if there is none. */
export async function planForPeriod(database: Database, periodCode: string): Promise<RegisteredPlan> {
  const db = compensationDb(database);
  const row = await db
    .selectFrom('plan_version')
    .select(['id', 'document', 'source_file'])
    .where('status', '=', 'active')
    .where('effective_from', '<=', periodCode)
    .orderBy('effective_from', 'desc')
    .orderBy('id', 'desc')
    .offset(0)
    .fetch(1)
    .executeTakeFirst();
  if (!row) {
    const anyActive = await db
      .selectFrom('plan_version')
      .select('id')
      .where('status', '=', 'active')
      .offset(0)
      .fetch(1)
      .executeTakeFirst();
    if (anyActive) throw new CalculationRefusedError(`no active plan is in force for ${periodCode}`);
    return registerPlan(database, DEFAULT_PLAN_PATH, { loadedBy: 'system:default-plan' });
  }
  const document = database.dialect.readJson(row.document);
  return {
    versionId: Number(row.id),
    plan: compilePlan(document, row.source_file ?? `plan_version ${row.id}`, await productCatalog(database)),
  };
}

export interface CalculateOptions {
  /** Return the lines without writing anything. */
  preview?: boolean;
  /** Read the inputs as known at this moment (default: now). */
  knownAt?: Date;
  /** Calculate with this plan file instead of the registered plan in force. */
  planFile?: string;
  createdBy?: string;
  onProgress?: (stage: string, count: number) => void;
  /** Hears that another operation holds the period, before the posting waits for it to finish. */
  onWait?: (period: string) => void;
  /**
   * Volumes of earlier periods recalculated in the same run, by period code: a rolling-window
   * qualification reads these instead of what the earlier period's posted run stored.
   */
  priorVolumes?: Map<string, Map<number, PeriodVolumes>>;
}

export interface PeriodCalculation {
  runId: number | null;
  preview: boolean;
  periodCode: string;
  planCode: string;
  planVersion: string;
  fingerprint: string;
  knownAt: Date;
  lineCount: number;
  totalKop: number;
  byKind: Partial<Record<AccrualKind, number>>;
  missing: MissingInput[];
  careerDecisions: CareerDecision[];
  lines: CalculationResult['lines'];
  metrics: CalculationResult['metrics'];
  /** Milliseconds per stage: load, the engine's stages, write. */
  timings: Record<string, number>;
  /** The sponsor of a consultant at the end of the period (null at the top). */
  readonly sponsorAtEnd?: (consultantId: number) => number | null;
}

const closedRefusal = (periodCode: string) =>
  new CalculationRefusedError(
    `period ${periodCode} is closed; a change to it is posted as a recalculation in the open period`,
  );

/** `ecspert period calculate <yyyy-mm> [--preview]` */
export async function calculatePeriod(
  database: Database,
  periodCode: string,
  options: CalculateOptions = {},
): Promise<PeriodCalculation> {
  const db = compensationDb(database);
  const knownAt = options.knownAt ?? new Date();
  const period = await periodRef(db, periodCode);
  const status = await db
    .selectFrom('production_period')
    .select('status')
    .where('code', '=', periodCode)
    .executeTakeFirst();
  if (status?.status === 'closed' && !options.preview) throw closedRefusal(periodCode);
  const registered = options.planFile
    ? options.preview
      ? { versionId: 0, plan: loadPlanFile(options.planFile, await productCatalog(database)) }
      : await registerPlan(database, options.planFile, { loadedBy: options.createdBy })
    : await planForPeriod(database, periodCode);
  const { plan } = registered;

  let t = performance.now();
  const usesSaleDate = plan.personalNetwork === 'sale_date' || plan.structuralNetwork === 'sale_date';
  const inputs = await loadPeriodInputs(db, period, {
    knownAt,
    networkFrom: usesSaleDate ? undefined : period.startsOn,
    onProgress: options.onProgress,
  });
  if (plan.maxWindow > 1)
    inputs.prior = await priorPeriods(db, periodCode, plan.maxWindow - 1, options.priorVolumes);
  const loadMs = Math.round(performance.now() - t);
  const result = calculate(plan, inputs);
  appendLines(
    result,
    await contestPrizeLines(
      database,
      periodCode,
      result.metrics,
      knownAt,
      plan.version,
      periodMetrics(database),
    ),
  );
  options.onProgress?.('calculated', result.lines.length);
  const byKind: Partial<Record<AccrualKind, number>> = {};
  for (const line of result.lines) byKind[line.kind] = (byKind[line.kind] ?? 0) + line.amountKop;
  const outcome: PeriodCalculation = {
    runId: null,
    preview: !!options.preview,
    periodCode,
    planCode: plan.code,
    planVersion: plan.version,
    fingerprint: result.fingerprint,
    knownAt,
    lineCount: result.lines.length,
    totalKop: result.totalKop,
    byKind,
    missing: result.missing,
    careerDecisions: result.careerDecisions,
    lines: result.lines,
    metrics: result.metrics,
    timings: { load: loadMs, ...result.timings },
  };
  // The sponsor at the end of the period (the stored metrics keep it); not part of the answer's JSON.
  Object.defineProperty(outcome, 'sponsorAtEnd', {
    value: (id: number) => inputs.network.sponsors.at(id, period.endsOn) ?? null,
    enumerable: false,
  });
  if (options.preview) return outcome;

  t = performance.now();
  await ensurePeriodLocks(database, [periodCode]);
  const now = new Date();
  // Inside a caller's transaction (a recalculation of closed periods re-runs the calculated ones
  // after them in its own transaction) the run joins it; otherwise it gets one of its own.
  outcome.runId = await inTransaction(database, async (tx) => {
    const trx = tx.db;
    const tdb = trx as unknown as Kysely<CompensationDB>;
    // Hold the period against every other change until this commits, then look at it again: a
    // close (or another calculation) may have committed while the inputs were read and calculated.
    await lockPeriods(tx, [periodCode], options.onWait);
    const current = await tdb
      .selectFrom('production_period')
      .select('status')
      .where('code', '=', periodCode)
      .executeTakeFirst();
    if (current?.status === 'closed') throw closedRefusal(periodCode);
    await tdb
      .updateTable('calculation_run')
      .set({ status: 'superseded' })
      .where('period_code', '=', periodCode)
      .where('status', '=', 'posted')
      .where('run_kind', '=', 'period')
      .execute();
    const runValues = {
      period_code: periodCode,
      plan_version_id: registered.versionId,
      plan_code: plan.code,
      plan_version: plan.version,
      input_fingerprint: result.fingerprint,
      known_at: knownAt,
      status: 'running' as const,
      line_count: result.lines.length,
      total_amount: decimalFromKopiyky(result.totalKop),
      missing_inputs: database.dialect.json(result.missing),
      started_at: now,
      finished_at: null,
      created_by: options.createdBy ?? null,
    };
    const runId = await database.dialect.insertReturningId(trx, 'calculation_run', runValues, {
      period_code: periodCode,
      status: 'running',
      started_at: now,
    });
    let w = performance.now();
    const lap = (stage: string) => {
      const t = performance.now();
      outcome.timings[`write.${stage}`] = Math.round(t - w);
      w = t;
    };
    await insertAccruals(tdb, database.dialect, runId, result.lines, now);
    options.onProgress?.('posted', result.lines.length);
    lap('accruals');
    await insertMetrics(tdb, database.dialect, runId, result);
    await storeCurrentMetrics(
      tdb,
      database.dialect,
      periodCode,
      result.metrics,
      commissionsOf(result.lines),
      (id) => inputs.network.sponsors.at(id, period.endsOn) ?? null,
      knownAt,
    );
    lap('metrics');
    await recordCareerDecisions(tdb, database.dialect, runId, result.careerDecisions, {
      recordedAt: now,
      recordedBy: options.createdBy ?? 'system:calculation',
      why: `by plan ${plan.code} ${plan.version} in ${periodCode}`,
    });
    lap('careers');
    // Earlier periods not posted are previewed inside this transaction (PGlite has one connection).
    await recordContestStandings(
      tx,
      periodCode,
      runId,
      contestMetricsOf(result.metrics),
      knownAt,
      periodMetrics(tx),
    );
    lap('contests');
    // A big posting changes the ledger's shape at once: let the planner see it before the next
    // period's look-ups (chargeback earnings by policy, a recalculation's lines by run) are planned.
    if (result.lines.length >= 10_000)
      await database.dialect.refreshStatistics(trx, [
        'accrual',
        'consultant_period_metric',
        'consultant_career',
      ]);
    lap('statistics');
    await tdb
      .updateTable('calculation_run')
      .set({ status: 'posted', finished_at: new Date() })
      .where('id', '=', runId)
      .execute();
    await markPeriodCalculated(tdb, inputs.period, now);
    return runId;
  });
  outcome.timings.write = Math.round(performance.now() - t);
  return outcome;
}

/**
 * A period's plan metrics as known at a moment, for contests: the posted run's stored metrics, or,
 * for a period not posted yet, a live preview of its calculation (nothing written).
 */
export function periodMetrics(database: Database): PeriodMetrics {
  return async (periodCode, knownAt) => {
    const posted = await postedMetrics(database, periodCode);
    if (posted.length) return posted;
    const preview = await calculatePeriod(database, periodCode, { preview: true, knownAt });
    return contestMetricsOf(preview.metrics);
  };
}

export interface WhatIfRow {
  consultantId: number;
  consultantCode: string;
  rule: string;
  postedKop: number;
  draftKop: number;
  differenceKop: number;
}

export interface WhatIfReport {
  periodCode: string;
  draft: { code: string; version: string; sha256: string };
  posted: { runId: number; planCode: string; planVersion: string; fingerprint: string } | null;
  /** Per consultant and rule, only where something would change. */
  rows: WhatIfRow[];
  byConsultant: {
    consultantId: number;
    consultantCode: string;
    postedKop: number;
    draftKop: number;
    differenceKop: number;
  }[];
  postedTotalKop: number;
  draftTotalKop: number;
  missing: MissingInput[];
}

/** `ecspert plan what-if <file> <yyyy-mm>`: the draft plan over a posted period; nothing is written. */
export async function whatIf(
  database: Database,
  plan: string | CompiledPlan,
  periodCode: string,
  options: { knownAt?: Date } = {},
): Promise<WhatIfReport> {
  const db = compensationDb(database);
  // A file is the CLI user's own; the API passes a plan it compiled from a request or a version.
  const draft = typeof plan === 'string' ? loadPlanFile(plan, await productCatalog(database)) : plan;
  const posted = await postedRun(db, periodCode);
  // Read the inputs as the posted run knew them, so the differences come from the plan alone.
  const knownAt = options.knownAt ?? (posted ? new Date(posted.known_at) : new Date());
  const inputs = await loadPeriodInputs(db, await periodRef(db, periodCode), {
    knownAt,
    networkFrom:
      draft.personalNetwork === 'sale_date' || draft.structuralNetwork === 'sale_date'
        ? undefined
        : (await periodRef(db, periodCode)).startsOn,
  });
  if (draft.maxWindow > 1) inputs.prior = await priorPeriods(db, periodCode, draft.maxWindow - 1);
  const result = calculate(draft, inputs);
  appendLines(
    result,
    await contestPrizeLines(
      database,
      periodCode,
      result.metrics,
      knownAt,
      draft.version,
      periodMetrics(database),
    ),
  );
  const key = (consultantId: number, rule: string) => `${consultantId}\u0000${rule}`;
  const cells = new Map<
    string,
    { consultantId: number; rule: string; postedKop: number; draftKop: number }
  >();
  const cell = (consultantId: number, rule: string) => {
    const k = key(consultantId, rule);
    let c = cells.get(k);
    if (!c) cells.set(k, (c = { consultantId, rule, postedKop: 0, draftKop: 0 }));
    return c;
  };
  if (posted)
    for (const p of await postedTotals(db, Number(posted.id)))
      cell(p.consultantId, p.rule).postedKop += p.amountKop;
  for (const line of result.lines) cell(line.consultantId, line.rule).draftKop += line.amountKop;
  const codes = new Map(inputs.consultants.map((c) => [c.id, c.code]));
  const rows = [...cells.values()]
    .filter((c) => c.postedKop !== c.draftKop)
    .map((c) => ({
      ...c,
      consultantCode: codes.get(c.consultantId) ?? String(c.consultantId),
      differenceKop: c.draftKop - c.postedKop,
    }))
    .sort((a, b) =>
      a.consultantCode < b.consultantCode
        ? -1
        : a.consultantCode > b.consultantCode
          ? 1
          : a.rule < b.rule
            ? -1
            : a.rule > b.rule
              ? 1
              : 0,
    );
  const perConsultant = new Map<number, { postedKop: number; draftKop: number }>();
  for (const c of cells.values()) {
    const p = perConsultant.get(c.consultantId) ?? { postedKop: 0, draftKop: 0 };
    p.postedKop += c.postedKop;
    p.draftKop += c.draftKop;
    perConsultant.set(c.consultantId, p);
  }
  const byConsultant = [...perConsultant.entries()]
    .filter(([, p]) => p.postedKop !== p.draftKop)
    .map(([consultantId, p]) => ({
      consultantId,
      consultantCode: codes.get(consultantId) ?? String(consultantId),
      ...p,
      differenceKop: p.draftKop - p.postedKop,
    }))
    .sort((a, b) => (a.consultantCode < b.consultantCode ? -1 : 1));
  let postedTotalKop = 0;
  let draftTotalKop = 0;
  for (const c of cells.values()) {
    postedTotalKop += c.postedKop;
    draftTotalKop += c.draftKop;
  }
  return {
    periodCode,
    draft: { code: draft.code, version: draft.version, sha256: draft.sha256 },
    posted: posted
      ? {
          runId: Number(posted.id),
          planCode: posted.plan_code,
          planVersion: posted.plan_version,
          fingerprint: posted.input_fingerprint,
        }
      : null,
    rows,
    byConsultant,
    postedTotalKop,
    draftTotalKop,
    missing: result.missing,
  };
}

/**
 * Records the run's career decisions (this module's table) and asks the network to make each the
 * consultant's career from its date on, in bulk.
 */
async function recordCareerDecisions(
  db: Kysely<CompensationDB>,
  dialect: SqlDialect,
  runId: number,
  decisions: CareerDecision[],
  change: { recordedAt: Date; recordedBy: string; why: string },
): Promise<void> {
  await insertCareerDecisions(db, dialect, runId, decisions);
  await recordCalculatedCareers(db, dialect, decisions, change);
}
