/**
 * The registered plan versions as people read them: the plans with their versions (active, draft,
 * retired), one version's document with its check against the products the database knows today,
 * and the check of plan text a person sends (what `ecspert plan check <file>` says of a file).
 * Nothing here writes.
 */
import type { Database } from '../../src/db';
import { compensationDb } from './ledger';
import { compilePlan, loadPlanText, type PlanCheckResult, PlanRefusedError } from './plan';
import { productCatalog } from './calculate';
import type { CompiledPlan } from './plan';

export interface PlanSummary {
  code: string;
  versions: number;
  /** The latest active version (by effectiveFrom), or null when the plan has only drafts. */
  activeVersion: string | null;
  latestEffectiveFrom: string;
}

export interface PlanVersionRow {
  id: number;
  planCode: string;
  version: string;
  effectiveFrom: string;
  status: 'active' | 'draft' | 'retired';
  sha256: string;
  sourceFile: string | null;
  loadedAt: string;
  loadedBy: string | null;
}

export interface PlanVersionDetail extends PlanVersionRow {
  document: unknown;
  check: PlanCheckResult;
}

const iso = (value: Date | string) =>
  value instanceof Date ? value.toISOString() : new Date(value).toISOString();

function verdict(label: string, compile: () => CompiledPlan): PlanCheckResult {
  try {
    const plan = compile();
    return {
      ok: true,
      file: label,
      plan: {
        code: plan.code,
        version: plan.version,
        effectiveFrom: plan.effectiveFrom,
        sha256: plan.sha256,
        levels: plan.levels.map((l) => l.code),
        bonuses: plan.bonuses.map((b) => b.code),
      },
      problems: [],
    };
  } catch (error) {
    if (error instanceof PlanRefusedError) return { ok: false, file: label, problems: error.problems };
    throw error;
  }
}

/** Every plan code with its number of versions and the active one. */
export async function listPlans(database: Database): Promise<PlanSummary[]> {
  const rows = await compensationDb(database)
    .selectFrom('plan_version')
    .select(['plan_code', 'version', 'status', 'effective_from'])
    .orderBy('plan_code')
    .orderBy('effective_from', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const plans = new Map<string, PlanSummary>();
  for (const r of rows) {
    let plan = plans.get(r.plan_code);
    if (!plan)
      plans.set(
        r.plan_code,
        (plan = {
          code: r.plan_code,
          versions: 0,
          activeVersion: null,
          latestEffectiveFrom: r.effective_from,
        }),
      );
    plan.versions++;
    if (r.status === 'active' && plan.activeVersion === null) plan.activeVersion = r.version;
  }
  return [...plans.values()];
}

/** One page of a plan's versions, the latest in force first. */
export async function listPlanVersions(
  database: Database,
  planCode: string,
  page: { offset: number; limit: number },
): Promise<{ items: PlanVersionRow[]; total: number }> {
  const db = compensationDb(database);
  const count = await db
    .selectFrom('plan_version')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('plan_code', '=', planCode)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('plan_version')
    .select([
      'id',
      'plan_code',
      'version',
      'effective_from',
      'status',
      'sha256',
      'source_file',
      'loaded_at',
      'loaded_by',
    ])
    .where('plan_code', '=', planCode)
    .orderBy('effective_from', 'desc')
    .orderBy('id', 'desc')
    .offset(page.offset)
    .fetch(page.limit)
    .execute();
  return {
    total: Number(count.n),
    items: rows.map((r) => ({
      id: Number(r.id),
      planCode: r.plan_code,
      version: r.version,
      effectiveFrom: r.effective_from,
      status: r.status,
      sha256: r.sha256,
      sourceFile: r.source_file,
      loadedAt: iso(r.loaded_at),
      loadedBy: r.loaded_by,
    })),
  };
}

/** A version's document and its check against today's products; null when there is no such version. */
export async function loadPlanVersion(
  database: Database,
  planCode: string,
  version: string,
): Promise<PlanVersionDetail | null> {
  const row = await compensationDb(database)
    .selectFrom('plan_version')
    .selectAll()
    .where('plan_code', '=', planCode)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) return null;
  const document = database.dialect.readJson(row.document);
  const catalog = await productCatalog(database);
  const label = `plan ${planCode} version ${version}`;
  return {
    id: Number(row.id),
    planCode: row.plan_code,
    version: row.version,
    effectiveFrom: row.effective_from,
    status: row.status,
    sha256: row.sha256,
    sourceFile: row.source_file,
    loadedAt: iso(row.loaded_at),
    loadedBy: row.loaded_by,
    document,
    check: verdict(label, () => compilePlan(document, label, catalog)),
  };
}

/** The check of plan text (YAML or JSON) against the products the database knows; never throws for a bad plan. */
export async function checkPlanText(
  database: Database,
  text: string,
  label: string,
): Promise<PlanCheckResult> {
  const catalog = await productCatalog(database);
  return verdict(label, () => loadPlanText(text, label, catalog));
}
