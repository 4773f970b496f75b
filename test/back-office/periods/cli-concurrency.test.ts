/**
 * Two `ecspert period calculate` processes at once against one PostgreSQL schema (issue 9, Money 1):
 * what users run, the README's command, each process with its own connections. A third session
 * holds a lock on the metrics table until both processes have calculated and come to post, so their
 * postings overlap every time; exactly one posted run must remain. PostgreSQL only: two processes
 * cannot share an embedded database.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { closePeriod } from '../../../back-office/periods';
import { openDatabase } from '../../../src/db';
import { openTestDatabase, postgresUrl, type TestDatabase } from '../../support/engines';
import { seedNetwork, seedPayment, seedPolicy } from '../compensation/db-support';

jest.setTimeout(180_000);

const url = postgresUrl();
if (!url && process.env.CI === 'true')
  throw new Error(
    'CI=true but DATABASE_URL does not point at PostgreSQL: the CLI concurrency test cannot skip',
  );
if (!url) console.log('two CLI calculations at once skipped: set DATABASE_URL=postgres://… to run it');
const describePostgres = url ? describe : describe.skip;

const bin = path.resolve(__dirname, '../../../bin/ecspert.js');

interface Run {
  stderr: string;
  exited: boolean;
  done: Promise<{ status: number | null; stdout: string; stderr: string }>;
}

function ecspert(schema: string, ...args: string[]): Run {
  const target = new URL(url!);
  target.searchParams.set('options', `-c search_path=${schema}`);
  const child = spawn(process.execPath, [bin, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: os.tmpdir(),
      DATABASE_URL: target.toString(),
      LOG_LEVEL: 'silent',
    },
  });
  const run: Run = { stderr: '', exited: false, done: undefined as never };
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (run.stderr += d));
  run.done = new Promise((resolve) =>
    child.on('close', (status) => {
      run.exited = true;
      resolve({ status, stdout: stdout.trim(), stderr: run.stderr.trim() });
    }),
  );
  return run;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, test: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (await test()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting until ${what}`);
}

describePostgres('two `ecspert period calculate` processes at once [postgres]', () => {
  let database: TestDatabase & { drop(): Promise<void> };
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    const s = await seedNetwork(database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
    ]);
    await seedPayment(database, await seedPolicy(database, s, 'S'), '2026-03-10', '40000.00');
    await seedPayment(database, await seedPolicy(database, s, 'M'), '2026-03-12', '8000.00');
    await seedPayment(database, await seedPolicy(database, s, 'D'), '2026-03-15', '120000.00');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('post one run: the second waits for the first and supersedes it', async () => {
    const holder = await openDatabase(
      { engine: 'postgres', url: url! },
      { searchPath: database.schemaName!, poolSize: 1 },
    );
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.db.transaction().execute(async (trx) => {
      await sql`lock table consultant_period_metric in share mode`.execute(trx);
      locked();
      await released;
    });
    await isLocked;
    const first = ecspert(database.schemaName!, 'period', 'calculate', '2026-03', '--by', 'cli-1');
    const second = ecspert(database.schemaName!, 'period', 'calculate', '2026-03', '--by', 'cli-2');
    try {
      // Both have calculated and go on to post; one of them already waits on the held lock.
      await until('both processes calculated', () => {
        const gone = [first, second].find((r) => r.exited);
        if (gone) throw new Error(`a calculation ended before posting: ${gone.stderr}`);
        return [first, second].every((r) => /calculated: \d+/.test(r.stderr));
      });
      await until('a posting waits on the metrics table', async () => {
        const r = await sql<{ n: number }>`
          select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
          join pg_namespace s on s.oid = c.relnamespace
          where not l.granted and c.relname = 'consultant_period_metric' and s.nspname = ${database.schemaName}`.execute(
          database.db,
        );
        return Number(r.rows[0].n) >= 1;
      });
      await sleep(1000); // the other posting comes to its wait too
    } finally {
      release();
      await holding;
      await holder.close();
    }
    const results = await Promise.all([first.done, second.done]);
    // The one that came second was told why it waits.
    expect(
      results.filter((r) =>
        r.stderr.includes(
          'period 2026-03 is being changed by another operation (a calculation, recalculation, close or acts); waiting for it to finish',
        ),
      ),
    ).toHaveLength(1);
    for (const r of results) {
      expect(r.stderr).not.toMatch(/ecspert:/);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^2026-03 run \d+: 6 line\(s\), 29 400,00 /);
    }
    const runs = await sql<{ status: string; created_by: string }>`
      select status, created_by from calculation_run where period_code = '2026-03' order by id`.execute(
      database.db,
    );
    expect(runs.rows.map((r) => r.status).sort()).toEqual(['posted', 'superseded']);
    const posted = await sql<{ total: string }>`
      select sum(a.amount) as total from accrual a join calculation_run r on r.id = a.run_id
      where r.status = 'posted' and a.period_code = '2026-03'`.execute(database.db);
    expect(posted.rows[0].total).toBe('29400.00');
  });

  it('refuses to calculate the period once it is closed, in one line that says what to do', async () => {
    await closePeriod(database, '2026-03', { closedBy: 'buh' });
    const refused = await ecspert(database.schemaName!, 'period', 'calculate', '2026-03').done;
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      'ecspert: period 2026-03 is closed; a change to it is posted as a recalculation in the open period',
    );
    const runs = await sql<{ n: number }>`
      select count(*)::int as n from calculation_run where period_code = '2026-03' and status = 'posted'`.execute(
      database.db,
    );
    expect(runs.rows[0].n).toBe(1);
  });
});
