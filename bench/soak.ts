/**
 * Soak of issue 9 (not a test; `npm run soak -- [--duration 120] [--seed N] [--workers 3] [--keep]`).
 *
 * Starts a PostgreSQL and a Redis of its own (temp folder, free ports; the machine's shared ones are
 * never touched), migrates and seeds the demo through the CLI, then runs as users would, only through
 * `node bin/ecspert.js …` and the HTTP API: two `serve` processes (one --no-schedules, one with the
 * schedules), several `worker` processes on Redis, two API clients and two command-line users that
 * calculate, close, change careers and sponsors and post corrections, replay messages, import
 * (exchange runs against the sandbox insurers, with files the soak publishes as the insurer, and
 * `exchange process`) and produce acts, at random, for --duration seconds. Meanwhile PostgreSQL and
 * Redis are restarted and workers are killed with -9 at random moments.
 *
 * At the end every hub process is stopped and the invariants are read with SQL and printed, one line
 * each with figures; the exit status is non-zero when an invariant is broken, an operation failed
 * (a 5xx other than 503, an answerless server, a CLI crash or unexplained error) or a hub process died
 * on its own. Refusals with a clear message (409/422/503, a period lock, closing blockers, the
 * database being down while it is down) are counted as refused, not failed.
 *
 * Whatever happens (failure, Ctrl+C), the private PostgreSQL, Redis and every child process are
 * stopped and the temp folder removed (kept with --keep); hub logs stay in the printed logs folder.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { Client } from 'pg';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`soak: --${name} needs a number, got '${argv[i + 1] ?? ''}'`);
    process.exit(2);
  }
  return value;
}
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(
    'npm run soak -- [--duration <seconds, 120>] [--seed <n>] [--workers <n, 3>] [--keep (keep the temp folder)]',
  );
  process.exit(0);
}
const DURATION_S = option('duration', 120);
const SEED = Math.floor(option('seed', Date.now() % 1_000_000_000));
const WORKERS = Math.max(1, Math.floor(option('workers', 3)));
const KEEP = argv.includes('--keep');

const ROOT = path.resolve(__dirname, '..');
const HUB = path.join(ROOT, 'bin', 'ecspert.js');
/** PostgreSQL's programs: SOAK_PG_BIN, else Debian's 15, else the newest Debian version installed. */
const PG_BIN = process.env.SOAK_PG_BIN ?? debianPostgres();
function debianPostgres(): string {
  const preferred = '/usr/lib/postgresql/15/bin';
  if (fs.existsSync(preferred)) return preferred;
  const versions = fs.existsSync('/usr/lib/postgresql')
    ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    : [];
  return versions.length ? `/usr/lib/postgresql/${versions[0]}/bin` : preferred;
}
const IS_ROOT = process.getuid?.() === 0;
/** The longest one operation may take before it counts as failed (and its process is killed). */
const OP_TIMEOUT_MS = 60_000;
/** After the database is back, errors of an operation that overlapped the outage may still be its. */
const OUTAGE_GRACE_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Random numbers (seeded: the choices repeat with the seed, the interleavings do not)

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
const between = (lo: number, hi: number) => lo + random() * (hi - lo);
const intBetween = (lo: number, hi: number) => Math.floor(between(lo, hi + 1));
function pick<T>(items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}
function weighted<T extends string>(weights: Record<T, number>): T {
  const entries = Object.entries(weights) as [T, number][];
  let r = random() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [k, w] of entries) if ((r -= w) < 0) return k;
  return entries[entries.length - 1][0];
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Figures

type Outcome = 'succeeded' | 'refused' | 'failed';
/** `approve` is never picked at random: it follows a change the API kept for a second person's approval. */
const KINDS = ['calculate', 'close', 'change', 'approve', 'corrections', 'replay', 'import', 'acts'] as const;
type Kind = (typeof KINDS)[number];
const figures = new Map<Kind, Record<Outcome | 'attempted', number>>(
  KINDS.map((k) => [k, { attempted: 0, succeeded: 0, refused: 0, failed: 0 }]),
);
/** Distinct reasons (digits folded) of refusals and failures, with how often each came. */
const reasons = { refused: new Map<string, number>(), failed: new Map<string, number>() };
const events = {
  databaseRestarts: 0,
  redisRestarts: 0,
  workerKills: 0,
  /** Hub processes that exited on their own (not killed by the soak): failures. */
  crashes: [] as string[],
  cutAtEnd: 0,
  /** Hub processes (re)started during a database outage that refused to start with one line. */
  startRefusals: 0,
};

/** Set when the last operations are cut off at the end: what they answer then is not counted. */
let cutting = false;

function record(kind: Kind, via: string, outcome: Outcome, detail = ''): void {
  if (cutting) {
    events.cutAtEnd++;
    return;
  }
  const f = figures.get(kind)!;
  f.attempted++;
  f[outcome]++;
  if (outcome === 'succeeded') return;
  const key = `${kind} (${via}): ${detail.replace(/\d+/g, '#').replace(/\s+/g, ' ').slice(0, 220)}`;
  reasons[outcome].set(key, (reasons[outcome].get(key) ?? 0) + 1);
}

const soakStarted = Date.now();
const stamp = () => `[${((Date.now() - soakStarted) / 1000).toFixed(1).padStart(6)} s]`;
const log = (line: string) => console.log(`${stamp()} ${line}`);
/** Every operation with its answer and duration, in ops.log of the logs folder. */
function opLog(what: string, started: number, result: { outcome: string; detail: string }): void {
  if (!logsDir) return;
  const line = `${stamp()} ${what} -> ${result.outcome} in ${Date.now() - started} ms ${result.detail.replace(/\s+/g, ' ').slice(0, 300)}\n`;
  fs.appendFileSync(path.join(logsDir, 'ops.log'), line);
}

// ---------------------------------------------------------------------------------------------
// Processes, and cleaning up whatever happens

const children = new Set<ChildProcess>();
let tmp = '';
let pgData = '';
let cleaned = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone already */
    }
  }
}

function asPostgres(command: string, args: string[]): [string, string[]] {
  const bin = path.join(PG_BIN, command);
  return IS_ROOT ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function postmasterPid(): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const child of children) killGroup(child);
  if (pgData && fs.existsSync(pgData)) {
    // A postmaster being started may write its pid file only now.
    if (pgStarting && postmasterPid() === null) spawnSync('sleep', ['2']);
    const pid = postmasterPid();
    if (pid) {
      const [cmd, args] = asPostgres('pg_ctl', ['-D', pgData, '-m', 'immediate', '-w', '-t', '10', 'stop']);
      spawnSync(cmd, args, { stdio: 'ignore', timeout: 15_000 });
      try {
        process.kill(pid, 0);
        process.kill(pid, 'SIGKILL');
      } catch {
        /* stopped */
      }
    }
  }
  if (tmp && !KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  else if (tmp) console.log(`soak: kept ${tmp}`);
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(signal, () => {
    console.error(`\nsoak: ${signal}: stopping every process it started and removing its databases`);
    cleanup();
    process.exit(130);
  });
process.on('uncaughtException', (error) => {
  console.error('soak: internal error:', error);
  cleanup();
  process.exit(3);
});
process.on('unhandledRejection', (error) => {
  console.error('soak: internal error:', error);
  cleanup();
  process.exit(3);
});

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to its end (or kills its process group at the timeout). */
function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-20_000)));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, options.timeoutMs ?? OP_TIMEOUT_MS);
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The private PostgreSQL and Redis

let pgPort = 0;
let redisPort = 0;
let redis: ChildProcess | null = null;
let logsDir = '';
/** Database outages: [went down, came back] (came back = Infinity while down). */
const outages: [number, number][] = [];

/** Set while pg_ctl start runs: a postmaster may be coming up that has no pid file yet. */
let pgStarting = false;

async function startPostgres(): Promise<void> {
  pgStarting = true;
  const [cmd, args] = asPostgres('pg_ctl', [
    '-D',
    pgData,
    '-l',
    path.join(tmp, 'postgres.log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${pgPort} -k ${path.join(tmp, 'pgsock')} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=300`,
    'start',
  ]);
  const r = await run(cmd, args, { timeoutMs: 70_000 });
  pgStarting = false;
  if (r.code !== 0) throw new Error(`PostgreSQL did not start: ${r.stderr || r.stdout}`);
}

async function stopPostgres(): Promise<void> {
  const [cmd, args] = asPostgres('pg_ctl', ['-D', pgData, '-m', 'immediate', '-w', '-t', '30', 'stop']);
  await run(cmd, args, { timeoutMs: 40_000 });
}

async function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(redisPort, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

async function startRedis(): Promise<void> {
  const out = fs.openSync(path.join(logsDir, 'redis.log'), 'a');
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      path.join(tmp, 'redis'),
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  children.add(child);
  child.on('exit', () => children.delete(child));
  redis = child;
  for (let i = 0; i < 100; i++) {
    if (await redisAnswers()) return;
    await sleep(100);
  }
  throw new Error('Redis did not start');
}

async function stopRedis(): Promise<void> {
  const child = redis;
  redis = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child);
  await exited;
}

// ---------------------------------------------------------------------------------------------
// Hub processes: serve and workers, supervised

let hubEnv: NodeJS.ProcessEnv = {};

interface Managed {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  child: ChildProcess | null;
  /** Set while the soak itself kills or stops it. */
  expectExit: boolean;
  healthUrl?: string;
}
const managed: Managed[] = [];
let stopping = false;

function lastLines(file: string, n: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-n).join(' | ').slice(0, 600);
  } catch {
    return '';
  }
}

/** Why a hub process died, from its log since it was last started: the error it died of. */
function crashReason(file: string): string {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  text = text.slice(text.lastIndexOf('--- started'));
  const unhandled = text.indexOf("Unhandled 'error' event");
  const after = unhandled >= 0 ? text.slice(unhandled) : text;
  const errors = after.split('\n').filter((l) => /^\w*(Error|Exception)\b.*:/.test(l));
  const error = unhandled >= 0 ? errors[0] : errors[errors.length - 1];
  if (unhandled >= 0) return `unhandled 'error' event: ${error ?? '?'}`;
  const said = text.split('\n').filter((l) => l.startsWith('ecspert: '));
  return said[said.length - 1] ?? error ?? lastLines(file, 3);
}

function launch(m: Managed): void {
  const logFile = path.join(logsDir, `${m.name}.log`);
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `--- started at ${new Date().toISOString()}\n`);
  const child = spawn(process.execPath, [HUB, ...m.args], {
    cwd: ROOT,
    env: m.env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  children.add(child);
  m.child = child;
  m.expectExit = false;
  const startedAt = Date.now();
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (m.child !== child) return;
    m.child = null;
    if (m.expectExit || stopping) return;
    const reason = crashReason(logFile);
    if (code === 2 && /cannot connect/.test(reason) && overlapsOutage(startedAt, Date.now())) {
      // Started (again) while the database is down, it refused at once with one line: not a crash.
      events.startRefusals++;
    } else {
      const what = `${m.name} exited on its own (${signal ?? `code ${code}`}): ${reason}`;
      events.crashes.push(what);
      log(`FAILURE ${what.slice(0, 300)}`);
    }
    // A crashed process is started again (counted above), as an operator's supervisor would.
    setTimeout(() => {
      if (!stopping && !m.child) launch(m);
    }, 2000);
  });
}

async function waitForHealth(url: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      /* not listening yet */
    }
    await sleep(300);
  }
  return false;
}

async function stopManaged(m: Managed): Promise<void> {
  const child = m.child;
  if (!child) return;
  m.expectExit = true;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// What the soak knows of the world (read with SQL by the observer; never used to do the work)

interface PeriodState {
  code: string;
  status: string;
}
const world = {
  periods: [] as PeriodState[],
  consultants: [] as string[],
  levels: [] as string[],
  inboundMessages: [] as number[],
  /** Closed periods whose acts an operation produced successfully, in order. */
  actsDone: new Set<string>(),
};
/** Ledger of each closed period when first seen closed: count, total and md5 over its lines. */
interface LedgerSnapshot {
  lines: number;
  total: string;
  /** The period's own posted run(s). */
  run: string;
  md5: string;
}
const closedSnapshots = new Map<string, LedgerSnapshot>();
/** Periods a close reported closed. */
const reportedClosed = new Set<string>();

function databaseUrl(): string {
  return `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
}

async function withSql<T>(work: (client: Client) => Promise<T>): Promise<T | null> {
  const client = new Client({ connectionString: databaseUrl(), connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const LEDGER_SNAPSHOT = `
  select count(*)::int as lines, coalesce(sum(a.amount), 0)::text as total,
         coalesce(string_agg(distinct a.run_id::text, ',') filter (where r.status = 'posted' and r.run_kind = 'period'), '-') as run,
         md5(coalesce(string_agg(concat_ws('|', a.id, a.run_id, r.status, a.consultant_id, a.kind, a.rule,
             a.source_id, a.amount, a.corrects_period, a.storno_of_accrual_id), ',' order by a.id), '')) as md5
    from accrual a join calculation_run r on r.id = a.run_id
   where a.period_code = $1`;

async function observe(): Promise<void> {
  await withSql(async (client) => {
    const periods = await client.query<PeriodState>(
      'select code, status from production_period order by code',
    );
    world.periods = periods.rows;
    for (const p of periods.rows) {
      if (p.status !== 'closed' || closedSnapshots.has(p.code)) continue;
      // Status and ledger in one statement: one snapshot of the database.
      const r = await client.query<LedgerSnapshot & { status: string }>(
        `select (select status from production_period where code = $1) as status, s.* from (${LEDGER_SNAPSHOT}) s`,
        [p.code],
      );
      const row = r.rows[0];
      if (row?.status === 'closed')
        closedSnapshots.set(p.code, { lines: row.lines, total: row.total, run: row.run, md5: row.md5 });
    }
    const messages = await client.query<{ id: string }>(
      "select id from exchange_message where direction = 'inbound' order by id desc limit 300",
    );
    world.inboundMessages = messages.rows.map((m) => Number(m.id));
  });
}

const openPeriods = () => world.periods.filter((p) => p.status !== 'closed');
const closedPeriods = () => world.periods.filter((p) => p.status === 'closed');

// ---------------------------------------------------------------------------------------------
// The soak as the insurer: files published into the Dnipro Life sandbox's SFTP /out folder

let policySequence = 900_000;
const publishedPolicies: { number: string; premiumKop: number }[] = [];
const FAMILY = ['Коваленко', 'Бондаренко', 'Ткаченко', 'Кравченко', 'Олійник', 'Шевченко', 'Мельник'];
const GIVEN = ['Олена Петрівна', 'Іван Андрійович', 'Марта Ігорівна', 'Тарас Олегович', 'Софія Юріївна'];
const money = (kop: number) =>
  `${Math.floor(kop / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${String(kop % 100).padStart(2, '0')}`;
const day = (iso: string) => iso.split('-').reverse().join('.');

function sandboxOut(): string {
  return path.join(tmp, 'data', 'sandbox', 'dnipro-life', 'sftp-root', 'out');
}

function publish(name: string, lines: string[]): void {
  const dir = sandboxOut();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.rmSync(`${file}.done`, { force: true });
  fs.writeFileSync(file, iconv.encode(`${lines.join('\r\n')}\r\n`, 'win1251'));
  fs.writeFileSync(`${file}.done`, '');
}

/**
 * Two or three contracts files that share new policyholders (same tax numbers, different policies),
 * so that parallel processing can make duplicate persons; and a payments file for policies of earlier
 * batches, paid in a random month (a late payment in a closed period asks for a recalculation).
 */
function publishInsurerFiles(): string[] {
  const names: string[] = [];
  const persons = Array.from({ length: intBetween(2, 4) }, () => ({
    name: `${pick(FAMILY)} ${pick(GIVEN)}`,
    tax: String(intBetween(2_000_000_000, 3_999_999_999)),
  }));
  const files = intBetween(2, 3);
  for (let f = 0; f < files; f++) {
    const date = `2026-11-${String(intBetween(1, 28)).padStart(2, '0')}`;
    const end = `${Number(date.slice(0, 4)) + 10}${date.slice(4)}`;
    const rows = persons.map((p) => {
      const number = `DL-2026-${++policySequence}`;
      const premiumKop = intBetween(2_000, 40_000) * 100;
      publishedPolicies.push({ number, premiumKop });
      return [
        number,
        '',
        day(date),
        day(date),
        day(end),
        pick(['DL-SAV10', 'DL-RISK1']),
        `"${p.name}"`,
        p.tax,
        money(intBetween(50, 900) * 1_000_00),
        money(premiumKop),
        '1',
        pick(world.consultants),
        'ДІЄ',
        day(date),
      ].join(';');
    });
    const name = `CONTRACTS_${date.replace(/-/g, '')}.csv`;
    publish(name, [
      'Номер договору;Номер заяви;Дата укладення;Дата початку;Дата закінчення;Код продукту;Страхувальник;РНОКПП;Страхова сума;Річна премія;Періодичність;Код агента;Статус;Дата статусу',
      ...rows,
    ]);
    names.push(name);
  }
  const payable = publishedPolicies.slice(0, Math.max(0, publishedPolicies.length - persons.length * files));
  if (payable.length) {
    const month = pick(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    const rows = Array.from({ length: Math.min(payable.length, intBetween(1, 5)) }, () => {
      const policy = pick(payable);
      const paid = `${month}-${String(intBetween(1, 28)).padStart(2, '0')}`;
      const until = `${Number(paid.slice(0, 4)) + 1}${paid.slice(4)}`;
      return [policy.number, day(paid), money(policy.premiumKop), day(paid), day(until), '1'].join(';');
    });
    const name = `PAYMENTS_${month.replace('-', '')}.csv`;
    publish(name, ['Номер договору;Дата оплати;Сума;Покриття з;Покриття по;Рік дії договору', ...rows]);
    names.push(name);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Operations through the HTTP API

interface Result {
  outcome: Outcome;
  detail: string;
  body?: unknown;
}

/** Requests that got no HTTP answer at all (server down). */
let noAnswers = 0;

async function api(
  base: string,
  method: string,
  route: string,
  body?: unknown,
  authorization = apiAuthorization,
): Promise<Result> {
  const started = Date.now();
  const result = await request(base, method, route, body, authorization);
  opLog(`${method} ${base}${route}`, started, result);
  return result;
}

async function request(
  base: string,
  method: string,
  route: string,
  body: unknown,
  authorization: Record<string, string>,
): Promise<Result> {
  let res: Response;
  try {
    res = await fetch(`${base}${route}`, {
      method,
      headers: body === undefined ? authorization : { ...authorization, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(OP_TIMEOUT_MS),
    });
  } catch (error) {
    noAnswers++;
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { outcome: 'failed', detail: `no answer from the server: ${cause ?? (error as Error).message}` };
  }
  const text = await res.text().catch(() => '');
  let json: { message?: unknown } | undefined;
  try {
    json = JSON.parse(text) as { message?: unknown };
  } catch {
    json = undefined;
  }
  const message = typeof json?.message === 'string' ? json.message : '';
  if (res.status >= 200 && res.status < 300)
    return { outcome: 'succeeded', detail: String(res.status), body: json };
  if ([409, 422, 423, 503].includes(res.status))
    return message.trim()
      ? { outcome: 'refused', detail: `${res.status} ${message}` }
      : { outcome: 'failed', detail: `${res.status} without a message` };
  return { outcome: 'failed', detail: `${res.status} ${message || text.slice(0, 200)}` };
}

// ---------------------------------------------------------------------------------------------
// Operations through the command line

const STACK = /\n\s+at .+:\d+:\d+\)?\s*(\n|$)|Unhandled 'error' event|uncaught/i;
const DATABASE_GONE =
  /ECONNREFUSED|ECONNRESET|EPIPE|Connection terminated|terminating connection|server closed the connection|the database system is (shutting down|starting up|in recovery mode|not yet accepting)|database (is )?(down|unavailable|not reachable)|could not connect|Client has encountered a connection error|timeout exceeded when trying to connect/i;
/** What a refusal with a clear message says (closing blockers, locks, closed periods, rules). */
const REFUSAL =
  /is closed|cannot be closed|not closed|blocking item|closed periods only|already (closed|issued|being)|\block(ed|s)?\b|being (calculated|closed|recalculated|changed|processed|posted)|busy|in progress|try again|another (process|caller|run|calculation|operation|session)|concurrent|not allowed|cycle|loop|approv|signed in|under (him|her|it)self|own (sponsor|downline)|no pending|nothing to/i;

function overlapsOutage(from: number, to: number): boolean {
  return outages.some(([down, up]) => from <= up + OUTAGE_GRACE_MS && to >= down);
}

async function cli(args: string[]): Promise<Result> {
  const started = Date.now();
  const result = await command(args, started);
  opLog(`ecspert ${args.join(' ')}`, started, result);
  return result;
}

async function command(args: string[], started: number): Promise<Result> {
  const r = await run(process.execPath, [HUB, ...args], {
    env: { ...hubEnv, LOG_LEVEL: 'error' },
  });
  if (r.timedOut) return { outcome: 'failed', detail: `no end within ${OP_TIMEOUT_MS / 1000} s (killed)` };
  if (r.signal) return { outcome: 'failed', detail: `killed by ${r.signal}` };
  if (r.code === 0) return { outcome: 'succeeded', detail: '', body: r.stdout };
  const said =
    r.stderr
      .split('\n')
      .find((l) => l.startsWith('ecspert: ') && !l.includes('LOG_LEVEL=debug'))
      ?.slice('ecspert: '.length) ??
    (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-1)[0] ??
    '';
  if (STACK.test(r.stderr)) return { outcome: 'failed', detail: `crashed: ${said}` };
  if (DATABASE_GONE.test(said))
    return overlapsOutage(started, Date.now())
      ? { outcome: 'refused', detail: `database down: ${said}` }
      : { outcome: 'failed', detail: `database error outside an outage: ${said}` };
  if (REFUSAL.test(said) && !/deadlock|duplicate key|violates/i.test(said))
    return { outcome: 'refused', detail: said };
  return { outcome: 'failed', detail: `exit ${r.code}: ${said || r.stdout.trim().split('\n').slice(-1)[0]}` };
}

// ---------------------------------------------------------------------------------------------
// The operations, each by API or CLI

interface Actor {
  name: string;
  via: 'api' | 'cli';
  base?: string;
  weights: Record<Kind, number>;
}

const firstDay = (period: string) => `${period}-01`;
const INTERMEDIARY = { name: 'ТОВ «Соак Брокер»', edrpou: '40000001', city: 'Київ' };

/** Mostly the earliest period not closed (so closes can follow), else any not closed, or any at all. */
function periodForCalculate(): string | null {
  const open = openPeriods();
  const r = random();
  if (open.length && r < 0.4) return open[0].code;
  if (open.length && r < 0.85) return pick(open).code;
  return world.periods.length ? pick(world.periods).code : null;
}
function periodForClose(): string | null {
  const open = openPeriods();
  if (open.length && random() < 0.8) return open[0].code;
  return world.periods.length ? pick(world.periods).code : null;
}
function periodForActs(): string | null {
  const closed = closedPeriods();
  const next = closed.find((p) => !world.actsDone.has(p.code));
  const r = random();
  if (next && r < 0.85) return next.code;
  const done = closed.filter((p) => world.actsDone.has(p.code));
  if (done.length && r < 0.93) return pick(done).code;
  // Acts of a period that is not closed: a refusal is the right answer.
  return openPeriods()[0]?.code ?? null;
}
function changeDate(): string | null {
  const candidates = [...closedPeriods(), ...openPeriods().slice(0, 2)];
  return candidates.length ? firstDay(pick(candidates).code) : null;
}

async function doCalculate(actor: Actor): Promise<void> {
  const period = periodForCalculate();
  if (!period) return;
  const r =
    actor.via === 'api'
      ? await api(actor.base!, 'POST', `/api/periods/${period}/calculate`, { createdBy: actor.name })
      : await cli(['period', 'calculate', period, '--by', actor.name]);
  record('calculate', actor.via, r.outcome, r.detail);
}

async function doClose(actor: Actor): Promise<void> {
  const period = periodForClose();
  if (!period) return;
  const r =
    actor.via === 'api'
      ? await api(actor.base!, 'POST', `/api/periods/${period}/close`, { closedBy: actor.name })
      : await cli(['period', 'close', period, '--by', actor.name]);
  record('close', actor.via, r.outcome, r.detail);
  if (r.outcome === 'succeeded') {
    reportedClosed.add(period);
    await observe();
  }
}

async function doCorrections(actor: Actor): Promise<void> {
  const r =
    actor.via === 'api'
      ? await api(actor.base!, 'POST', '/api/corrections/post', { postedBy: actor.name })
      : await cli(['corrections', 'post', '--by', actor.name]);
  record('corrections', actor.via, r.outcome, r.detail);
}

/**
 * A manual career or sponsor change, then its corrections posted. Inside a closed period the API
 * keeps it for a second person's approval (202): a second user (the approver, signed in with a token
 * of their own) approves it, racing whatever else runs, and then the corrections follow. The command
 * line, whose actor does not sign in, is refused in one line.
 */
async function doChange(actor: Actor): Promise<void> {
  const from = changeDate();
  if (!from || world.consultants.length < 2) return;
  const consultant = pick(world.consultants);
  let r: Result;
  if (random() < 0.6) {
    const level = pick(world.levels);
    r =
      actor.via === 'api'
        ? await api(actor.base!, 'POST', '/api/careers/changes', {
            consultantCode: consultant,
            levelCode: level,
            validFrom: from,
            reason: 'soak: manual career change',
            recordedBy: actor.name,
          })
        : await cli([
            'career-change',
            consultant,
            level,
            '--from',
            from,
            '--reason',
            'soak: manual career change',
            '--by',
            actor.name,
          ]);
  } else {
    let sponsor = pick(world.consultants);
    if (sponsor === consultant) sponsor = world.consultants.find((c) => c !== consultant)!;
    r =
      actor.via === 'api'
        ? await api(actor.base!, 'POST', '/api/sponsors/changes', {
            consultantCode: consultant,
            sponsorCode: sponsor,
            validFrom: from,
            reason: 'soak: sponsor change',
            recordedBy: actor.name,
          })
        : await cli([
            'sponsor-change',
            consultant,
            sponsor,
            '--from',
            from,
            '--reason',
            'soak: sponsor change',
            '--by',
            actor.name,
          ]);
  }
  record('change', actor.via, r.outcome, r.detail);
  if (r.outcome !== 'succeeded') return;
  const pending = r.body as { status?: string; changeRequest?: { id?: number } } | undefined;
  if (pending?.status === 'pending' && pending.changeRequest?.id !== undefined) {
    const approval = await api(
      actor.base!,
      'POST',
      `/api/approvals/${pending.changeRequest.id}/approve`,
      {},
      approverAuthorization,
    );
    record('approve', actor.via, approval.outcome, approval.detail);
    if (approval.outcome !== 'succeeded') return;
  }
  await doCorrections(actor);
}

/**
 * A replay of a message, half the time of one of the newest (those an import has just taken in,
 * maybe not applied yet); through the API a quarter of the time a burst of the three newest at once,
 * which the workers process in parallel.
 */
async function doReplay(actor: Actor): Promise<void> {
  if (!world.inboundMessages.length) return;
  const one = async (id: number) => {
    const r =
      actor.via === 'api'
        ? await api(actor.base!, 'POST', `/api/exchange/messages/${id}/replay`, {})
        : await cli(['message', 'replay', String(id)]);
    record('replay', actor.via, r.outcome, r.detail);
  };
  if (actor.via === 'api' && random() < 0.25) {
    await Promise.all(world.inboundMessages.slice(0, 3).map(one));
    return;
  }
  await one(random() < 0.5 ? pick(world.inboundMessages.slice(0, 6)) : pick(world.inboundMessages));
}

/**
 * An import: an exchange run against a sandbox insurer (often after the soak, as Dnipro Life, has
 * published new files), or `exchange process`; a third of the time a burst of two Dnipro Life runs
 * and an `exchange process` at once, over the same files.
 */
async function doImport(_actor: Actor): Promise<void> {
  const one = async (args: string[]) => {
    const r = await cli(args);
    record('import', 'cli', r.outcome, r.detail);
  };
  const dnipro = ['exchange', 'run', 'DNIPRO_LIFE', '--sandbox'];
  if (random() < 0.35) {
    if (world.consultants.length) publishInsurerFiles();
    await Promise.all([
      one(dnipro),
      sleep(between(0, 400)).then(() => one(dnipro)),
      one(['exchange', 'process']),
    ]);
    return;
  }
  const choice = weighted({ dnipro: 5, karpaty: 3, process: 2 });
  if (choice === 'dnipro' && world.consultants.length && random() < 0.7) publishInsurerFiles();
  await one(
    choice === 'process'
      ? ['exchange', 'process']
      : choice === 'dnipro'
        ? dnipro
        : ['exchange', 'run', 'KARPATY', '--sandbox'],
  );
}

async function doActs(actor: Actor): Promise<void> {
  const period = periodForActs();
  if (!period) return;
  let r: Result;
  if (actor.via === 'api') {
    r = await api(actor.base!, 'POST', `/api/periods/${period}/acts`, {
      intermediary: INTERMEDIARY,
      createdBy: actor.name,
    });
    const check = (r.body as { check?: { balanced?: boolean; differences?: unknown[] } } | undefined)?.check;
    if (r.outcome === 'succeeded' && check && !check.balanced)
      r = { outcome: 'failed', detail: `acts check: ${check.differences?.length ?? '?'} difference(s)` };
  } else {
    const out = path.join(tmp, 'acts', `${actor.name}-${Date.now()}`);
    r = await cli([
      'acts',
      period,
      '--out',
      out,
      '--customer',
      INTERMEDIARY.name,
      '--edrpou',
      INTERMEDIARY.edrpou,
      '--city',
      INTERMEDIARY.city,
      '--by',
      actor.name,
    ]);
    if (r.outcome === 'failed' && /difference\(s\)/.test(r.detail)) r.detail = `acts check: ${r.detail}`;
    fs.rmSync(out, { recursive: true, force: true });
  }
  record('acts', actor.via, r.outcome, r.detail);
  // The acts were issued (even when their own check found differences): the invariant covers them.
  if (r.outcome === 'succeeded' || /act\(s\) issued|acts check/.test(r.detail)) world.actsDone.add(period);
}

const OPERATIONS: Record<Kind, (actor: Actor) => Promise<void>> = {
  calculate: doCalculate,
  close: doClose,
  change: doChange,
  approve: async () => undefined, // part of doChange
  corrections: doCorrections,
  replay: doReplay,
  import: doImport,
  acts: doActs,
};

let deadline = 0;
/** Sleeps, but wakes at the deadline. */
const pause = (ms: number) => sleep(Math.max(0, Math.min(ms, deadline - Date.now())));

async function actorLoop(actor: Actor): Promise<void> {
  await pause(between(0, 1500));
  while (Date.now() < deadline) {
    const unanswered = noAnswers;
    await OPERATIONS[weighted(actor.weights)](actor);
    // A server that does not answer (crashed, starting again) is not hammered.
    await pause(noAnswers > unanswered ? between(1000, 2000) : between(100, 700));
  }
}

// ---------------------------------------------------------------------------------------------
// Chaos: database and Redis restarts, workers killed with -9

async function databaseChaos(): Promise<void> {
  await pause(between(12_000, 25_000));
  while (Date.now() < deadline - 8_000) {
    const down = between(2_000, 6_000);
    log(`restarting PostgreSQL (down ~${(down / 1000).toFixed(1)} s)`);
    const outage: [number, number] = [Date.now(), Infinity];
    outages.push(outage);
    await stopPostgres();
    await sleep(down);
    await startPostgres();
    outage[1] = Date.now();
    events.databaseRestarts++;
    await pause(between(20_000, 40_000));
  }
}

async function redisChaos(): Promise<void> {
  await pause(between(8_000, 20_000));
  while (Date.now() < deadline - 5_000) {
    const down = between(1_000, 3_000);
    log(`restarting Redis (down ~${(down / 1000).toFixed(1)} s, nothing kept)`);
    await stopRedis();
    await sleep(down);
    await startRedis();
    events.redisRestarts++;
    await pause(between(15_000, 35_000));
  }
}

async function workerChaos(): Promise<void> {
  await pause(between(3_000, 8_000));
  while (Date.now() < deadline - 2_000) {
    const victim = pick(managed.filter((m) => m.name.startsWith('worker') && m.child));
    if (victim?.child) {
      victim.expectExit = true;
      const child = victim.child;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      killGroup(child, 'SIGKILL');
      await exited;
      events.workerKills++;
      await sleep(between(500, 3_000));
      if (!stopping && !victim.child) launch(victim);
    }
    await pause(between(4_000, 12_000));
  }
}

// ---------------------------------------------------------------------------------------------
// The invariants, read with SQL once every hub process has stopped

interface Check {
  name: string;
  ok: boolean;
  line: string;
  details: string[];
}

const kop = (numeric: string | number) => Math.round(Number(numeric) * 100);

async function checkInvariants(client: Client): Promise<Check[]> {
  const checks: Check[] = [];

  // 1. Each calculated or closed period has exactly one posted run of its own (an open one none);
  //    earlier runs of a re-calculated period are superseded, correction runs are not the period's run.
  {
    const rows = (
      await client.query<{ code: string; status: string; posted: number; superseded: number }>(`
        select p.code, p.status,
               count(r.id) filter (where r.status = 'posted')::int as posted,
               count(r.id) filter (where r.status = 'superseded')::int as superseded
          from production_period p
          left join calculation_run r on r.period_code = p.code and r.run_kind = 'period'
         group by p.code, p.status order by p.code`)
    ).rows;
    const bad = rows.filter((r) => (r.status === 'open' ? r.posted !== 0 : r.posted !== 1));
    const by = (s: string) => rows.filter((r) => r.status === s).length;
    checks.push({
      name: 'each period has exactly one posted run',
      ok: bad.length === 0,
      line: `${rows.length} periods (${by('closed')} closed, ${by('calculated')} calculated, ${by('open')} open), ${rows.reduce((s, r) => s + r.posted, 0)} posted and ${rows.reduce((s, r) => s + r.superseded, 0)} superseded period runs; ${bad.length} wrong`,
      details: bad.map((r) => `${r.code} (${r.status}) has ${r.posted} posted runs`),
    });
  }

  // 2. The ledger of a closed period is unchanged since it was first seen closed, and it stays closed.
  {
    const details: string[] = [];
    const status = new Map(
      (await client.query<PeriodState>('select code, status from production_period')).rows.map((r) => [
        r.code,
        r.status,
      ]),
    );
    let lines = 0;
    for (const [code, before] of closedSnapshots) {
      const now = (await client.query<LedgerSnapshot>(LEDGER_SNAPSHOT, [code])).rows[0];
      lines += now.lines;
      if (status.get(code) !== 'closed') details.push(`${code} was closed and is now ${status.get(code)}`);
      if (now.md5 !== before.md5)
        details.push(
          `${code}: when closed ${before.lines} lines totalling ${before.total}, posted run ${before.run}; now ${now.lines} lines totalling ${now.total}, posted run ${now.run}`,
        );
    }
    for (const code of reportedClosed)
      if (!closedSnapshots.has(code) && status.get(code) !== 'closed')
        details.push(`${code}: a close reported it closed, it is ${status.get(code)}`);
    checks.push({
      name: 'the ledger of a closed period is unchanged',
      ok: details.length === 0,
      line: `${closedSnapshots.size} closed periods checked (${lines} ledger lines, superseded runs' included), ${reportedClosed.size} closes reported; ${details.length} changed`,
      details,
    });
  }

  // 3. Acts equal the ledger per consultant, a negative balance carried into the next period's act:
  //    for the periods whose acts were produced, in order, each consultant's act gross is the period's
  //    ledger plus what was carried; a balance of zero or less gets no act (or an act of that balance)
  //    and is carried forward.
  {
    const periods = [...world.actsDone].sort();
    const details: string[] = [];
    let consultants = 0;
    let acts = 0;
    let negatives = 0;
    if (periods.length) {
      const ledger = (
        await client.query<{ period_code: string; code: string; amount: string }>(
          `select a.period_code, c.code, sum(a.amount)::text as amount
             from accrual a join calculation_run r on r.id = a.run_id join consultant c on c.id = a.consultant_id
            where r.status = 'posted' and a.period_code = any($1)
            group by a.period_code, c.code`,
          [periods],
        )
      ).rows;
      const issued = (
        await client.query<{ period_code: string; consultant_code: string; gross: string }>(
          'select period_code, consultant_code, gross::text from act where period_code = any($1)',
          [periods],
        )
      ).rows;
      acts = issued.length;
      const key = (p: string, c: string) => `${p} ${c}`;
      const ledgerOf = new Map(ledger.map((l) => [key(l.period_code, l.code), kop(l.amount)]));
      const actOf = new Map(issued.map((a) => [key(a.period_code, a.consultant_code), kop(a.gross)]));
      const codes = [
        ...new Set([...ledger.map((l) => l.code), ...issued.map((a) => a.consultant_code)]),
      ].sort();
      consultants = codes.length;
      for (const code of codes) {
        let carried = 0;
        for (const p of periods) {
          const due = (ledgerOf.get(key(p, code)) ?? 0) + carried;
          const act = actOf.get(key(p, code));
          if (due > 0) {
            if (act !== due)
              details.push(
                `${p} ${code}: ledger with carry ${(due / 100).toFixed(2)}, act ${act === undefined ? 'none' : (act / 100).toFixed(2)}`,
              );
            carried = 0;
          } else {
            if (due < 0) negatives++;
            if (act !== undefined && act !== due)
              details.push(
                `${p} ${code}: balance ${(due / 100).toFixed(2)} (carried forward), act ${(act / 100).toFixed(2)}`,
              );
            carried = due;
          }
        }
      }
    }
    checks.push({
      name: 'acts equal the ledger per consultant (negatives carried forward)',
      ok: details.length === 0,
      line: `${periods.length} periods with acts (${periods.join(', ') || '—'}), ${consultants} consultants, ${acts} acts, ${negatives} negative balances; ${details.length} differences`,
      details,
    });
  }

  // 4. Each inbound message applied at most once, and none left 'failed' after it was applied.
  {
    const rows = (
      await client.query<{ id: string; status: string; applied: number }>(`
        select m.id, m.status, count(e.id) filter (where e.status = 'applied')::int as applied
          from exchange_message m left join exchange_message_event e on e.message_id = m.id
         where m.direction = 'inbound' group by m.id, m.status`)
    ).rows;
    const twice = rows.filter((r) => r.applied > 1);
    const failedAfterApplied = rows.filter((r) => r.status === 'failed' && r.applied > 0);
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    const unprocessed = rows.filter((r) => ['received', 'parsed', 'mapped'].includes(r.status)).length;
    checks.push({
      name: 'each message applied once',
      ok: twice.length === 0 && failedAfterApplied.length === 0,
      line: `${rows.length} inbound messages (${count('applied')} applied, ${count('quarantined')} quarantined, ${count('failed')} failed, ${unprocessed} unprocessed); ${twice.length} applied more than once, ${failedAfterApplied.length} 'failed' after being applied`,
      details: [
        ...twice.map((r) => `message ${r.id} (${r.status}) applied ${r.applied} times`),
        ...failedAfterApplied.map((r) => `message ${r.id} is 'failed' but was applied`),
      ],
    });
  }

  // 5. No duplicate persons by tax number (beyond any the seeded demo already had).
  {
    const rows = (await client.query<{ tax_number: string; n: number }>(DUPLICATE_PERSONS)).rows;
    const added = rows.filter((r) => r.n > (seededDuplicates.get(r.tax_number) ?? 1));
    const total = (await client.query<{ n: number }>('select count(*)::int as n from person')).rows[0].n;
    checks.push({
      name: 'no duplicate persons',
      ok: added.length === 0,
      line: `${total} persons; ${rows.length} tax numbers held by more than one person (${rows.reduce((s, r) => s + r.n - 1, 0)} extra rows; ${seededDuplicates.size} already in the seeded demo)`,
      details: added.map((r) => `tax number ${r.tax_number}: ${r.n} persons`),
    });
  }
  return checks;
}

const DUPLICATE_PERSONS = `
  select tax_number, count(*)::int as n from person
   where tax_number is not null and tax_number <> '' group by tax_number having count(*) > 1 order by n desc`;
/** Duplicates the seeded demo itself has, if any: not the soak's finding. */
const seededDuplicates = new Map<string, number>();

// ---------------------------------------------------------------------------------------------
// Main

async function hubCommand(args: string[]): Promise<string> {
  const r = await run(process.execPath, [HUB, ...args], { env: hubEnv, timeoutMs: 120_000 });
  if (r.code !== 0)
    throw new Error(`ecspert ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().slice(-800)}`);
  return r.stdout;
}

/** The API clients' login: an administrator's API token, made with the CLI as an operator would. */
let apiAuthorization: Record<string, string> = {};
/** A second user's token: approves the changes inside closed periods that the API keeps pending. */
let approverAuthorization: Record<string, string> = {};

async function main(): Promise<void> {
  console.log(`soak: ${DURATION_S} s, seed ${SEED}, ${WORKERS} workers, 2 API clients, 2 command-line users`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-soak-'));
  fs.chmodSync(tmp, 0o755);
  logsDir = path.join(os.tmpdir(), `ecspert-soak-logs-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(logsDir, { recursive: true });
  pgData = path.join(tmp, 'pg');
  for (const dir of ['pg', 'pgsock', 'redis', 'data', 'acts']) fs.mkdirSync(path.join(tmp, dir));
  if (IS_ROOT) {
    const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString());
    const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString());
    if (!Number.isInteger(uid) || uid <= 0) throw new Error('running as root needs the postgres OS user');
    for (const dir of ['pg', 'pgsock']) fs.chownSync(path.join(tmp, dir), uid, gid);
    fs.writeFileSync(path.join(tmp, 'postgres.log'), '');
    fs.chownSync(path.join(tmp, 'postgres.log'), uid, gid);
  }
  [pgPort, redisPort] = [await freePort(), await freePort()];
  const apiPorts = [await freePort(), await freePort()];

  const [initCmd, initArgs] = asPostgres('initdb', [
    '-D',
    pgData,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const init = await run(initCmd, initArgs, { timeoutMs: 60_000 });
  if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  await startPostgres();
  await startRedis();
  log(`PostgreSQL on ${pgPort}, Redis on ${redisPort} (private; data in ${tmp}); hub logs in ${logsDir}`);

  hubEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl(),
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    HOST: '127.0.0.1',
    ECSPERT_DATA_DIR: path.join(tmp, 'data'),
    LOG_LEVEL: 'warn',
  };
  delete hubEnv.NODE_OPTIONS;
  delete hubEnv.ORACLE_URL;
  await hubCommand(['db', 'migrate']);
  await hubCommand(['demo', 'seed', '--seed', String(SEED % 100_000)]);
  await hubCommand(['user', 'add', 'soak', '--role', 'administrator']);
  const token = /^ecs_\S+$/m.exec(await hubCommand(['user', 'token', 'soak', '--name', 'soak API clients']));
  if (!token) throw new Error('ecspert user token printed no token');
  apiAuthorization = { authorization: `Bearer ${token[0]}` };
  await hubCommand(['user', 'add', 'soak-approver', '--role', 'back_office']);
  const approverToken = /^ecs_\S+$/m.exec(
    await hubCommand(['user', 'token', 'soak-approver', '--name', 'soak approvals']),
  );
  if (!approverToken) throw new Error('ecspert user token printed no token for soak-approver');
  approverAuthorization = { authorization: `Bearer ${approverToken[0]}` };
  await withSql(async (client) => {
    world.consultants = (
      await client.query<{ code: string }>('select code from consultant order by code')
    ).rows.map((r) => r.code);
    for (const r of (await client.query<{ tax_number: string; n: number }>(DUPLICATE_PERSONS)).rows)
      seededDuplicates.set(r.tax_number, r.n);
    world.levels = (
      await client.query<{ code: string }>('select code from career_level order by rank_order')
    ).rows.map((r) => r.code);
  });

  const servers: Managed[] = [
    {
      name: 'serve-a',
      args: ['serve', '--no-schedules'],
      env: { ...hubEnv, PORT: String(apiPorts[0]) },
      child: null,
      expectExit: false,
    },
    {
      name: 'serve-b',
      args: ['serve'],
      env: { ...hubEnv, PORT: String(apiPorts[1]) },
      child: null,
      expectExit: false,
    },
  ];
  for (let i = 1; i <= WORKERS; i++)
    managed.push({ name: `worker-${i}`, args: ['worker'], env: hubEnv, child: null, expectExit: false });
  managed.push(...servers);
  for (const m of managed) launch(m);
  // Meanwhile a first exchange with each sandbox insurer, so there are messages to replay from the start.
  await Promise.all([
    hubCommand(['exchange', 'run', 'DNIPRO_LIFE', '--sandbox']),
    hubCommand(['exchange', 'run', 'KARPATY', '--sandbox']),
  ]);
  await observe();
  if (!world.consultants.length || !world.periods.length)
    throw new Error('the seeded database has no consultants or periods');
  log(
    `seeded: ${world.consultants.length} consultants, periods ${world.periods.map((p) => p.code).join(', ')}, ${world.inboundMessages.length} inbound messages`,
  );
  for (let i = 0; i < servers.length; i++)
    if (!(await waitForHealth(`http://127.0.0.1:${apiPorts[i]}/health`, 45_000)))
      throw new Error(
        `${servers[i].name} did not answer /health with 200 within 45 s: ${lastLines(path.join(logsDir, `${servers[i].name}.log`), 5)}`,
      );
  log(`serving on ${apiPorts.join(' and ')}; ${WORKERS} workers; the soak runs for ${DURATION_S} s`);

  const apiWeights: Record<Kind, number> = {
    calculate: 3,
    close: 2.5,
    change: 2,
    approve: 0,
    corrections: 1,
    replay: 3,
    import: 0,
    acts: 2,
  };
  const cliWeights: Record<Kind, number> = {
    calculate: 2,
    close: 1.5,
    change: 1,
    approve: 0,
    corrections: 1,
    replay: 1,
    import: 2,
    acts: 1,
  };
  const importer: Record<Kind, number> = { ...cliWeights, import: 6, calculate: 1, acts: 0.5 };
  const actors: Actor[] = [
    { name: 'soak-api-1', via: 'api', base: `http://127.0.0.1:${apiPorts[0]}`, weights: apiWeights },
    { name: 'soak-api-2', via: 'api', base: `http://127.0.0.1:${apiPorts[1]}`, weights: apiWeights },
    { name: 'soak-cli-1', via: 'cli', weights: cliWeights },
    { name: 'soak-cli-2', via: 'cli', weights: importer },
  ];
  const started = Date.now();
  deadline = started + DURATION_S * 1000;
  const observer = (async () => {
    while (Date.now() < deadline) {
      await observe();
      await pause(1500);
    }
  })();
  const progress = setInterval(() => {
    const total = [...figures.values()].reduce(
      (s, f) => ({ ok: s.ok + f.succeeded, refused: s.refused + f.refused, failed: s.failed + f.failed }),
      { ok: 0, refused: 0, failed: 0 },
    );
    log(
      `operations: ${total.ok} succeeded, ${total.refused} refused, ${total.failed} failed; periods ${world.periods.map((p) => `${p.code.slice(5)}:${p.status === 'closed' ? 'X' : p.status === 'calculated' ? 'c' : '.'}`).join(' ')}`,
    );
  }, 15_000);
  const loops = Promise.all(actors.map(actorLoop));
  await Promise.all([databaseChaos(), redisChaos(), workerChaos(), observer]);
  clearInterval(progress);

  // Wind down: everything up again, the last operations given 10 s to finish (then cut off, not
  // counted), then every hub process stopped before the invariants are read.
  stopping = true;
  if (postmasterPid() === null) await startPostgres();
  if (!redis) await startRedis();
  await Promise.race([loops, sleep(10_000)]);
  const ranFor = (Date.now() - started) / 1000;
  const setupFor = (started - soakStarted) / 1000;
  cutting = true;
  const hubPids = new Set([...managed.map((m) => m.child?.pid), redis?.pid]);
  for (const child of children) if (!hubPids.has(child.pid)) killGroup(child);
  await observe();
  await Promise.all(managed.map(stopManaged));

  const client = new Client({ connectionString: databaseUrl() });
  client.on('error', () => undefined);
  await client.connect();
  const checks = await checkInvariants(client);
  await client.end();

  // The report.
  console.log('\n=== soak figures');
  console.log(
    [
      `duration: ${DURATION_S} s of operations + ${Math.max(0, ranFor - DURATION_S).toFixed(0)} s for the last ones to finish; setup ${setupFor.toFixed(0)} s; total ${((Date.now() - soakStarted) / 1000).toFixed(0)} s; seed ${SEED}`,
      `restarts: PostgreSQL ${events.databaseRestarts}, Redis ${events.redisRestarts}; workers killed with -9: ${events.workerKills}`,
      `hub processes that died on their own (failures): ${events.crashes.length}; restarts refused while the database was down: ${events.startRefusals}; operations cut off at the end (not counted): ${events.cutAtEnd}`,
    ].join('\n'),
  );
  console.log(
    `${'operation'.padEnd(12)} ${'attempted'.padStart(9)} ${'succeeded'.padStart(9)} ${'refused'.padStart(8)} ${'failed'.padStart(7)}`,
  );
  for (const [kind, f] of figures)
    console.log(
      `${kind.padEnd(12)} ${String(f.attempted).padStart(9)} ${String(f.succeeded).padStart(9)} ${String(f.refused).padStart(8)} ${String(f.failed).padStart(7)}`,
    );
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 12);
  if (reasons.refused.size) {
    console.log('refused (most frequent reasons):');
    for (const [reason, n] of top(reasons.refused)) console.log(`  ${String(n).padStart(4)}× ${reason}`);
  }
  if (reasons.failed.size) {
    console.log('FAILED operations (most frequent reasons):');
    for (const [reason, n] of top(reasons.failed)) console.log(`  ${String(n).padStart(4)}× ${reason}`);
  }
  for (const crash of events.crashes) console.log(`  CRASH ${crash.slice(0, 400)}`);

  console.log('\n=== invariants');
  for (const c of checks) {
    console.log(`${c.ok ? 'OK  ' : 'FAIL'} ${c.name}: ${c.line}`);
    for (const d of c.details.slice(0, 8)) console.log(`       ${d}`);
    if (c.details.length > 8) console.log(`       … and ${c.details.length - 8} more`);
  }
  const broken = checks.filter((c) => !c.ok).length;
  const failedOps = [...figures.values()].reduce((s, f) => s + f.failed, 0);
  const verdict = broken || failedOps || events.crashes.length ? 'FAIL' : 'PASS';
  console.log(
    `\nsoak ${verdict}: ${broken} invariant(s) broken, ${failedOps} operation(s) failed, ${events.crashes.length} hub process(es) died on their own; logs in ${logsDir}`,
  );
  cleanup();
  process.exit(verdict === 'PASS' ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(`soak: could not run: ${(error as Error)?.stack ?? String(error)}`);
  cleanup();
  process.exit(3);
});
