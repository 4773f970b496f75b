/**
 * kill -9 in the middle of applying a large contracts file: the message is applied in one
 * transaction, so nothing of it reaches the core and it is not marked applied; processing it again
 * applies it exactly once, and a third time changes nothing.
 *
 * PostgreSQL only: the child process and this one must share a database server. PGlite is an
 * embedded, single-process engine (in memory in the tests); sharing it would need a data directory
 * opened by two processes in turn, which tests PGlite's file handling rather than our transaction.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { contractLines, policyNumber } from '../../../bench/generate-dnipro-contracts';
import { findMessage, storeMessage } from '../../../src/exchange/message-store';
import { type ExchangeDeps, processMessage, replayMessage } from '../../../src/exchange/pipeline';
import { availableEngines, openTestDatabase, postgresUrl, type TestDatabase } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';

const ROWS = 60_000;
const CONSULTANTS = 100;
const root = path.resolve(__dirname, '../../..');
const child = path.join(__dirname, 'process-child.ts');
/** Rows with an impossible issue date: row issues, never applied. */
const BAD_EVERY = 7_919;

/** The generated file, with a few rows made unreadable; what a correct run must leave behind. */
function contractsFile() {
  const lines: string[] = [];
  const unknownAgents = new Set<string>();
  /** Contracts citing an application the hub does not hold (it holds none): contract_without_application. */
  const citing = new Set<string>();
  const bad = new Set<number>();
  const generator = contractLines({ rows: ROWS, consultants: CONSULTANTS, unknownAgentPct: 1, seed: 42 });
  for (let step = generator.next(); !step.done; step = generator.next()) lines.push(...step.value);
  for (let n = 1; n <= ROWS; n++) {
    const fields = lines[n].split(';');
    if (n % BAD_EVERY === 0) {
      fields[2] = '31.09.2026';
      bad.add(n);
      lines[n] = fields.join(';');
    } else {
      if (/^K-9/.test(fields[11])) unknownAgents.add(fields[0]);
      if (fields[1]) citing.add(fields[0]);
    }
  }
  return {
    payload: iconv.encode(lines.join('\r\n') + '\r\n', 'win1251'),
    good: ROWS - bad.size,
    bad: bad.size,
    unknownAgents: unknownAgents.size,
    mismatches: unknownAgents.size + citing.size,
  };
}

/** Resolves once the child has reported `rows` rows; rejects when it ends or says nothing for long. */
function progressAtLeast(proc: ChildProcess, rows: number, output: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        const m = /^progress (\d+)$/.exec(line);
        if (m && Number(m[1]) >= rows) {
          proc.stdout!.off('data', onData);
          resolve(Number(m[1]));
          return;
        }
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    proc.once('exit', (code, signal) =>
      reject(
        new Error(
          `the child ended (code ${code}, signal ${signal}) before reporting ${rows} rows:\n${output.join('\n')}`,
        ),
      ),
    );
  });
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const engines = availableEngines();
const describeOnPostgres = engines.includes('postgres') ? describe : describe.skip;

describeOnPostgres('kill -9 while a large contracts file is applied [postgres]', () => {
  let database: TestDatabase & { drop(): Promise<void> };
  let deps: ExchangeDeps;
  let proc: ChildProcess | null = null;
  const count = async (table: 'policy' | 'policy_version' | 'person' | 'mismatch' | 'exchange_row_issue') =>
    Number(
      (
        await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const core = async () => ({
    policies: await count('policy'),
    versions: await count('policy_version'),
    persons: await count('person'),
    mismatches: await count('mismatch'),
    rowIssues: await count('exchange_row_issue'),
  });

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    deps = { database, secretsDir: __dirname };
    await seedIntermediary(database);
    const known = new Set(
      (await database.db.selectFrom('consultant').select('code').execute()).map((r) => r.code),
    );
    const codes = Array.from({ length: CONSULTANTS }, (_, i) => `K-${String(i + 1).padStart(5, '0')}`);
    await database.db
      .insertInto('consultant')
      .values(
        codes
          .filter((code) => !known.has(code))
          .map((code) => ({
            code,
            full_name: `Консультант ${code}`,
            tax_number: null,
            legal_form: 'individual' as const,
            email: null,
            phone: null,
            hired_on: '2025-01-01',
            terminated_on: null,
            created_at: new Date('2025-01-01T00:00:00Z'),
          })),
      )
      .execute();
  }, 60_000);

  afterAll(async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await database?.drop();
  });

  it('leaves nothing of the message behind, then applies it exactly once', async () => {
    const file = contractsFile();
    const before = await core();
    const { message } = await storeMessage(database, {
      insurerCode: 'DNIPRO_LIFE',
      channel: 'sftp',
      direction: 'inbound',
      messageType: 'contracts',
      externalName: 'CONTRACTS_20261002.csv',
      externalId: '/out/CONTRACTS_20261002.csv',
      payload: file.payload,
    });

    // 1. A worker processes it and is killed with SIGKILL well inside the apply.
    const output: string[] = [];
    proc = spawn(process.execPath, ['-r', 'tsx/cjs', child, database.schemaName!, String(message.id)], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: postgresUrl()! },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const reached = await progressAtLeast(proc, Math.round(ROWS * 0.3), output);
    expect(reached).toBeLessThan(ROWS);
    // The transaction is open on the server, holding uncommitted rows, when the worker dies.
    const schemaName = database.schemaName!;
    const open = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where application_name = ${`crash-child-${schemaName}`} and xact_start is not null`.execute(
      database.db,
    );
    expect(Number(open.rows[0].n)).toBeGreaterThanOrEqual(1);
    const exited = new Promise<string | null>((resolve) =>
      proc!.once('exit', (_c, signal) => resolve(signal)),
    );
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(output.join('\n')).not.toMatch(/^done /m);

    // The server notices the dead client and rolls its transaction back.
    await until(
      'the killed worker to leave the server',
      async () => {
        const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where application_name = ${`crash-child-${schemaName}`}`.execute(database.db);
        return Number(r.rows[0].n) === 0 ? true : null;
      },
      60_000,
    );

    // 2. All or nothing: nothing of the message is in the core, and it is not applied.
    expect(await core()).toEqual(before);
    const afterKill = await findMessage(database, message.id);
    expect(afterKill?.status).not.toBe('applied');
    expect(afterKill?.attempts).toBe(1);

    // 3. Processed again, it is applied exactly once.
    const report = await processMessage(deps, message.id, { chunkSize: 1000 });
    expect(report).toMatchObject({
      status: 'applied',
      rows: ROWS,
      applied: file.good,
      unchanged: 0,
      rowIssues: file.bad,
      mismatchesRaised: file.mismatches,
    });
    const applied = await core();
    expect(applied.policies).toBe(file.good);
    expect(applied.versions).toBe(file.good);
    expect(applied.mismatches - before.mismatches).toBe(file.mismatches);
    expect(applied.rowIssues).toBe(file.bad);
    const twice = await database.db
      .selectFrom('policy_version')
      .select('policy_id')
      .groupBy('policy_id')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(twice).toEqual([]);
    const issues = await database.db
      .selectFrom('exchange_row_issue')
      .select(['row_no', 'field'])
      .where('message_id', '=', message.id)
      .orderBy('row_no')
      .execute();
    // Row numbers count the header as row 1.
    expect(issues.map((i) => i.row_no)).toEqual(
      Array.from({ length: file.bad }, (_, k) => (k + 1) * BAD_EVERY + 1),
    );
    expect(new Set(issues.map((i) => i.field))).toEqual(new Set(['Дата укладення']));
    const sample = await database.db
      .selectFrom('policy')
      .select('number')
      .where('number', 'in', [policyNumber(1), policyNumber(BAD_EVERY)])
      .execute();
    expect(sample.map((p) => p.number)).toEqual([policyNumber(1)]);
    expect((await findMessage(database, message.id))?.status).toBe('applied');

    // 4. A third time changes nothing: skipped as applied, and a replay finds everything in place.
    expect((await processMessage(deps, message.id)).status).toBe('skipped');
    const replay = await replayMessage(deps, message.id, { chunkSize: 5000 });
    expect(replay).toMatchObject({
      status: 'applied',
      applied: 0,
      unchanged: file.good,
      mismatchesRaised: 0,
    });
    const after = await core();
    expect({ ...after, rowIssues: 0 }).toEqual({ ...applied, rowIssues: 0 });
    // The replay keeps its own row issues (the same bad rows, under the replay's message).
    expect(after.rowIssues).toBe(applied.rowIssues + file.bad);
  }, 600_000);
});
