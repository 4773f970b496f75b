/**
 * Benchmark of the management reports (not a test): `npm run bench:reports`.
 *
 * On PostgreSQL (DATABASE_URL) it builds a database of its own, `bench_reports` (dropped and made
 * again each run), with the synthetic network of the other benchmarks (bench/synthetic-network.ts)
 * loaded by COPY: 100,000 consultants in 50 units under one head unit, 2,000,000 policies issued over
 * the twelve months 2025-04..2026-03, a quarterly payment calendar, three premium payments per policy,
 * one ledger line per policy in a posted run per month, a commission statement line per policy, and
 * exchange messages and mismatches. Then each management report over the twelve months, for the
 * whole network and for one unit, prints its time beside the floor: a bare aggregate SQL over the
 * same rows (what the database needs at least to read them). The bar is 2 s per report.
 *
 * The load goes around the writers (COPY), so it leaves no stale marks: the reports' summary
 * (back-office/reports/summary.ts) of the twelve periods is built after it, as a first report
 * would, and that build's time is printed apart. Sales and collections then read the summary;
 * each also runs once from the detail (the summary's rebuild reads the same), printed below.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:reports -- --scale 0.1
 *   options: --scale F (1 = the full size), --reuse (keep bench_reports from an earlier run), --keep
 */
import { sql } from 'kysely';
import {
  managementReport,
  MANAGEMENT_REPORTS,
  readReportsFromDetail,
  rebuildReportSummary,
} from '../back-office/reports';
import { type Database, migrate, OPEN_END, openDatabase, STILL_KNOWN } from '../src/db';
import { seedSyntheticIntermediary, syntheticNetwork } from './synthetic-network';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name}: a positive number, not ${args[i + 1]}`);
  return value;
};
const scale = option('scale', 1);
const CONSULTANTS = Math.max(100, Math.round(100_000 * scale));
const POLICIES = Math.max(1000, Math.round(2_000_000 * scale));
const UNITS = Math.max(5, Math.round(CONSULTANTS / 2000));
const MESSAGES = Math.max(100, Math.round(50_000 * scale));
const DB_NAME = 'bench_reports';
const BAR_MS = 2000;
const MONTHS = Array.from({ length: 12 }, (_, i) => {
  const d = new Date(Date.UTC(2025, 3 + i, 1));
  return d.toISOString().slice(0, 7);
});
const FILTERS = { from: '2025-04', to: '2026-03', asOf: '2026-03-31' };

const started = performance.now();
const say = (line: string) =>
  console.log(`${((performance.now() - started) / 1000).toFixed(1).padStart(7)} s  ${line}`);

function databaseUrl(name: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

function* mapped<T>(n: number, row: (i: number) => T): Generator<T> {
  for (let i = 0; i < n; i++) yield row(i);
}

async function openBenchDatabase(): Promise<{ database: Database; fresh: boolean }> {
  const admin = await openDatabase({ engine: 'postgres', url: process.env.DATABASE_URL! }, { poolSize: 1 });
  const exists = (
    await sql<{ n: number }>`select count(*)::int as n from pg_database where datname = ${DB_NAME}`.execute(
      admin.db,
    )
  ).rows[0].n;
  const fresh = !(flag('reuse') && exists);
  if (fresh) {
    await sql`drop database if exists ${sql.id(DB_NAME)} with (force)`.execute(admin.db);
    await sql`create database ${sql.id(DB_NAME)}`.execute(admin.db);
  }
  await admin.close();
  const database = await openDatabase({ engine: 'postgres', url: databaseUrl(DB_NAME) }, { poolSize: 4 });
  await migrate(database.db, database.dialect);
  return { database, fresh };
}

async function seed(database: Database): Promise<void> {
  const db = database.db as any;
  const copy = (table: string, columns: string[], rows: Iterable<Record<string, unknown>>) =>
    database.dialect.bulkInsertEach(db, table, columns, rows);
  const recorded = new Date('2025-01-01T00:00:00Z');
  const network = syntheticNetwork(CONSULTANTS, 25);
  await seedSyntheticIntermediary(
    db,
    { sponsor: new Int32Array(0), depth: new Int32Array(0), level: [] },
    recorded,
  );
  const fact = {
    valid_from: '2025-01-01',
    valid_to: OPEN_END,
    recorded_at: recorded,
    superseded_at: STILL_KNOWN,
    recorded_by: 'bench',
    reason: null,
  };
  const factColumns = Object.keys(fact);
  await copy(
    'unit',
    ['id', 'code', 'name', 'city', 'created_at'],
    mapped(UNITS, (u) => ({
      id: u + 1,
      code: `U-${String(u + 1).padStart(3, '0')}`,
      name: `Unit ${u + 1}`,
      city: 'Kyiv',
      created_at: recorded,
    })),
  );
  await copy(
    'unit_structure',
    ['unit_id', 'parent_unit_id', 'manager_consultant_id', ...factColumns],
    mapped(UNITS, (u) => ({
      unit_id: u + 1,
      parent_unit_id: u === 0 ? null : 1,
      manager_consultant_id: null,
      ...fact,
    })),
  );
  await copy(
    'consultant',
    ['id', 'code', 'full_name', 'legal_form', 'hired_on', 'created_at'],
    mapped(CONSULTANTS, (i) => ({
      id: i + 1,
      code: `K-${String(i + 1).padStart(6, '0')}`,
      full_name: `Консультант ${i + 1}`,
      legal_form: 'individual',
      hired_on: i % 10 === 0 ? `${MONTHS[i % 12]}-05` : '2025-01-01',
      created_at: recorded,
    })),
  );
  await copy(
    'consultant_sponsor',
    ['consultant_id', 'sponsor_id', ...factColumns],
    mapped(CONSULTANTS, (i) => ({
      consultant_id: i + 1,
      sponsor_id: network.sponsor[i] < 0 ? null : network.sponsor[i] + 1,
      ...fact,
    })),
  );
  await copy(
    'consultant_career',
    ['consultant_id', 'level_code', 'source', 'approved_by', 'approved_at', ...factColumns],
    mapped(CONSULTANTS, (i) => ({
      consultant_id: i + 1,
      level_code: network.level[i],
      source: 'initial',
      approved_by: null,
      approved_at: null,
      ...fact,
    })),
  );
  await copy(
    'consultant_unit',
    ['consultant_id', 'unit_id', ...factColumns],
    mapped(CONSULTANTS, (i) => ({ consultant_id: i + 1, unit_id: 1 + (i % UNITS), ...fact })),
  );
  await copy(
    'consultant_activity_status',
    ['consultant_id', 'status', 'source', ...factColumns],
    mapped(CONSULTANTS, (i) => ({
      consultant_id: i + 1,
      status: i % 7 === 0 ? 'inactive' : 'active',
      source: 'initial',
      ...fact,
    })),
  );
  say(`network: ${CONSULTANTS} consultants in ${UNITS} units`);

  const issued = (g: number) => `${MONTHS[g % 12]}-${String(1 + (g % 28)).padStart(2, '0')}`;
  const consultantOf = (g: number) => 1 + Number((BigInt(g) * 7919n) % BigInt(CONSULTANTS));
  await copy(
    'policy',
    ['id', 'insurer_id', 'number', 'product_id', 'created_at'],
    mapped(POLICIES, (i) => ({
      id: i + 1,
      insurer_id: 1,
      number: `B-${String(i + 1).padStart(8, '0')}`,
      product_id: 1 + ((i + 1) % 10),
      created_at: recorded,
    })),
  );
  await copy(
    'policy_version',
    [
      'policy_id',
      'version_no',
      'valid_from',
      'recorded_at',
      'consultant_id',
      'agent_code',
      'policyholder_id',
      'issued_on',
      'cover_start',
      'cover_end',
      'sum_insured',
      'annual_premium',
      'payment_frequency',
      'status',
      'status_date',
    ],
    mapped(POLICIES, (i) => {
      const g = i + 1;
      return {
        policy_id: g,
        version_no: 1,
        valid_from: issued(g),
        recorded_at: recorded,
        consultant_id: consultantOf(g),
        agent_code: 'X',
        policyholder_id: 1,
        issued_on: issued(g),
        cover_start: issued(g),
        cover_end: '2036-01-01',
        sum_insured: '100000.00',
        annual_premium: `${6000 + (g % 100) * 60}.00`,
        payment_frequency: 4,
        status: 'in_force',
        status_date: issued(g),
      };
    }),
  );
  say(`policies: ${POLICIES}`);
  const quarter = (day: string, q: number) => {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + 3 * q);
    return d.toISOString().slice(0, 10);
  };
  await copy(
    'payment_schedule',
    ['policy_id', 'installment_no', 'due_on', 'amount', 'policy_year'],
    mapped(POLICIES * 4, (k) => {
      const g = 1 + Math.floor(k / 4);
      return {
        policy_id: g,
        installment_no: 1 + (k % 4),
        due_on: quarter(issued(g), k % 4),
        amount: `${(6000 + (g % 100) * 60) / 4}.00`,
        policy_year: 1,
      };
    }),
  );
  say(`payment calendar: ${POLICIES * 4} instalments`);
  // Three payments per policy where they fall before 2026-04 (some policies pay less: overdue).
  await copy(
    'premium_payment',
    ['policy_id', 'paid_on', 'amount', 'policy_year', 'external_key', 'recorded_at'],
    mapped(POLICIES * 3, (k) => {
      const g = 1 + Math.floor(k / 3);
      const q = k % 3;
      return {
        policy_id: g,
        paid_on: quarter(issued(g), q),
        amount: g % 9 === 0 && q > 0 ? '0.00' : `${(6000 + (g % 100) * 60) / 4}.00`,
        policy_year: 1,
        external_key: `bench-${k}`,
        recorded_at: recorded,
      };
    }),
  );
  say(`payments: ${POLICIES * 3}`);
  for (const [i, month] of MONTHS.entries()) {
    await db
      .insertInto('plan_version')
      .values({
        plan_code: 'BENCH',
        version: `v${i}`,
        effective_from: month,
        sha256: `x${i}`,
        document: '{}',
        status: 'retired',
        loaded_at: recorded,
      })
      .execute()
      .catch(() => undefined);
    await copy(
      'calculation_run',
      [
        'id',
        'period_code',
        'plan_version_id',
        'plan_code',
        'plan_version',
        'input_fingerprint',
        'known_at',
        'status',
        'line_count',
        'total_amount',
        'missing_inputs',
        'started_at',
        'finished_at',
      ],
      [
        {
          id: i + 1,
          period_code: month,
          plan_version_id: 1,
          plan_code: 'BENCH',
          plan_version: 'v0',
          input_fingerprint: 'bench',
          known_at: recorded,
          status: 'posted',
          line_count: 0,
          total_amount: '0',
          missing_inputs: '[]',
          started_at: recorded,
          finished_at: recorded,
        },
      ],
    );
  }
  const kinds = ['personal', 'personal', 'structural', 'bonus', 'chargeback'];
  await copy(
    'accrual',
    [
      'run_id',
      'line_no',
      'period_code',
      'consultant_id',
      'kind',
      'source_kind',
      'source_id',
      'policy_id',
      'rule',
      'plan_version',
      'base',
      'rate',
      'amount',
      'explanation',
      'created_at',
    ],
    mapped(POLICIES, (i) => {
      const g = i + 1;
      const month = g % 12;
      return {
        run_id: month + 1,
        line_no: g,
        period_code: MONTHS[month],
        consultant_id: consultantOf(g),
        kind: kinds[g % 5],
        source_kind: 'payment',
        source_id: g,
        policy_id: g,
        rule: 'bench',
        plan_version: 'v0',
        base: '1500.00',
        rate: '0.3',
        amount: kinds[g % 5] === 'chargeback' ? '-450.00' : '450.00',
        explanation: 'bench',
        created_at: recorded,
      };
    }),
  );
  await copy(
    'commission_statement_line',
    [
      'insurer_id',
      'statement_month',
      'policy_number',
      'policy_id',
      'paid_on',
      'premium',
      'rate_pct',
      'commission',
      'external_key',
      'recorded_at',
    ],
    mapped(POLICIES, (i) => {
      const g = i + 1;
      return {
        insurer_id: 1,
        statement_month: MONTHS[g % 12],
        policy_number: `B-${String(g).padStart(8, '0')}`,
        policy_id: g,
        paid_on: issued(g),
        premium: '1500.00',
        rate_pct: '40',
        commission: '600.00',
        external_key: `csl-${g}`,
        recorded_at: recorded,
      };
    }),
  );
  say(`ledger and commission statements: ${POLICIES} lines each`);
  await copy(
    'exchange_message',
    [
      'insurer_id',
      'channel',
      'direction',
      'message_type',
      'idempotency_key',
      'sha256',
      'size_bytes',
      'payload',
      'status',
      'attempts',
      'received_at',
    ],
    mapped(MESSAGES, (i) => ({
      insurer_id: 1,
      channel: 'sftp',
      direction: 'inbound',
      message_type: 'payments',
      idempotency_key: `B:${i}`,
      sha256: (i + 1).toString(16).padStart(64, '0'),
      size_bytes: 10,
      payload: Buffer.from('x'),
      status: ['applied', 'applied', 'failed', 'quarantined'][i % 4],
      attempts: 1,
      received_at: new Date(Date.UTC(2025, 3, 1) + i * 600_000),
    })),
  );
  await copy(
    'mismatch',
    ['insurer_id', 'kind', 'policy_number', 'dedupe_key', 'status', 'created_at'],
    mapped(Math.round(MESSAGES / 10), (i) => ({
      insurer_id: 1,
      kind: 'premium_differs',
      policy_number: `B-${i}`,
      dedupe_key: `m-${i}`,
      status: i % 3 === 0 ? 'resolved' : 'open',
      created_at: new Date(Date.UTC(2025, 3, 1) + i * 3_600_000),
    })),
  );
  await sql`analyze`.execute(db);
  say('analyzed');
}

/** The floor of each report: a bare aggregate over the same rows. */
const FLOORS: Record<string, string> = {
  sales: `select count(*), sum(annual_premium) from policy_version where issued_on between '2025-04-01' and '2026-03-31'`,
  network: `select cu.unit_id, count(*) from consultant_unit cu join consultant_career cc on cc.consultant_id = cu.consultant_id group by cu.unit_id`,
  persistency: `select count(*) from policy_version v left join (select policy_id, max(policy_year) y from premium_payment group by policy_id) p on p.policy_id = v.policy_id`,
  remuneration: `select kind, sum(amount) from accrual where period_code between '2025-04' and '2026-03' group by kind`,
  collections: `select sum(amount) from payment_schedule where due_on between '2025-04-01' and '2026-03-31'`,
  exchange: `select status, count(*) from exchange_message group by status`,
};

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const value = await work();
  return [performance.now() - t, value];
}

async function main(): Promise<void> {
  if (!/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? ''))
    throw new Error('set DATABASE_URL=postgres://… (the benchmark builds its own database on that server)');
  const { database, fresh } = await openBenchDatabase();
  try {
    if (fresh) await seed(database);
    const [build] = await timed(() => rebuildReportSummary(database, MONTHS, FILTERS.asOf));
    say(`the reports' summary of ${MONTHS.length} periods built in ${build.toFixed(0)} ms`);
    const unit = 'U-002';
    console.log(
      `\nscale ${scale}: ${CONSULTANTS} consultants, ${POLICIES} policies; bar ${BAR_MS} ms per report\n`,
    );
    console.log('report          whole network   unit ' + unit.padEnd(9) + ' floor (bare SQL)   rows');
    const misses: string[] = [];
    for (const name of MANAGEMENT_REPORTS) {
      const [whole, report] = await timed(() => managementReport(database, name, FILTERS));
      const [part] = await timed(() => managementReport(database, name, { ...FILTERS, unit }));
      const [floor] = await timed(() => sql.raw(FLOORS[name]).execute(database.db));
      console.log(
        `${name.padEnd(15)} ${`${whole.toFixed(0)} ms`.padStart(13)}   ${`${part.toFixed(0)} ms`.padStart(14)} ${`${floor.toFixed(0)} ms`.padStart(17)}   ${report.rows.length}`,
      );
      if (whole > BAR_MS || part > BAR_MS) misses.push(`${name}: ${Math.max(whole, part).toFixed(0)} ms`);
    }
    console.log(misses.length ? `\nover the bar: ${misses.join('; ')}` : '\nevery report within the bar');
    readReportsFromDetail(true);
    for (const name of ['sales', 'collections']) {
      const [whole] = await timed(() => managementReport(database, name, FILTERS));
      console.log(`${name} from the detail (no summary): ${whole.toFixed(0)} ms for the whole network`);
    }
    readReportsFromDetail(false);
  } finally {
    await database.close();
    if (!flag('keep')) {
      const admin = await openDatabase(
        { engine: 'postgres', url: process.env.DATABASE_URL! },
        { poolSize: 1 },
      );
      await sql`drop database if exists ${sql.id(DB_NAME)} with (force)`.execute(admin.db);
      await admin.close();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
