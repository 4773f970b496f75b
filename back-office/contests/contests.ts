/**
 * Contests among consultants: a period range, a metric (the plan's own metrics summed over the
 * range, or counts of new policies by product), eligibility by level and unit, ranking with a stated
 * tie-break, and prizes. Standings can be read at any moment: posted periods come from the runs'
 * stored metrics, a period not yet calculated is measured live (a preview, nothing written).
 */
import Ajv from 'ajv';
import type { Kysely } from 'kysely';
import { asOf, type Database } from '../../src/db';
import { formatHryvnias } from '../../src/db/money';
import type { IsoDate } from '../../src/db/schema';
import {
  rankEntries,
  type ContestEntry,
  type ContestPrizes,
  type Standing,
  type TieBreakKey,
} from './ranking';
import type { ContestsDB } from './tables';

/**
 * One consultant's plan metrics in one period, as the compensation calculation measured them. Contests
 * only read them: the compensation module calls contests (prizes, standings), never the other way.
 */
export interface ContestMetrics {
  consultantId: number;
  /** Personal volume in millionths of a point. */
  personalVolumeU: number;
  /** Group volume in millionths of a point. */
  groupVolumeU: number;
  personalPremiumKop: number;
  newPolicies: number;
}

/**
 * Where standings read a period's metrics as known at a moment: the posted run's, or a live preview
 * of a period not yet posted. The compensation module provides it (`periodMetrics` there).
 */
export type PeriodMetrics = (periodCode: string, knownAt: Date) => Promise<ContestMetrics[]>;

/** A money prize of a contest that ends in the period, for the calculation to post as an accrual line. */
export interface ContestPrize {
  consultantId: number;
  contestId: number;
  contestCode: string;
  amountKop: number;
  /** The line's explanation: place, participants, score, what decided a tie, the prize. */
  explanation: string;
}

export interface ContestDefinition {
  code: string;
  name: string;
  firstPeriod: string;
  lastPeriod: string;
  metric:
    | { kind: 'plan_metric'; name: 'personalVolume' | 'groupVolume' | 'personalPremium' | 'newPolicies' }
    | { kind: 'new_policies'; products?: string[] };
  eligibility?: { levels?: string[]; units?: string[] };
  /** Stated tie-break, applied in order after the score. */
  tieBreak: TieBreakKey[];
  prizes?: ContestPrizes;
}

const period = { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', maxLength: 7 } as const;
/** A money prize in hryvnias, at most two decimals: '5000' or '1250.50'. */
const money = { type: 'string', pattern: '^\\d{1,12}(\\.\\d{1,2})?$', maxLength: 15 } as const;
const text = (maxLength: number, minLength = 0) =>
  ({ type: 'string', maxLength, ...(minLength ? { minLength } : {}) }) as const;
const codes = { type: 'array', maxItems: 1000, items: text(40, 1) } as const;

/**
 * What a contest definition is, for a file and for the API alike: every text bounded by its column,
 * every list and number by what a contest can use, so nothing valid here fails in the database.
 */
export const CONTEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name', 'firstPeriod', 'lastPeriod', 'metric', 'tieBreak'],
  properties: {
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_-]{0,39}$', maxLength: 40 },
    name: text(300, 1),
    firstPeriod: period,
    lastPeriod: period,
    metric: {
      type: 'object',
      required: ['kind'],
      additionalProperties: false,
      properties: {
        kind: { type: 'string', enum: ['plan_metric', 'new_policies'] },
        name: { type: 'string', enum: ['personalVolume', 'groupVolume', 'personalPremium', 'newPolicies'] },
        products: codes,
      },
    },
    eligibility: {
      type: 'object',
      additionalProperties: false,
      properties: { levels: codes, units: codes },
    },
    tieBreak: {
      type: 'array',
      maxItems: 5,
      items: { type: 'string', enum: ['newPolicies', 'personalVolume', 'groupVolume', 'hiredOn', 'code'] },
    },
    prizes: {
      type: 'object',
      additionalProperties: false,
      properties: {
        top: {
          type: 'array',
          maxItems: 1000,
          items: {
            type: 'object',
            required: ['place', 'prize'],
            additionalProperties: false,
            properties: {
              place: { type: 'integer', minimum: 1, maximum: 100_000 },
              prize: text(300, 1),
              amount: money,
            },
          },
        },
        thresholds: {
          type: 'array',
          maxItems: 1000,
          items: {
            type: 'object',
            required: ['min', 'prize'],
            additionalProperties: false,
            properties: {
              min: { type: 'string', pattern: '^\\d+(\\.\\d+)?$', maxLength: 22 },
              prize: text(300, 1),
              amount: money,
            },
          },
        },
      },
    },
  },
} as const;
const validateContest = new Ajv({ allErrors: true }).compile(CONTEST_SCHEMA);

export class ContestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContestError';
  }
}

const cdb = (database: Database) => database.db as unknown as Kysely<ContestsDB>;
const U = 1_000_000n;

function periodBounds(code: string): { startsOn: IsoDate; endsOn: IsoDate } {
  const [y, m] = code.split('-').map(Number);
  return {
    startsOn: `${code}-01`,
    endsOn: `${code}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`,
  };
}
function periodsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.split('-').map(Number);
  for (;;) {
    const code = `${y}-${String(m).padStart(2, '0')}`;
    if (code > last) return out;
    out.push(code);
    if (++m > 12) [y, m] = [y + 1, 1];
  }
}

export async function createContest(database: Database, definition: ContestDefinition): Promise<number> {
  if (!validateContest(definition)) {
    throw new ContestError(
      `contest refused: ${(validateContest.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}`).join('; ')}`,
    );
  }
  if (definition.lastPeriod < definition.firstPeriod)
    throw new ContestError('contest refused: /lastPeriod: before firstPeriod');
  if (definition.metric.kind === 'plan_metric' && !definition.metric.name)
    throw new ContestError('contest refused: /metric/name: is required');
  return database.dialect.insertReturningId(
    database.db,
    'contest',
    {
      code: definition.code,
      name: definition.name,
      first_period: definition.firstPeriod,
      last_period: definition.lastPeriod,
      definition: database.dialect.json(definition),
      created_at: new Date(),
    },
    { code: definition.code },
  );
}

export interface ContestStandings {
  contest: ContestDefinition;
  throughPeriod: string;
  /** True while the contest still runs after throughPeriod. */
  provisional: boolean;
  standings: Standing[];
}

export interface StandingsOptions {
  /** Where each counted period's metrics come from (the compensation module's `periodMetrics`). */
  metrics: PeriodMetrics;
  /** Count periods up to this one (default: the contest's last period). */
  throughPeriod?: string;
  knownAt?: Date;
  /** Metrics of a period just calculated but not yet readable from the database. */
  currentMetrics?: { periodCode: string; metrics: ContestMetrics[] };
}

/** Standings of a contest at any moment; nothing is written. */
export async function contestStandings(
  database: Database,
  code: string,
  options: StandingsOptions,
): Promise<ContestStandings> {
  const db = cdb(database);
  const row = await db.selectFrom('contest').selectAll().where('code', '=', code).executeTakeFirst();
  if (!row) throw new ContestError(`no contest ${code}`);
  const contest = database.dialect.readJson<ContestDefinition>(row.definition)!;
  const through =
    options.throughPeriod && options.throughPeriod < contest.lastPeriod
      ? options.throughPeriod
      : contest.lastPeriod;
  const periods = periodsBetween(contest.firstPeriod, through);
  const knownAt = options.knownAt ?? new Date();
  const asOfDate = periodBounds(through).endsOn;

  const consultants = await db
    .selectFrom('consultant')
    .select(['id', 'code', 'hired_on'])
    .orderBy('id')
    .execute();
  const totals = new Map<number, { scoreU: bigint; newPolicies: number; pvU: bigint; gvU: bigint }>();
  const total = (id: number) => {
    let t = totals.get(id);
    if (!t) totals.set(id, (t = { scoreU: 0n, newPolicies: 0, pvU: 0n, gvU: 0n }));
    return t;
  };

  // Plan metrics per period: the one just calculated, else what the compensation module answers
  // (the posted run's stored metrics, or a live preview of a period not posted).
  for (const periodCode of periods) {
    const metrics =
      options.currentMetrics?.periodCode === periodCode
        ? options.currentMetrics.metrics
        : await options.metrics(periodCode, knownAt);
    for (const m of metrics) {
      const t = total(m.consultantId);
      t.pvU += BigInt(m.personalVolumeU);
      t.gvU += BigInt(m.groupVolumeU);
      t.newPolicies += m.newPolicies;
      if (contest.metric.kind === 'plan_metric') {
        const name = contest.metric.name;
        t.scoreU +=
          name === 'personalVolume'
            ? BigInt(m.personalVolumeU)
            : name === 'groupVolume'
              ? BigInt(m.groupVolumeU)
              : name === 'personalPremium'
                ? BigInt(m.personalPremiumKop) * 10_000n
                : BigInt(m.newPolicies) * U;
      }
    }
  }

  // New policies by product: issued in the contest's dates, counted by the selling consultant.
  if (contest.metric.kind === 'new_policies') {
    let q = db
      .selectFrom('policy_version as pv')
      .innerJoin('policy as p', 'p.id', 'pv.policy_id')
      .innerJoin('product as pr', 'pr.id', 'p.product_id')
      .select(['pv.consultant_id', (eb) => eb.fn.count<number>('pv.policy_id').distinct().as('n')])
      .where('pv.version_no', '=', 1)
      .where('pv.issued_on', '>=', periodBounds(contest.firstPeriod).startsOn)
      .where('pv.issued_on', '<=', asOfDate)
      .where('pv.recorded_at', '<=', knownAt)
      .where('pv.consultant_id', 'is not', null);
    if (contest.metric.products?.length) q = q.where('pr.code', 'in', contest.metric.products);
    for (const r of await q.groupBy('pv.consultant_id').execute())
      total(Number(r.consultant_id)).scoreU = BigInt(r.n) * U;
  }

  // Eligibility by level and unit, as of the last day counted.
  let eligible: Set<number> | null = null;
  const narrow = (ids: number[]) => {
    const set = new Set(ids);
    eligible = eligible === null ? set : new Set([...(eligible as Set<number>)].filter((id) => set.has(id)));
  };
  if (contest.eligibility?.levels?.length) {
    const rows = await asOf(
      db
        .selectFrom('consultant_career as cc')
        .select('cc.consultant_id')
        .where('cc.level_code', 'in', contest.eligibility.levels),
      'cc',
      asOfDate,
      knownAt,
    ).execute();
    narrow(rows.map((r) => Number(r.consultant_id)));
  }
  if (contest.eligibility?.units?.length) {
    const rows = await asOf(
      db
        .selectFrom('consultant_unit as cu')
        .innerJoin('unit as u', 'u.id', 'cu.unit_id')
        .select('cu.consultant_id')
        .where('u.code', 'in', contest.eligibility.units),
      'cu',
      asOfDate,
      knownAt,
    ).execute();
    narrow(rows.map((r) => Number(r.consultant_id)));
  }

  const entries: ContestEntry[] = [];
  for (const c of consultants) {
    const id = Number(c.id);
    const t = totals.get(id);
    if (!t || t.scoreU <= 0n) continue;
    if (eligible !== null && !(eligible as Set<number>).has(id)) continue;
    entries.push({
      consultantId: id,
      code: c.code,
      hiredOn: c.hired_on,
      scoreU: t.scoreU,
      newPolicies: t.newPolicies,
      personalVolumeU: t.pvU,
      groupVolumeU: t.gvU,
    });
  }
  return {
    contest,
    throughPeriod: through,
    provisional: through < contest.lastPeriod,
    standings: rankEntries(entries, contest.tieBreak, contest.prizes),
  };
}

/** The calculation's last step: record standings of every contest running in the period. */
export async function recordContestStandings(
  database: Database,
  periodCode: string,
  runId: number,
  current: ContestMetrics[],
  knownAt: Date,
  metrics: PeriodMetrics,
): Promise<number> {
  const db = cdb(database);
  const running = await db
    .selectFrom('contest')
    .select(['id', 'code'])
    .where('first_period', '<=', periodCode)
    .where('last_period', '>=', periodCode)
    .orderBy('id')
    .execute();
  let written = 0;
  for (const contest of running) {
    const result = await contestStandings(database, contest.code, {
      metrics,
      throughPeriod: periodCode,
      knownAt,
      currentMetrics: { periodCode, metrics: current },
    });
    const rows = result.standings.map((s) => ({
      contest_id: Number(contest.id),
      run_id: runId,
      through_period: periodCode,
      consultant_id: s.consultantId,
      place: s.place,
      score: s.score,
      prize: s.prize,
      computed_at: knownAt,
    }));
    await database.dialect.bulkInsert(db, 'contest_standing', rows);
    written += rows.length;
  }
  return written;
}

const METRIC_NAMES: Record<string, string> = {
  personalVolume: 'особистий обсяг, бал.',
  groupVolume: 'груповий обсяг, бал.',
  personalPremium: 'особисті внески, грн',
  newPolicies: 'нові поліси',
};

/**
 * The money prizes of every contest that ends in the period, which its calculation posts as accrual
 * lines: the final standings (this period's metrics included) decide; one prize per winner and
 * contest. Prizes in kind are recorded in the standings only.
 */
export async function contestPrizes(
  database: Database,
  periodCode: string,
  current: ContestMetrics[],
  knownAt: Date,
  metrics: PeriodMetrics,
): Promise<ContestPrize[]> {
  const ending = await cdb(database)
    .selectFrom('contest')
    .select(['id', 'code'])
    .where('last_period', '=', periodCode)
    .orderBy('code')
    .execute();
  const prizes: ContestPrize[] = [];
  for (const row of ending) {
    const result = await contestStandings(database, row.code, {
      metrics,
      throughPeriod: periodCode,
      knownAt,
      currentMetrics: { periodCode, metrics: current },
    });
    const { contest, standings } = result;
    const measure =
      contest.metric.kind === 'plan_metric'
        ? METRIC_NAMES[contest.metric.name]
        : `нові поліси${contest.metric.products?.length ? ` (${contest.metric.products.join(', ')})` : ''}`;
    for (const s of standings) {
      if (!s.prizeKop) continue;
      const shared = standings.filter((o) => o.place === s.place).length;
      const order =
        s.decidedBy === 'shared place'
          ? `; місце поділено з ${shared - 1} учасником(ами) після всіх критеріїв (${contest.tieBreak.join(', ') || 'немає'})`
          : s.decidedBy
            ? `; рівний результат з попереднім, порядок вирішено за ${s.decidedBy}`
            : '';
      prizes.push({
        consultantId: s.consultantId,
        contestId: Number(row.id),
        contestCode: contest.code,
        amountKop: s.prizeKop,
        explanation: `Приз конкурсу «${contest.name}» (${contest.code}, ${contest.firstPeriod}…${contest.lastPeriod}): ${s.place} місце з ${standings.length} учасників, результат ${s.score} (${measure})${order}; приз «${s.prize}» = ${formatHryvnias(s.prizeKop)} грн`,
      });
    }
  }
  return prizes;
}

export interface ContestSummary {
  id: number;
  code: string;
  name: string;
  firstPeriod: string;
  lastPeriod: string;
  definition: ContestDefinition;
}

/** Contests, newest first, one page at a time; `running` keeps those whose range covers a period. */
export async function listContests(
  database: Database,
  options: { running?: string; offset?: number; limit?: number } = {},
): Promise<{ items: ContestSummary[]; total: number }> {
  const db = cdb(database);
  let q = db.selectFrom('contest');
  if (options.running)
    q = q.where('first_period', '<=', options.running).where('last_period', '>=', options.running);
  const [{ n }] = await q.select((eb) => eb.fn.countAll<number>().as('n')).execute();
  const rows = await q
    .selectAll()
    .orderBy('first_period', 'desc')
    .orderBy('code')
    .offset(options.offset ?? 0)
    .fetch(options.limit ?? 50)
    .execute();
  return {
    total: Number(n),
    items: rows.map((r) => ({
      id: Number(r.id),
      code: r.code,
      name: r.name,
      firstPeriod: r.first_period,
      lastPeriod: r.last_period,
      definition: database.dialect.readJson<ContestDefinition>(r.definition)!,
    })),
  };
}
