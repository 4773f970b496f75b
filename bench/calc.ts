/**
 * Benchmark of the period calculation (not a test): a synthetic network, policies and one month of
 * payments, then `calculatePeriod` with the default plan, posting the ledger. Prints wall time, peak
 * RSS and where the time goes.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/calc.ts
 *       100 000 consultants (chains up to 25 deep), 2 000 000 policies, 1 000 000 payments
 *   npx tsx bench/calc.ts --pglite
 *       the same on embedded PGlite with 10 000 consultants (200 000 policies, 100 000 payments)
 *   options: --consultants N --policies N --payments N --preview (do not write the ledger)
 *            --reuse (PostgreSQL: keep bench_calc's data from an earlier run instead of seeding again)
 *
 * On PostgreSQL it works in a schema of its own (bench_calc), dropped and created again each run.
 */
import { sql } from 'kysely';
import { calculatePeriod } from '../back-office/compensation';
import { type Database, migrate, openDatabase, OPEN_END, STILL_KNOWN } from '../src/db';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const pglite = flag('pglite') || !/^postgres/.test(process.env.DATABASE_URL ?? '');
const consultants = option('consultants', pglite ? 10_000 : 100_000);
const policies = option('policies', consultants * 20);
const payments = option('payments', consultants * 10);
const MAX_DEPTH = 25;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const started = performance.now();
const stamp = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

/** A deterministic pseudo-random sequence, so every run builds the same network. */
function* random(seed: number): Generator<number> {
  let x = seed >>> 0;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield (x >>> 0) / 4294967296;
  }
}

async function open(): Promise<Database> {
  if (pglite) {
    const database = await openDatabase({ engine: 'pglite', dataDir: null });
    await migrate(database.db, database.dialect);
    return database;
  }
  const url = process.env.DATABASE_URL!;
  const admin = await openDatabase({ engine: 'postgres', url }, { poolSize: 1 });
  if (!flag('reuse')) await sql`drop schema if exists bench_calc cascade`.execute(admin.db);
  await sql`create schema if not exists bench_calc`.execute(admin.db);
  await admin.close();
  const database = await openDatabase({ engine: 'postgres', url }, { searchPath: 'bench_calc', poolSize: 4 });
  await migrate(database.db, database.dialect);
  return database;
}

async function seed(database: Database): Promise<void> {
  const db = database.db as any;
  const recorded = new Date('2026-01-01T00:00:00Z');
  await db
    .insertInto('insurer')
    .values({ code: 'BENCH', name: 'Bench insurer', created_at: recorded })
    .execute();
  const products: [string, string][] = [
    ['DL-SAV10', 'savings'],
    ['DL-SAV20', 'savings'],
    ['DL-RISK1', 'term_life'],
    ['KASKO-STD', 'motor'],
    ['KASKO-PRM', 'motor'],
    ['PROP-HOME', 'property'],
    ['ACC-FAM', 'accident'],
    ['TRV-EU', 'travel'],
    ['ACC-IND', 'accident'],
    ['OSCPV', 'mtpl'],
  ];
  for (const [code, group] of products) {
    await db
      .insertInto('product')
      .values({ insurer_id: 1, code, name: code, product_group: group })
      .execute();
  }
  await db
    .insertInto('person')
    .values({ person_kind: 'individual', full_name: 'Bench holder', created_at: recorded })
    .execute();

  // The network: half the recruits hang under the previous consultant (deep chains), the rest anywhere.
  const rnd = random(42);
  const depth = new Int32Array(consultants);
  const sponsor = new Int32Array(consultants).fill(-1);
  for (let i = 1; i < consultants; i++) {
    let s = rnd.next().value < 0.5 ? i - 1 : Math.floor(rnd.next().value * i);
    while (depth[s] >= MAX_DEPTH - 1) s = Math.floor(rnd.next().value * i);
    sponsor[i] = s;
    depth[i] = depth[s] + 1;
  }
  const levels = ['CONSULTANT', 'SENIOR_CONSULTANT', 'MANAGER', 'SENIOR_MANAGER', 'DIRECTOR'];
  const levelOf = () => {
    const r = rnd.next().value;
    return levels[r < 0.6 ? 0 : r < 0.8 ? 1 : r < 0.9 ? 2 : r < 0.97 ? 3 : 4];
  };
  const fact = {
    valid_from: '2025-01-01',
    valid_to: OPEN_END,
    recorded_at: recorded,
    superseded_at: STILL_KNOWN,
    recorded_by: 'bench',
    reason: null,
  };
  const BATCH = 5000;
  for (let from = 0; from < consultants; from += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, consultants - from) }, (_, k) => from + k);
    await db
      .insertInto('consultant')
      .values(
        ids.map((i) => ({
          id: i + 1,
          code: `K-${String(i + 1).padStart(6, '0')}`,
          full_name: `Консультант ${i + 1}`,
          legal_form: 'individual',
          hired_on: '2025-01-01',
          created_at: recorded,
        })),
      )
      .execute();
  }
  for (let from = 0; from < consultants; from += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, consultants - from) }, (_, k) => from + k);
    await db
      .insertInto('consultant_sponsor')
      .values(
        ids.map((i) => ({
          consultant_id: i + 1,
          sponsor_id: sponsor[i] < 0 ? null : sponsor[i] + 1,
          ...fact,
        })),
      )
      .execute();
    await db
      .insertInto('consultant_career')
      .values(
        ids.map((i) => ({
          consultant_id: i + 1,
          level_code: i === 0 ? 'DIRECTOR' : levelOf(),
          source: 'initial',
          approved_by: null,
          approved_at: null,
          ...fact,
        })),
      )
      .execute();
  }
  console.log(`${stamp()}  network: ${consultants} consultants, deepest chain ${Math.max(...depth) + 1}`);

  // Policies, versions and payments are generated by the database itself (generate_series).
  await sql`insert into policy (insurer_id, number, product_id, created_at)
    select 1, 'B-' || g, 1 + (g % 10), ${recorded} from generate_series(1, ${policies}::int) g`.execute(db);
  await sql`insert into policy_version (policy_id, version_no, valid_from, recorded_at, consultant_id, agent_code, policyholder_id,
      issued_on, cover_start, cover_end, sum_insured, annual_premium, payment_frequency, status, status_date)
    select g, 1, d, ${recorded}, case when g % 5001 = 0 then null else 1 + ((g::bigint * 7919) % ${consultants}::int) end, 'X', 1,
      d, d, date '2036-01-01', 100000, 12000, 12, 'in_force', d
    from (select g, case when g % 5 = 0 then date '2026-03-02' else date '2025-06-01' end as d from generate_series(1, ${policies}::int) g) s`.execute(
    db,
  );
  // About 1 % of the paid policies lapse in the month (chargebacks look for what they earned).
  await sql`insert into policy_version (policy_id, version_no, valid_from, recorded_at, consultant_id, agent_code, policyholder_id,
      issued_on, cover_start, cover_end, sum_insured, annual_premium, payment_frequency, status, status_date)
    select policy_id, 2, date '2026-03-25', ${recorded}, consultant_id, agent_code, policyholder_id, issued_on, cover_start, cover_end,
      sum_insured, annual_premium, payment_frequency, 'terminated', date '2026-03-25'
    from policy_version where policy_id % 200 = 7`.execute(db);
  console.log(`${stamp()}  policies: ${policies}`);
  await sql`insert into premium_payment (policy_id, paid_on, amount, policy_year, external_key, recorded_at)
    select 1 + ((g::bigint * 2) % ${policies}::int), date '2026-03-01' + (g % 28), ((200 + (g::bigint * 37) % 20000) || '.' || lpad((g % 100)::text, 2, '0'))::numeric,
      case when ((g::bigint * 2) % ${policies}::int + 1) % 5 = 0 then 1 else 2 end, 'bench-' || g, ${recorded}
    from generate_series(1, ${payments}::int) g`.execute(db);
  await sql`analyze`.execute(db);
  console.log(`${stamp()}  payments: ${payments} in 2026-03`);
}

async function main(): Promise<void> {
  console.log(
    `engine ${pglite ? 'pglite' : 'postgres'}: ${consultants} consultants, ${policies} policies, ${payments} payments`,
  );
  const database = await open();
  const seededAlready =
    flag('reuse') &&
    Number((await sql<{ n: number }>`select count(*) as n from policy`.execute(database.db)).rows[0].n) > 0;
  if (seededAlready) console.log('reusing the data seeded by an earlier run (--reuse)');
  else await seed(database);
  const seeded = performance.now();
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  let lastStage = '';
  const result = await calculatePeriod(database, '2026-03', {
    knownAt: new Date('2026-06-01T00:00:00Z'),
    preview: flag('preview'),
    createdBy: 'bench',
    onProgress: (stage, n) => {
      if (stage !== lastStage) console.log(`${stamp()}  ${stage} …`);
      lastStage = stage;
      void n;
    },
  });
  const wall = (performance.now() - seeded) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.log('');
  console.log(
    `calculation of 2026-03: ${wall.toFixed(1)} s wall, peak RSS ${mb(peakRss)} (maxRSS of the process incl. seeding: ${mb(process.resourceUsage().maxRSS * 1024)})`,
  );
  console.log(
    `lines ${result.lineCount}, total ${(result.totalKop / 100).toFixed(2)} UAH, missing inputs ${result.missing.length}, career decisions ${result.careerDecisions.length}`,
  );
  console.log('where the time goes (ms):', result.timings);
  await database.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
