/**
 * Plans as data: reads a plan file (YAML or JSON), validates it against schemas/plan.schema.json,
 * cross-checks what a schema cannot (levels and products that exist, formulas that parse and use
 * only the metrics the rule is given) and compiles it for the calculation. A refused plan names the
 * file, the JSON path and the reason for every problem; nothing is calculated with it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import YAML from 'yaml';
import { hundredthsFrom, type RoundingMode } from './exact';
import { type CompiledExpression, compileExpression, ExpressionError, type ValueType } from './expression';
import { DEFAULT_CATALOG, type ProductCatalog } from './product-catalog';

export const PLAN_SCHEMA_PATH = path.resolve(__dirname, '../../schemas/plan.schema.json');
export const DEFAULT_PLAN_PATH = path.resolve(__dirname, '../plans/default.plan.yaml');

/** Metrics every qualification rule may read (volumes in points, premium in UAH). */
export const CAREER_METRICS = [
  'personalVolume',
  'groupVolume',
  'personalPremium',
  'newPolicies',
  'activeDirects',
  'legs',
  'levelRank',
] as const;
/** The activity rule cannot read what depends on activity (active directs, legs). */
export const ACTIVITY_METRICS = ['personalVolume', 'personalPremium', 'newPolicies', 'levelRank'] as const;
/** Bonuses run after commissions and may read them (UAH) and the level paid at. */
export const BONUS_METRICS = [
  ...CAREER_METRICS,
  'paidLevelRank',
  'personalCommission',
  'structuralCommission',
] as const;

export type NetworkDate = 'payment_date' | 'sale_date';

/** The plan file as written (after schema validation). */
export interface PlanDocument {
  plan: string;
  version: string;
  name?: string;
  effectiveFrom: string;
  rounding: RoundingMode;
  levels: { code: string; name: string; personalRate: number; structuralRate?: number }[];
  points: {
    groups: Record<string, { firstYear: number; renewal: number }>;
    products?: Record<string, { firstYear: number; renewal: number }>;
  };
  personal?: { network?: NetworkDate };
  structural: {
    method: 'differential' | 'none';
    network?: NetworkDate;
    compression?: { skipInactive?: boolean; skipUnqualified?: boolean };
    qualification?: { condition: string };
    generationOverride?: { fromLevel: string; generations: number[] };
  };
  activity: { condition: string };
  careers: {
    promotionTakesEffect: 'next_period' | 'current_period';
    qualifications: {
      level: string;
      promote: string;
      maintain?: string;
      demote?: string;
      window?: number;
    }[];
  };
  bonuses?: {
    code: string;
    name: string;
    levels?: string[];
    condition: string;
    base: string;
    rate: string;
  }[];
  chargebacks?: {
    code: string;
    withinMonths: number;
    mode: 'full' | 'proportional';
    groups?: string[];
    products?: string[];
  }[];
}

export interface CompiledLevel {
  code: string;
  name: string;
  /** 1 = entry level. */
  rank: number;
  /** Percent in hundredths: 30 % -> 3000. */
  personalRateH: number;
  structuralRateH: number;
  promote?: CompiledExpression;
  maintain?: CompiledExpression;
  demote?: CompiledExpression;
  /** Periods the qualification counts, this one included (volumes summed over them). */
  window: number;
}

export interface CompiledBonus {
  code: string;
  name: string;
  levels: Set<string> | null;
  condition: CompiledExpression;
  base: CompiledExpression;
  rate: CompiledExpression;
}

/** A validated plan, ready for the calculation. */
export interface CompiledPlan {
  document: PlanDocument;
  code: string;
  version: string;
  effectiveFrom: string;
  rounding: RoundingMode;
  /** sha256 of the canonical JSON of the document: what a run records. */
  sha256: string;
  levels: CompiledLevel[];
  levelByCode: Map<string, CompiledLevel>;
  /** Points per 100 UAH in hundredths, [firstYear, renewal], by product code then by group. */
  productPoints: Map<string, [number, number]>;
  groupPoints: Map<string, [number, number]>;
  personalNetwork: NetworkDate;
  structuralNetwork: NetworkDate;
  differential: boolean;
  skipInactive: boolean;
  skipUnqualified: boolean;
  /** Who may earn structural commission in a period; null: every active consultant. */
  structuralQualification: CompiledExpression | null;
  /** The longest qualification window: how many periods of metrics the calculation needs. */
  maxWindow: number;
  generationOverride: { fromRank: number; ratesH: number[] } | null;
  activity: CompiledExpression;
  promotionTakesEffect: 'next_period' | 'current_period';
  bonuses: CompiledBonus[];
  chargebacks: {
    code: string;
    withinMonths: number;
    mode: 'full' | 'proportional';
    groups: Set<string> | null;
    products: Set<string> | null;
  }[];
}

export interface PlanProblem {
  file: string;
  /** JSON pointer into the plan document, e.g. /levels/2/code */
  path: string;
  reason: string;
}

export class PlanRefusedError extends Error {
  constructor(readonly problems: PlanProblem[]) {
    super(`plan refused:\n${problems.map((p) => `  ${p.file}: ${p.path || '/'}: ${p.reason}`).join('\n')}`);
    this.name = 'PlanRefusedError';
  }
}

let validator: ReturnType<Ajv['compile']> | null = null;
function schemaValidator() {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    validator = ajv.compile(JSON.parse(fs.readFileSync(PLAN_SCHEMA_PATH, 'utf8')));
  }
  return validator;
}

/** Parses plan text; YAML unless the file name ends in .json. */
export function parsePlanText(text: string, file: string): unknown {
  if (file.toLowerCase().endsWith('.json')) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new PlanRefusedError([{ file, path: '', reason: `not valid JSON: ${(error as Error).message}` }]);
    }
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new PlanRefusedError(
      doc.errors.map((e) => ({
        file,
        path: '',
        reason: `not valid YAML at line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  return doc.toJS();
}

/** Canonical JSON (sorted keys) so equal documents hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Validates and compiles a parsed plan document; throws PlanRefusedError listing every problem. */
export function compilePlan(
  raw: unknown,
  file: string,
  catalog: ProductCatalog = DEFAULT_CATALOG,
): CompiledPlan {
  const validate = schemaValidator();
  if (!validate(raw)) {
    throw new PlanRefusedError(
      (validate.errors ?? []).map((e) => ({
        file,
        path:
          e.instancePath +
          (e.keyword === 'additionalProperties' ? `/${(e.params as any).additionalProperty}` : '') +
          (e.keyword === 'required' ? `/${(e.params as any).missingProperty}` : ''),
        reason:
          e.keyword === 'additionalProperties'
            ? 'is not a known setting'
            : e.keyword === 'required'
              ? 'is required'
              : e.keyword === 'enum'
                ? `must be one of ${(e.params as any).allowedValues.join(', ')}`
                : (e.message ?? e.keyword),
      })),
    );
  }
  const doc = raw as PlanDocument;
  const problems: PlanProblem[] = [];
  const problem = (p: string, reason: string) => problems.push({ file, path: p, reason });

  const percentH = (value: number, p: string): number => {
    try {
      return hundredthsFrom(value);
    } catch {
      problem(p, `${value} has more than two decimal places`);
      return 0;
    }
  };
  const formula = (
    source: string,
    p: string,
    names: readonly string[],
    type: ValueType,
  ): CompiledExpression | undefined => {
    try {
      return compileExpression(source, names, type);
    } catch (error) {
      problem(p, error instanceof ExpressionError ? `formula '${source}' ${error.message}` : String(error));
      return undefined;
    }
  };

  const levels: CompiledLevel[] = [];
  const levelByCode = new Map<string, CompiledLevel>();
  doc.levels.forEach((l, i) => {
    if (levelByCode.has(l.code)) problem(`/levels/${i}/code`, `level ${l.code} is declared twice`);
    const personalRateH = percentH(l.personalRate, `/levels/${i}/personalRate`);
    const level: CompiledLevel = {
      code: l.code,
      name: l.name,
      rank: i + 1,
      personalRateH,
      structuralRateH:
        l.structuralRate === undefined
          ? personalRateH
          : percentH(l.structuralRate, `/levels/${i}/structuralRate`),
      window: 1,
    };
    levels.push(level);
    levelByCode.set(l.code, level);
  });
  const knownLevel = (code: string, p: string) => {
    if (!levelByCode.has(code))
      problem(p, `unknown level '${code}'; the plan's levels are ${[...levelByCode.keys()].join(', ')}`);
    return levelByCode.get(code);
  };

  const groupPoints = new Map<string, [number, number]>();
  for (const [group, pts] of Object.entries(doc.points.groups)) {
    if (!catalog.groups.includes(group)) {
      problem(
        `/points/groups/${group}`,
        `unknown product group '${group}'; known groups are ${catalog.groups.join(', ')}`,
      );
    }
    groupPoints.set(group, [
      percentH(pts.firstYear, `/points/groups/${group}/firstYear`),
      percentH(pts.renewal, `/points/groups/${group}/renewal`),
    ]);
  }
  const productPoints = new Map<string, [number, number]>();
  for (const [product, pts] of Object.entries(doc.points.products ?? {})) {
    if (!(product in catalog.products))
      problem(`/points/products/${product}`, `unknown product '${product}'`);
    productPoints.set(product, [
      percentH(pts.firstYear, `/points/products/${product}/firstYear`),
      percentH(pts.renewal, `/points/products/${product}/renewal`),
    ]);
  }
  for (const [product, group] of Object.entries(catalog.products)) {
    if (!productPoints.has(product) && !groupPoints.has(group)) {
      problem(
        '/points/groups',
        `product ${product} (group ${group}) earns no points: add group '${group}' or the product`,
      );
    }
  }

  let generationOverride: CompiledPlan['generationOverride'] = null;
  const go = doc.structural.generationOverride;
  if (go) {
    const from = knownLevel(go.fromLevel, '/structural/generationOverride/fromLevel');
    generationOverride = {
      fromRank: from?.rank ?? Infinity,
      ratesH: go.generations.map((r, i) => percentH(r, `/structural/generationOverride/generations/${i}`)),
    };
  }

  const activity = formula(doc.activity.condition, '/activity/condition', ACTIVITY_METRICS, 'boolean');
  const seen = new Set<string>();
  doc.careers.qualifications.forEach((q, i) => {
    const level = knownLevel(q.level, `/careers/qualifications/${i}/level`);
    if (seen.has(q.level))
      problem(`/careers/qualifications/${i}/level`, `level ${q.level} has two qualification rules`);
    seen.add(q.level);
    const promote = formula(q.promote, `/careers/qualifications/${i}/promote`, CAREER_METRICS, 'boolean');
    const maintain = q.maintain
      ? formula(q.maintain, `/careers/qualifications/${i}/maintain`, CAREER_METRICS, 'boolean')
      : undefined;
    const demote = q.demote
      ? formula(q.demote, `/careers/qualifications/${i}/demote`, CAREER_METRICS, 'boolean')
      : undefined;
    if (level) Object.assign(level, { promote, maintain, demote, window: q.window ?? 1 });
    if (level?.rank === 1)
      problem(
        `/careers/qualifications/${i}/level`,
        `${q.level} is the entry level; nobody is promoted to it`,
      );
  });

  const structuralQualification = doc.structural.qualification
    ? (formula(
        doc.structural.qualification.condition,
        '/structural/qualification/condition',
        CAREER_METRICS,
        'boolean',
      ) ?? null)
    : null;
  if (doc.structural.compression?.skipUnqualified && !doc.structural.qualification)
    problem(
      '/structural/compression/skipUnqualified',
      'skipping unqualified uplines needs structural.qualification to say who is qualified',
    );

  const bonuses: CompiledBonus[] = [];
  const bonusCodes = new Set<string>();
  (doc.bonuses ?? []).forEach((b, i) => {
    if (bonusCodes.has(b.code)) problem(`/bonuses/${i}/code`, `bonus ${b.code} is declared twice`);
    bonusCodes.add(b.code);
    (b.levels ?? []).forEach((l, j) => knownLevel(l, `/bonuses/${i}/levels/${j}`));
    const condition = formula(b.condition, `/bonuses/${i}/condition`, BONUS_METRICS, 'boolean');
    const base = formula(b.base, `/bonuses/${i}/base`, BONUS_METRICS, 'number');
    const rate = formula(b.rate, `/bonuses/${i}/rate`, BONUS_METRICS, 'number');
    if (condition && base && rate) {
      bonuses.push({
        code: b.code,
        name: b.name,
        levels: b.levels ? new Set(b.levels) : null,
        condition,
        base,
        rate,
      });
    }
  });

  const chargebacks = (doc.chargebacks ?? []).map((c, i) => {
    (c.products ?? []).forEach((p, j) => {
      if (!(p in catalog.products)) problem(`/chargebacks/${i}/products/${j}`, `unknown product '${p}'`);
    });
    (c.groups ?? []).forEach((g, j) => {
      if (!catalog.groups.includes(g))
        problem(`/chargebacks/${i}/groups/${j}`, `unknown product group '${g}'`);
    });
    return {
      code: c.code,
      withinMonths: c.withinMonths,
      mode: c.mode,
      groups: c.groups ? new Set(c.groups) : null,
      products: c.products ? new Set(c.products) : null,
    };
  });

  if (problems.length) throw new PlanRefusedError(problems);
  return {
    document: doc,
    code: doc.plan,
    version: doc.version,
    effectiveFrom: doc.effectiveFrom,
    rounding: doc.rounding,
    sha256: createHash('sha256').update(canonicalJson(doc)).digest('hex'),
    levels,
    levelByCode,
    productPoints,
    groupPoints,
    personalNetwork: doc.personal?.network ?? 'payment_date',
    structuralNetwork: doc.structural.network ?? 'payment_date',
    differential: doc.structural.method === 'differential',
    skipInactive: doc.structural.compression?.skipInactive ?? false,
    skipUnqualified: doc.structural.compression?.skipUnqualified ?? false,
    structuralQualification,
    maxWindow: Math.max(1, ...levels.map((l) => l.window)),
    generationOverride,
    activity: activity!,
    promotionTakesEffect: doc.careers.promotionTakesEffect,
    bonuses,
    chargebacks,
  };
}

/** Reads, validates and compiles a plan file. */
export function loadPlanFile(file: string, catalog?: ProductCatalog): CompiledPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new PlanRefusedError([{ file, path: '', reason: `cannot be read: ${(error as Error).message}` }]);
  }
  return compilePlan(parsePlanText(text, file), file, catalog);
}

/** The longest plan text accepted from a user (the default plan is under 4 KB). */
export const PLAN_TEXT_MAX_CHARS = 256 * 1024;

/**
 * Validates and compiles plan text a user sent rather than a file: YAML, or JSON (which YAML reads
 * too). `label` says where the text came from in every problem, e.g. `body.plan`; nothing is read
 * from disk.
 */
export function loadPlanText(text: string, label: string, catalog?: ProductCatalog): CompiledPlan {
  if (text.length > PLAN_TEXT_MAX_CHARS) {
    throw new PlanRefusedError([
      { file: label, path: '', reason: `longer than ${PLAN_TEXT_MAX_CHARS} characters` },
    ]);
  }
  return compilePlan(parsePlanText(text, label), label, catalog);
}

export interface PlanCheckResult {
  ok: boolean;
  file: string;
  plan?: {
    code: string;
    version: string;
    effectiveFrom: string;
    sha256: string;
    levels: string[];
    bonuses: string[];
  };
  problems: PlanProblem[];
}

/** `ecspert plan check <file>`: the verdict, never a throw for a bad plan. */
export function checkPlanFile(file: string, catalog?: ProductCatalog): PlanCheckResult {
  try {
    const plan = loadPlanFile(file, catalog);
    return {
      ok: true,
      file,
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
    if (error instanceof PlanRefusedError) return { ok: false, file, problems: error.problems };
    throw error;
  }
}

/** The points (hundredths of points per 100 UAH) a product earns in a policy year; null if none. */
export function pointsFor(
  plan: CompiledPlan,
  productCode: string,
  productGroup: string,
  policyYear: number,
): number | null {
  const pts = plan.productPoints.get(productCode) ?? plan.groupPoints.get(productGroup);
  if (!pts) return null;
  return policyYear <= 1 ? pts[0] : pts[1];
}
