/**
 * Benchmark of the recalculation of closed periods (issue 5, not a test): a synthetic network on
 * PostgreSQL, seven monthly periods of payments, the first six calculated and closed, then a manual
 * career change (with approval) six closed periods back for a consultant with about 5 000 downline
 * consultants, and `postCorrections` timed: the storno and additional lines it posts in the open
 * seventh period. Prints the setup steps' timings, the correction figure, lines posted, peak RSS.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/recalc.ts
 *       100 000 consultants (chains up to 25 deep), 200 000 policies, 100 000 payments a month
 *   options: --consultants N --policies N --payments N (a month) --downline N (target, 5 000)
 *            --reuse (keep bench_recalc's network, closed periods and ledger from an earlier run;
 *                     the career change and its corrections are rolled back at the end, so a rerun
 *                     measures the same thing)
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
  await sql`analyze`.execute(db);
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
  // measure again on the same closed periods.
  let figure = 0;
  let lines = 0;
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
        `recorded with approval in ${seconds(t)}; requests for ${recorded.requestedPeriods.join(', ')}`,
      );
      rssAtStart = process.memoryUsage().rss;
      peakRss = rssAtStart;
      t = performance.now();
      report = await postCorrections(tx, { postedBy: 'bench', knownAt: new Date() });
      figure = (performance.now() - t) / 1000;
      lines = report.periods.reduce((s, p) => s + p.lines.length, 0);
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const r = report!;
  console.log('');
  console.log(
    `corrections post: ${figure.toFixed(2)} s wall for ${r.periods.length} closed periods, posted in ${r.postedIn}`,
  );
  console.log(
    `lines posted ${lines} (storno ${(r.stornoKop / 100).toFixed(2)} UAH, additional ${(r.additionalKop / 100).toFixed(2)} UAH, net ${(r.netKop / 100).toFixed(2)} UAH), consultants affected ${r.byConsultant.length}, career adjustments ${r.periods.reduce((s, p) => s + p.careerAdjustments.length, 0)}`,
  );
  console.log(
    `peak RSS during the posting ${mb(peakRss)} (at its start ${mb(rssAtStart)}; maxRSS of the process ${mb(process.resourceUsage().maxRSS * 1024)})`,
  );
  console.log('where the time goes (ms):', r.timings);
  await database.close();
}
let rssAtStart = 0;

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
