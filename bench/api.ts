/**
 * Benchmark of the API's main reads under load (not a test): `npm run bench:api`.
 *
 * On PostgreSQL (DATABASE_URL) it builds a database of its own, `bench_api` on the same server
 * (dropped and made again each run; the tests' `test` database is not touched), with the synthetic
 * network of the calculation benchmark (bench/synthetic-network.ts) loaded by COPY: 100,000
 * consultants in 25 deep sponsor chains across units, 1,000,000 policies, 200,000 premium payments in
 * 2026-03, 100,000 stored exchange messages; then it calculates 2026-03 with the product's own
 * calculation (posting the ledger), adds three users (back office, integration, and a consultant with
 * a sizeable downline), starts the real server (`ecspert serve`) on a free loopback port, signs in
 * through /api/auth/login, and drives a fixed number of concurrent clients against:
 *
 *   policies by consultant   GET /api/policies?consultant=K-…
 *   downline                 GET /api/consultants/K-…/downline
 *   accruals of a period     GET /api/periods/2026-03/accruals?consultantId=…&limit=50 (the consultant: own lines)
 *   messages                 GET /api/exchange/messages
 *   consultant card          GET /api/consultants/K-…
 *
 * per role, printing p50, p99, requests/s, the serving process's CPU time per request, and errors
 * (non-2xx answers by status, and failures), and
 * beside each the floor: the same page by bare indexed SQL through a bare fastify route
 * (bench/api-floor.ts, its own process). The bar is p99 ≤ 100 ms.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:api
 *   DATABASE_URL=postgres://… npm run bench:api -- --scale 0.01     10,000 policies, 1,000 consultants: about a minute
 *   npm run bench:api -- --scale 0.01                (DATABASE_URL unset) the embedded default, PGlite
 *
 * On the embedded database (DATABASE_URL unset) the data goes into a PGlite folder of its own
 * ($TMPDIR/ecspert-bench-api/db, removed at the end unless --keep), `ecspert serve` opens it as
 * `npm start` does, and the floor (the same bare SQL on PGlite) is measured after the server has
 * stopped: an embedded database belongs to one process.
 *   options: --scale F (1 = the full size), --clients N (50), --seconds S per measurement (10; 3 below
 *            scale 0.1), --reuse (keep bench_api from an earlier run, apply new migrations, skip seeding),
 *            --keep (leave bench_api in place at the end; it is dropped otherwise)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Pool } from 'undici';
import { calculatePeriod } from '../back-office/compensation';
import { createUser } from '../src/auth';
import { type Database, migrate, OPEN_END, openDatabase, STILL_KNOWN } from '../src/db';
import { freePort } from '../test/support/private-postgres';
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
const POLICIES = Math.max(1000, Math.round(1_000_000 * scale));
const PAYMENTS = Math.round(POLICIES / 5);
const MESSAGES = Math.max(100, Math.round(100_000 * scale));
const UNITS = Math.max(5, Math.round(CONSULTANTS / 2000));
const CLIENTS = option('clients', 50);
const SECONDS = option('seconds', scale < 0.1 ? 3 : 10);
const WARM_UP_SECONDS = Math.min(2, SECONDS / 3);
const PERIOD = '2026-03';
const DB_NAME = 'bench_api';
const PASSWORD = 'bench-password-0123';
const BAR_MS = 100;
const ROOT = path.resolve(__dirname, '..');
/** The embedded default (PGlite) when DATABASE_URL does not name a PostgreSQL. */
const EMBEDDED = !/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
const EMBEDDED_DIR = path.join(os.tmpdir(), 'ecspert-bench-api');
const engineName = EMBEDDED ? 'embedded PGlite' : 'PostgreSQL';

const started = performance.now();
const stamp = () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`;
const say = (line: string) => console.log(`${stamp()}  ${line}`);

function databaseUrl(name: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

// ---------------------------------------------------------------- data

async function openBenchDatabase(): Promise<{ database: Database; fresh: boolean }> {
  if (EMBEDDED) {
    const dataDir = path.join(EMBEDDED_DIR, 'db');
    const fresh = !(flag('reuse') && fs.existsSync(dataDir));
    if (fresh) fs.rmSync(EMBEDDED_DIR, { recursive: true, force: true });
    fs.mkdirSync(EMBEDDED_DIR, { recursive: true });
    const database = await openDatabase({ engine: 'pglite', dataDir });
    const report = await migrate(database.db, database.dialect);
    if (report.applied.length) say(`migrations applied: ${report.applied.join(', ')}`);
    return { database, fresh };
  }
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
  const report = await migrate(database.db, database.dialect);
  if (report.applied.length) say(`migrations applied: ${report.applied.join(', ')}`);
  return { database, fresh };
}

async function dropBenchDatabase(): Promise<void> {
  if (EMBEDDED) {
    fs.rmSync(EMBEDDED_DIR, { recursive: true, force: true });
    return;
  }
  const admin = await openDatabase({ engine: 'postgres', url: process.env.DATABASE_URL! }, { poolSize: 1 });
  await sql`drop database if exists ${sql.id(DB_NAME)} with (force)`.execute(admin.db);
  await admin.close();
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}
function* mapped<T>(n: number, row: (i: number) => T): Generator<T> {
  for (const i of range(n)) yield row(i);
}

/** The synthetic intermediary, every large table loaded by COPY (the dialect's bulkInsertEach). */
async function seed(database: Database): Promise<void> {
  const db = database.db as any;
  const copy = (table: string, columns: string[], rows: Iterable<Record<string, unknown>>) =>
    database.dialect.bulkInsertEach(db, table, columns, rows);
  const recorded = new Date('2025-01-01T00:00:00Z');
  const network = syntheticNetwork(CONSULTANTS, 25);
  // The insurer, its ten products and the policyholder of the calculation benchmark (its network
  // part gets no consultants here: they go in by COPY below).
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
      hired_on: '2025-01-01',
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
    mapped(CONSULTANTS, (i) => ({ consultant_id: i + 1, status: 'active', source: 'initial', ...fact })),
  );
  for (const table of ['unit', 'consultant'])
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(
      db,
    );
  say(
    `network: ${CONSULTANTS} consultants in ${UNITS} units, deepest chain ${Math.max(...network.depth) + 1}`,
  );

  // Policies as in bench/calc.ts: each consultant ~10, a fifth sold in the period, 1 % lapsing in it.
  const issued = (g: number) => (g % 5 === 0 ? '2026-03-02' : '2025-06-01');
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
  const versionColumns = [
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
  ];
  const version = (g: number, no: number, day: string, status: string) => ({
    policy_id: g,
    version_no: no,
    valid_from: day,
    recorded_at: recorded,
    consultant_id: g % 5001 === 0 ? null : 1 + Number((BigInt(g) * 7919n) % BigInt(CONSULTANTS)),
    agent_code: 'X',
    policyholder_id: 1,
    issued_on: issued(g),
    cover_start: issued(g),
    cover_end: '2036-01-01',
    sum_insured: '100000.00',
    annual_premium: '12000.00',
    payment_frequency: 12,
    status,
    status_date: no === 1 ? issued(g) : day,
  });
  await copy(
    'policy_version',
    versionColumns,
    mapped(POLICIES, (i) => version(i + 1, 1, issued(i + 1), 'in_force')),
  );
  await copy(
    'policy_version',
    versionColumns,
    mapped(Math.floor(POLICIES / 200), (k) => version(k * 200 + 7, 2, '2026-03-25', 'terminated')),
  );
  for (const table of ['policy'])
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(
      db,
    );
  say(`policies: ${POLICIES}`);
  await copy(
    'premium_payment',
    ['policy_id', 'paid_on', 'amount', 'policy_year', 'external_key', 'recorded_at'],
    mapped(PAYMENTS, (k) => {
      const g = k + 1;
      const policy = 1 + ((g * 2) % POLICIES);
      return {
        policy_id: policy,
        paid_on: `2026-03-${String(1 + (g % 28)).padStart(2, '0')}`,
        amount: `${200 + ((g * 37) % 20000)}.${String(g % 100).padStart(2, '0')}`,
        policy_year: policy % 5 === 0 ? 1 : 2,
        external_key: `bench-${g}`,
        recorded_at: recorded,
      };
    }),
  );
  say(`payments: ${PAYMENTS} in ${PERIOD}`);
  const payload = Buffer.from('contract_no;agent;premium\n'.repeat(12));
  const types = ['contracts', 'payments', 'commissions', 'register', 'ack'];
  const statuses = ['applied', 'applied', 'applied', 'quarantined', 'sent'];
  await copy(
    'exchange_message',
    [
      'insurer_id',
      'channel',
      'direction',
      'message_type',
      'external_name',
      'external_id',
      'idempotency_key',
      'sha256',
      'size_bytes',
      'content_type',
      'payload',
      'status',
      'status_reason',
      'replay_of_id',
      'attempts',
      'received_at',
      'processed_at',
    ],
    mapped(MESSAGES, (i) => {
      const at = new Date(Date.UTC(2025, 0, 1) + i * 60_000);
      const hash = (i + 1).toString(16).padStart(64, '0');
      return {
        insurer_id: 1,
        channel: 'sftp',
        direction: i % 5 === 4 ? 'outbound' : 'inbound',
        message_type: types[i % 5],
        external_name: `/out/${types[i % 5]}_${i + 1}.csv`,
        external_id: `/out/${types[i % 5]}_${i + 1}.csv`,
        idempotency_key: `BENCH:sftp:${hash}`,
        sha256: hash,
        size_bytes: payload.length,
        content_type: 'text/csv',
        payload,
        status: statuses[i % 5],
        status_reason: null,
        replay_of_id: null,
        attempts: 1,
        received_at: at,
        processed_at: at,
      };
    }),
  );
  say(`exchange messages: ${MESSAGES}`);
  // As autovacuum leaves a live database: statistics, and visibility maps that let counts read an index only.
  await sql`vacuum analyze`.execute(db);

  const t = performance.now();
  const result = await calculatePeriod(database, PERIOD, {
    knownAt: new Date('2026-06-01T00:00:00Z'),
    createdBy: 'bench',
  });
  say(
    `calculated ${PERIOD} with the product's calculation: ${result.lineCount} ledger lines in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  await sql`vacuum analyze`.execute(db);
}

/** Downline sizes from the synthetic tree (every sponsor comes before its recruits). */
function downlineSizes(): Int32Array {
  const { sponsor } = syntheticNetwork(CONSULTANTS, 25);
  const size = new Int32Array(CONSULTANTS);
  for (let i = CONSULTANTS - 1; i > 0; i--) size[sponsor[i]] += size[i] + 1;
  return size;
}

interface Subjects {
  /** Consultants the back office looks at in turn: downlines of a few hundred to a few thousand. */
  codes: string[];
  ids: number[];
  /** The consultant the consultant login belongs to. */
  own: { code: string; id: number; downline: number };
}

function pickSubjects(): Subjects {
  const size = downlineSizes();
  const low = Math.max(5, Math.round(200 * scale));
  const high = Math.max(50, Math.round(2000 * scale));
  const target = Math.max(20, Math.round(1000 * scale));
  const picked: number[] = [];
  let own = 1;
  for (let i = 1; i < CONSULTANTS; i++) {
    if (size[i] >= low && size[i] <= high && picked.length < 64) picked.push(i);
    if (Math.abs(size[i] - target) < Math.abs(size[own] - target)) own = i;
  }
  const code = (i: number) => `K-${String(i + 1).padStart(6, '0')}`;
  return {
    codes: picked.map(code),
    ids: picked.map((i) => i + 1),
    own: { code: code(own), id: own + 1, downline: size[own] },
  };
}

// ---------------------------------------------------------------- processes

function startProcess(name: string, argv: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', out, out] });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${signal ?? code}); its output: ${logFile}`);
  });
  return child;
}
let stopping = false;

async function waitForHttp(url: string, child: ChildProcess, seconds = 120): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      const answer = await fetch(url);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

async function signIn(origin: string, login: string): Promise<string> {
  const answer = await fetch(`${origin}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: PASSWORD }),
  });
  if (!answer.ok) throw new Error(`login ${login}: ${answer.status} ${await answer.text()}`);
  const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('ecspert_session='));
  if (!cookie) throw new Error(`login ${login}: no ecspert_session cookie in the answer`);
  return cookie.split(';')[0];
}

// ---------------------------------------------------------------- load

interface Measurement {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  statuses: Map<number, number>;
  failures: number;
  firstFailure?: string;
  /** CPU time (user + system) the serving process spent per counted request, whatever the machine's load. */
  cpuMsPerRequest: number;
}

/** A process's CPU time so far in ms, from /proc (Linux; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** CLIENTS loops, each sending its next request when the last answer has been read in full. */
async function drive(
  origin: string,
  paths: () => string,
  headers: Record<string, string>,
  pid: number | undefined,
): Promise<Measurement> {
  const pool = new Pool(origin, { connections: CLIENTS, pipelining: 1 });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let failures = 0;
  let firstFailure: string | undefined;
  const begin = performance.now();
  const warmEnd = begin + WARM_UP_SECONDS * 1000;
  const end = warmEnd + SECONDS * 1000;
  let cpuAtWarmEnd = NaN;
  const cpuMark = setTimeout(() => (cpuAtWarmEnd = cpuMs(pid)), WARM_UP_SECONDS * 1000);
  const client = async () => {
    for (;;) {
      const sent = performance.now();
      if (sent >= end) return;
      const counted = sent >= warmEnd;
      try {
        const answer = await pool.request({ path: paths(), method: 'GET', headers });
        await answer.body.text();
        if (!counted) continue;
        latencies.push(performance.now() - sent);
        statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
      } catch (error) {
        if (!counted) continue;
        failures++;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const cpuUsed = cpuMs(pid) - cpuAtWarmEnd;
  clearTimeout(cpuMark);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN;
  return {
    requests: latencies.length,
    seconds: (performance.now() - warmEnd) / 1000,
    p50: at(0.5),
    p99: at(0.99),
    statuses,
    failures,
    firstFailure,
    cpuMsPerRequest: cpuUsed / Math.max(1, latencies.length + failures),
  };
}

const cyclic = <T>(items: T[]) => {
  let i = 0;
  return () => items[i++ % items.length];
};

interface Row {
  endpoint: string;
  who: string;
  m: Measurement;
}

function errorsOf(m: Measurement): string {
  const parts = [...m.statuses].filter(([s]) => s >= 300).map(([s, n]) => `${n}×${s}`);
  if (m.failures) parts.push(`${m.failures} failed (${m.firstFailure})`);
  return parts.join(', ') || '0';
}

function print(rows: Row[]): void {
  const head = ['endpoint', 'as', 'p50 ms', 'p99 ms', 'req/s', 'CPU ms/req', 'errors', 'bar'];
  const lines = rows.map(({ endpoint, who, m }) => {
    const ok = [...m.statuses].filter(([s]) => s < 300).reduce((n, [, k]) => n + k, 0);
    const bar = ok === 0 ? 'n/a' : m.p99 <= BAR_MS ? 'ok' : 'MISSED';
    return [
      endpoint,
      who,
      m.p50.toFixed(1),
      m.p99.toFixed(1),
      (m.requests / m.seconds).toFixed(0),
      m.cpuMsPerRequest.toFixed(2),
      errorsOf(m),
      who === 'floor' ? '' : bar,
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const format = (cells: string[]) =>
    cells.map((cell, c) => (c >= 2 && c <= 5 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  console.log(format(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(format(l));
}

// ---------------------------------------------------------------- main

const loadAverage = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;

async function main(): Promise<void> {
  if (process.env.DATABASE_URL && EMBEDDED && !process.env.DATABASE_URL.startsWith('pglite:'))
    throw new Error(
      'DATABASE_URL must point at PostgreSQL (postgres://…), or be unset for the embedded database: the benchmark makes its own database there',
    );
  console.log(
    `bench:api on ${engineName}, database ${EMBEDDED ? EMBEDDED_DIR : DB_NAME}: ${CONSULTANTS} consultants, ${POLICIES} policies, ${PAYMENTS} payments, ${MESSAGES} messages; ` +
      `${CLIENTS} clients, ${SECONDS} s per measurement after ${WARM_UP_SECONDS} s warm-up; ${os.cpus().length} cores, ${loadAverage()}`,
  );
  const { database, fresh } = await openBenchDatabase();
  const subjects = pickSubjects();
  if (fresh) {
    await seed(database);
    for (const [login, role, consultantCode] of [
      ['bench-office', 'back_office', undefined],
      ['bench-integration', 'integration', undefined],
      ['bench-consultant', 'consultant', subjects.own.code],
    ] as const)
      await createUser(database, { login, role, consultantCode, password: PASSWORD }, 'bench');
  } else say('reusing the data of an earlier run (--reuse)');
  await database.close();
  say(
    `the consultant login belongs to ${subjects.own.code} (downline ${subjects.own.downline}); the back office reads ${subjects.codes.length} consultants with downlines of ${Math.max(5, Math.round(200 * scale))}–${Math.max(50, Math.round(2000 * scale))} in turn`,
  );

  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  const [apiPort, floorPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: EMBEDDED ? `pglite:${path.join(EMBEDDED_DIR, 'db')}` : databaseUrl(DB_NAME),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ECSPERT_DATA_DIR: EMBEDDED ? EMBEDDED_DIR : logDir,
    NODE_OPTIONS: '',
  };
  delete env.REDIS_URL; // jobs in-process: the reads measured here do not touch the queue
  const api = startProcess(
    'the API server',
    ['bin/ecspert.js', 'serve', '--no-schedules'],
    { ...env, PORT: String(apiPort) },
    path.join(logDir, 'api.log'),
  );
  // The floor beside the server on PostgreSQL; on the embedded database, after it has stopped.
  const startFloor = () =>
    startProcess(
      'the floor server',
      ['--import', 'tsx', 'bench/api-floor.ts'],
      { ...env, PORT: String(floorPort) },
      path.join(logDir, 'floor.log'),
    );
  let floor: ChildProcess | null = EMBEDDED ? null : startFloor();
  const stop = () => {
    stopping = true;
    api.kill('SIGTERM');
    floor?.kill('SIGTERM');
  };
  process.on('SIGINT', () => {
    stop();
    process.exit(130);
  });
  try {
    const apiOrigin = `http://127.0.0.1:${apiPort}`;
    const floorOrigin = `http://127.0.0.1:${floorPort}`;
    await Promise.all([
      waitForHttp(`${apiOrigin}/health`, api),
      floor && waitForHttp(`${floorOrigin}/floor/messages`, floor),
    ]);
    say(
      `API server (ecspert serve) at ${apiOrigin}, floor at ${floorOrigin}${floor ? '' : ' once the server has stopped'}; logs in ${logDir}`,
    );
    const roles = {
      'back office': { cookie: await signIn(apiOrigin, 'bench-office') },
      consultant: { cookie: await signIn(apiOrigin, 'bench-consultant') },
      integration: { cookie: await signIn(apiOrigin, 'bench-integration') },
    };
    const own = subjects.own;
    const code = cyclic(subjects.codes);
    const id = cyclic(subjects.ids);
    const endpoints: {
      name: string;
      api: Partial<Record<keyof typeof roles, () => string>>;
      floor: () => string;
    }[] = [
      {
        name: 'policies by consultant',
        api: {
          'back office': () => `/api/policies?consultant=${code()}`,
          consultant: () => `/api/policies?consultant=${own.code}`,
        },
        floor: () => `/floor/policies?consultant=${code()}`,
      },
      {
        name: 'downline',
        api: {
          'back office': () => `/api/consultants/${code()}/downline`,
          consultant: () => `/api/consultants/${own.code}/downline`,
        },
        floor: () => `/floor/downline?consultant=${code()}`,
      },
      {
        name: `accruals of ${PERIOD}`,
        api: {
          'back office': () => `/api/periods/${PERIOD}/accruals?consultantId=${id()}&limit=50`,
          consultant: () => `/api/periods/${PERIOD}/accruals?limit=50`,
        },
        floor: () => `/floor/accruals?period=${PERIOD}&consultantId=${id()}`,
      },
      {
        name: 'messages',
        api: {
          'back office': () => '/api/exchange/messages',
          consultant: () => '/api/exchange/messages',
          integration: () => '/api/exchange/messages',
        },
        floor: () => '/floor/messages',
      },
      {
        name: 'consultant card',
        api: {
          'back office': () => `/api/consultants/${code()}`,
          consultant: () => `/api/consultants/${own.code}`,
        },
        floor: () => `/floor/card?consultant=${code()}`,
      },
    ];
    const measured = new Map<string, Row[]>(endpoints.map((e) => [e.name, []]));
    const measureFloor = async (endpoint: (typeof endpoints)[number], server: ChildProcess) => {
      const m = await drive(floorOrigin, endpoint.floor, {}, server.pid);
      measured.get(endpoint.name)!.push({ endpoint: endpoint.name, who: 'floor', m });
      say(`${endpoint.name} floor: p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms`);
    };
    for (const endpoint of endpoints) {
      for (const [who, paths] of Object.entries(endpoint.api)) {
        const m = await drive(apiOrigin, paths, { cookie: roles[who as keyof typeof roles].cookie }, api.pid);
        measured.get(endpoint.name)!.push({ endpoint: endpoint.name, who, m });
        say(
          `${endpoint.name} as ${who}: p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, errors ${errorsOf(m)}`,
        );
      }
      if (floor) await measureFloor(endpoint, floor);
    }
    if (!floor) {
      // The embedded database belongs to one process: the server lets it go before the floor opens it.
      const exited = new Promise((resolve) => api.once('exit', resolve));
      stopping = true; // this exit is asked for
      api.kill('SIGTERM');
      await exited;
      floor = startFloor();
      await waitForHttp(`${floorOrigin}/floor/messages`, floor);
      for (const endpoint of endpoints) await measureFloor(endpoint, floor);
    }
    console.log('');
    print([...measured.values()].flat());
    console.log(
      `\n${loadAverage()} at the end (the client, the API server, the floor${EMBEDDED ? '' : ' and PostgreSQL'} share these cores)`,
    );
    console.log(
      `\nbar: p99 ≤ ${BAR_MS} ms. 'floor' is the same page by bare SQL through a bare fastify route (no login, no validation). ` +
        `Errors are answers other than 2xx by status (403: the role may not read it) and requests that failed. ` +
        `CPU ms/req is the serving process's own CPU time per request (the API server's or the floor's, not PostgreSQL's): ` +
        `unlike the latencies it does not grow with the machine's load.`,
    );
  } finally {
    stop();
    if (!flag('keep')) {
      await new Promise((r) => setTimeout(r, 1000));
      await dropBenchDatabase();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
