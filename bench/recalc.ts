/**
 * Benchmark of the recalculation of closed periods (issue 5, not a test): a synthetic network on
 * PostgreSQL, seven monthly periods of payments, the first six calculated and closed, then a manual
 * career change (with approval) six closed periods back for a consultant with about 5 000 downline
 * consultants, and `postCorrections` timed: the storno and additional lines it posts in the open
 * seventh period. Prints the setup steps' timings, the correction figure, lines posted, peak RSS.
 *
 * The corrections are timed twice on the same change (each in a transaction rolled back): compared
 * in full (the whole period calculated again) and bounded (only the reach of the change: the
 * consultant's subtree and uplines, the uplines' metrics from the stored per-period metrics), and
 * beside them the floor: the bare read of the reach's inputs (its payments and ledger lines in every
 * period) and the COPY of the same number of lines into a bare table. Both runs must post the same
 * lines to the kopiyka; the ratios bounded/floor and full/bounded are printed.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/recalc.ts
 *       100 000 consultants (chains up to 25 deep), 200 000 policies, 100 000 payments a month
 *   options: --consultants N --policies N --payments N (a month) --downline N (target, 5 000)
 *            --reuse (keep bench_recalc's network, closed periods and ledger from an earlier run;
 *                     the career change and its corrections are rolled back at the end, so a rerun
 *                     measures the same thing)
 *            --no-full (skip the full comparison: only bounded and the floor)
 *
 * It works in a schema of its own (bench_recalc), dropped and created again unless --reuse.
 */
import { sql } from 'kysely';
import { calculatePeriod } from '../back-office/compensation';
import { closePeriod, postCorrections, recordManualCareerChange } from '../back-office/periods';
import { type Database, migrate, openDatabase, STILL_KNOWN } from '../src/db';
import { LEVELS, seedSyntheticIntermediary, syntheticNetwork } from './synthetic-network';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const consultants = option('consultants', 100_000);
const policies = option('policies', 200_000);
const payments = option('payments', 100_000);
const targetDownline = option('downline', 5_000);
const MAX_DEPTH = 25;
const SCHEMA = 'bench_recalc';
const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07'];

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const started = performance.now();
const stamp = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const seconds = (t: number) => `${((performance.now() - t) / 1000).toFixed(2)} s`;

async function open(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres/.test(url)) throw new Error('DATABASE_URL must name a PostgreSQL database');
  const admin = await openDatabase({ engine: 'postgres', url }, { poolSize: 1 });
  if (!flag('reuse')) await sql`drop schema if exists ${sql.raw(SCHEMA)} cascade`.execute(admin.db);
  await sql`create schema if not exists ${sql.raw(SCHEMA)}`.execute(admin.db);
  await admin.close();
  const database = await openDatabase({ engine: 'postgres', url }, { searchPath: SCHEMA, poolSize: 4 });
  await migrate(database.db, database.dialect);
  return database;
}

const network = () => syntheticNetwork(consultants, MAX_DEPTH);

async function seed(database: Database): Promise<void> {
  const db = database.db as any;
  const recorded = new Date('2025-12-01T00:00:00Z');
  const net = network();
  await seedSyntheticIntermediary(db, net, recorded);
  const { depth } = net;
  console.log(`${stamp()}  network: ${consultants} consultants, deepest chain ${Math.max(...depth) + 1}`);
  await sql`insert into policy (insurer_id, number, product_id, created_at)
    select 1, 'B-' || g, 1 + (g % 10), ${recorded} from generate_series(1, ${policies}::int) g`.execute(db);
  await sql`insert into policy_version (policy_id, version_no, valid_from, recorded_at, consultant_id, agent_code, policyholder_id,
      issued_on, cover_start, cover_end, sum_insured, annual_premium, payment_frequency, status, status_date)
    select g, 1, date '2025-06-01', ${recorded}, 1 + ((g::bigint * 7919) % ${consultants}::int), 'X', 1,
      date '2025-06-01', date '2025-06-01', date '2036-01-01', 100000, 12000, 12, 'in_force', date '2025-06-01'
    from generate_series(1, ${policies}::int) g`.execute(db);
  console.log(`${stamp()}  policies: ${policies}`);
  // Each month a different slice of the policies pays (policy year 2: renewal premiums).
  for (const [m, month] of MONTHS.entries()) {
    await sql`insert into premium_payment (policy_id, paid_on, amount, policy_year, external_key, recorded_at)
      select 1 + ((g::bigint * 2 + ${m}::int) % ${policies}::int), date ${sql.lit(`${month}-01`)} + (g % 28),
        ((200 + (g::bigint * 37) % 20000) || '.' || lpad((g % 100)::text, 2, '0'))::numeric, 2,
        ${`bench-${month}-`} || g, ${recorded}
      from generate_series(1, ${payments}::int) g`.execute(db);
  }
  // Only this schema's tables: a bare `analyze` walks every schema in the database and waits on
  // whatever another session holds there.
  for (const table of [
    'consultant',
    'consultant_sponsor',
    'consultant_career',
    'policy',
    'policy_version',
    'premium_payment',
  ])
    await sql`analyze ${sql.table(table)}`.execute(db);
  console.log(`${stamp()}  payments: ${payments} a month in ${MONTHS[0]} … ${MONTHS[MONTHS.length - 1]}`);
}

/** The consultant whose downline (all generations) is nearest the target. */
function pickConsultant(): { index: number; downline: number } {
  const { sponsor, depth } = network();
  const size = new Int32Array(consultants);
  const order = Array.from({ length: consultants }, (_, i) => i).sort((a, b) => depth[b] - depth[a]);
  for (const i of order) if (sponsor[i] >= 0) size[sponsor[i]] += size[i] + 1;
  let best = 0;
  for (let i = 0; i < consultants; i++)
    if (Math.abs(size[i] - targetDownline) < Math.abs(size[best] - targetDownline)) best = i;
  return { index: best, downline: size[best] };
}

class Rollback extends Error {}

async function main(): Promise<void> {
  console.log(
    `postgres schema ${SCHEMA}: ${consultants} consultants, ${policies} policies, ${payments} payments a month, ${MONTHS.length} months`,
  );
  const database = await open();
  const db = database.db as any;
  const closedAlready =
    flag('reuse') &&
    Number(
      (
        await sql<{ n: number }>`select count(*) as n from production_period where status = 'closed'`.execute(
          db,
        )
      ).rows[0].n,
    ) >= 6;
  if (closedAlready)
    console.log('reusing the network and the six closed periods of an earlier run (--reuse)');
  else {
    let t = performance.now();
    await seed(database);
    console.log(`seeding: ${seconds(t)}`);
    for (const month of MONTHS.slice(0, 6)) {
      t = performance.now();
      // Known now: the careers each period decides (recorded now) carry into the next one.
      const run = await calculatePeriod(database, month, { createdBy: 'bench' });
      const tc = performance.now();
      await closePeriod(database, month, { closedBy: 'bench', at: new Date() });
      console.log(
        `${stamp()}  ${month}: calculated ${run.lineCount} lines, ${run.careerDecisions.length} career decisions in ${seconds(t)} (close ${seconds(tc)})`,
        run.timings,
      );
    }
  }
  // A manual career change names a level the career_level table knows (the plan's levels).
  const known = await db.selectFrom('career_level').select('code').execute();
  if (!known.length)
    await db
      .insertInto('career_level')
      .values(LEVELS.map((code, i) => ({ code, name: code, rank_order: i + 1 })))
      .execute();
  const picked = pickConsultant();
  const code = `K-${String(picked.index + 1).padStart(6, '0')}`;
  const current = await db
    .selectFrom('consultant_career')
    .select(['level_code'])
    .where('consultant_id', '=', picked.index + 1)
    .where('superseded_at', '=', STILL_KNOWN)
    .where('valid_from', '<=', `${MONTHS[0]}-01`)
    .where('valid_to', '>', `${MONTHS[0]}-01`)
    .executeTakeFirst();
  const from = current?.level_code ?? 'CONSULTANT';
  const to = from === 'DIRECTOR' ? 'MANAGER' : 'DIRECTOR';
  console.log(
    `career change: ${code} (downline ${picked.downline} consultants) ${from} → ${to} from ${MONTHS[0]}-01`,
  );

  // The change and its corrections run in one transaction rolled back at the end, so --reuse can
  // measure again on the same closed periods; once compared in full, once within the reach.
  const timed = async (comparison: 'full' | 'bounded') => {
    let figure = 0;
    let report: Awaited<ReturnType<typeof postCorrections>> | null = null;
    try {
      await database.db.transaction().execute(async (trx) => {
        const tx = { ...database, db: trx };
        let t = performance.now();
        const recorded = await recordManualCareerChange(tx, {
          consultantCode: code,
          levelCode: to,
          validFrom: `${MONTHS[0]}-01`,
          reason: 'bench: promotion confirmed late by the board',
          recordedBy: 'bench:hr',
          approvedBy: 'bench:director',
        });
        console.log(
          `${comparison}: recorded with approval in ${seconds(t)}; requests for ${recorded.requestedPeriods.join(', ')}`,
        );
        rssAtStart = process.memoryUsage().rss;
        peakRss = rssAtStart;
        t = performance.now();
        report = await postCorrections(tx, { postedBy: 'bench', knownAt: new Date(), comparison });
        figure = (performance.now() - t) / 1000;
        throw new Rollback();
      });
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
    }
    const r = report! as Awaited<ReturnType<typeof postCorrections>>;
    const lines = r.periods.reduce((s, p) => s + p.lines.length, 0);
    console.log(
      `${comparison}: corrections post ${figure.toFixed(2)} s wall for ${r.periods.length} closed periods, posted in ${r.postedIn}; ` +
        `lines ${lines} (storno ${(r.stornoKop / 100).toFixed(2)} UAH, additional ${(r.additionalKop / 100).toFixed(2)} UAH, net ${(r.netKop / 100).toFixed(2)} UAH), ` +
        `consultants affected ${r.byConsultant.length}, career adjustments ${r.periods.reduce((s, p) => s + p.careerAdjustments.length, 0)}; ` +
        `peak RSS ${mb(peakRss)} (at its start ${mb(rssAtStart)})`,
    );
    console.log(
      `${comparison}: reach ${r.bounded.reach} consultants, bounded periods [${r.bounded.periods.join(', ')}], fallback ${r.bounded.fallback ?? 'none'}`,
    );
    console.log(`${comparison}: where the time goes (ms):`, r.timings);
    return { figure, lines, report: r };
  };
  const bounded = await timed('bounded');
  const full = flag('no-full') ? null : await timed('full');
  const floor = await floorOf(database, picked.index + 1, bounded.lines);
  clearInterval(sampler);
  const key = (r: typeof bounded.report) =>
    JSON.stringify(r.periods.map((p) => p.lines.map(({ cause: _c, ...l }) => l)));
  console.log('');
  if (full)
    console.log(
      `same lines both ways: ${key(full.report) === key(bounded.report) ? 'yes' : 'NO'} (full ${full.lines}, bounded ${bounded.lines}, net ${full.report.netKop} vs ${bounded.report.netKop} kop)`,
    );
  console.log(
    `corrections: bounded ${bounded.figure.toFixed(2)} s` +
      (full
        ? ` | full ${full.figure.toFixed(2)} s (full/bounded ${(full.figure / bounded.figure).toFixed(1)}x)`
        : '') +
      ` | floor ${floor.seconds.toFixed(2)} s (bounded/floor ${(bounded.figure / floor.seconds).toFixed(1)}x; ${floor.detail})`,
  );
  console.log(`maxRSS of the process ${mb(process.resourceUsage().maxRSS * 1024)}`);
  await database.close();
}

/**
 * The floor: the bare read of the reach's inputs (the subtree's and uplines' payments and the
 * ledger's lines of those payments in every recalculated period) and the COPY of as many lines as
 * were posted into a bare table, timed in a transaction rolled back.
 */
async function floorOf(database: Database, consultantId: number, lines: number) {
  const { sponsor } = network();
  const children = new Map<number, number[]>();
  for (let i = 0; i < sponsor.length; i++)
    if (sponsor[i] >= 0) children.set(sponsor[i] + 1, [...(children.get(sponsor[i] + 1) ?? []), i + 1]);
  const subtree = [consultantId];
  for (let i = 0; i < subtree.length; i++) subtree.push(...(children.get(subtree[i]) ?? []));
  const uplines: number[] = [];
  for (let c = sponsor[consultantId - 1]; c >= 0; c = sponsor[c]) uplines.push(c + 1);
  const t = performance.now();
  let payments = 0;
  let ledgerLines = 0;
  try {
    await database.db.transaction().execute(async (trx) => {
      const policies = (
        await sql<{
          policy_id: number;
        }>`select distinct policy_id from policy_version where consultant_id = any(${subtree}::bigint[])`.execute(
          trx,
        )
      ).rows.map((r) => Number(r.policy_id));
      await sql`select consultant_id, sponsor_id, valid_from, valid_to from consultant_sponsor where consultant_id = any(${[...subtree, ...uplines]}::bigint[])`.execute(
        trx,
      );
      await sql`select consultant_id, level_code, valid_from, valid_to from consultant_career where consultant_id = any(${[...subtree, ...uplines]}::bigint[])`.execute(
        trx,
      );
      for (const month of MONTHS.slice(0, 6)) {
        const ids = (
          await sql<{ id: number }>`select id, policy_id, paid_on, amount from premium_payment
            where paid_on >= ${`${month}-01`} and paid_on < ${`${month}-01`}::date + interval '1 month' and policy_id = any(${policies}::bigint[])`.execute(
            trx,
          )
        ).rows.map((r) => Number(r.id));
        payments += ids.length;
        ledgerLines += (
          await sql`select id, consultant_id, rule, amount from accrual where source_kind = 'payment' and source_id = any(${ids}::bigint[])`.execute(
            trx,
          )
        ).rows.length;
      }
      await sql`create temp table floor_lines (consultant_id bigint, rule text, amount numeric(14,2), explanation text) on commit drop`.execute(
        trx,
      );
      const rows = Array.from({ length: lines }, (_, i) => ({
        consultant_id: 1 + (i % 1000),
        rule: 'differential.MANAGER',
        amount: '123.45',
        explanation:
          'Донарахування за 2026-01: Структурна комісія (диференціал) з продажу K-000001: платіж 1 234,56 грн',
      }));
      await database.dialect.bulkInsert(trx, 'floor_lines', rows);
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  const secondsTaken = (performance.now() - t) / 1000;
  return {
    seconds: secondsTaken,
    detail: `read ${payments} payments and ${ledgerLines} ledger lines of the reach (${subtree.length} + ${uplines.length} consultants), wrote ${lines} lines`,
  };
}

let rssAtStart = 0;

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
