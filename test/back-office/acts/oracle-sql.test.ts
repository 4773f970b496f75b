/** The acts' SQL compiles for Oracle: the year's sequence row locked with FOR UPDATE, paging with FETCH, no LIMIT/RETURNING. */
import {
  allocateActNumber,
  loadCarriedBalances,
  loadPeriodLedger,
  loadPeriodRegister,
} from '../../../back-office/acts';
import { up as actsMigration } from '../../../migrations/0300_acts';
import { SqlDialect } from '../../../src/db';
import { oracleCompileDatabase } from '../../support/oracle-compile';

describe('acts SQL for Oracle', () => {
  const { database, recorder } = oracleCompileDatabase();
  const { db } = database;

  afterAll(() => database.close());

  beforeEach(() => {
    recorder.clear();
    recorder.respond = null;
  });

  it('takes a number under a row lock on the year', async () => {
    recorder.respond = (sql) =>
      /for update/i.test(sql)
        ? [{ last_number: 41 }]
        : sql.startsWith('select')
          ? [{ act_year: 2026 }]
          : undefined;
    expect(await allocateActNumber(database as any, 2026)).toBe('2026/000042');
    const lock = recorder.statements.find((s) => /for update/i.test(s.sql))!;
    expect(lock.sql).toBe('select "last_number" from "act_number_sequence" where "act_year" = :1 for update');
    expect(lock.parameters).toEqual([2026]);
    const update = recorder.statements.find((s) => s.sql.startsWith('update'))!;
    expect(update.sql).toMatch(
      /^update "act_number_sequence" set "last_number" = :1, "updated_at" = :2 where "act_year" = :3$/,
    );
    expect(update.parameters[0]).toBe(42);
  });

  it('reads the ledger and the register with offset/fetch, never limit or returning', async () => {
    await loadPeriodLedger(database as any, '2026-03');
    await loadPeriodRegister(database as any, '2026-03');
    for (const statement of recorder.sql) {
      expect(statement).not.toMatch(/\blimit\b/i);
      expect(statement).not.toMatch(/\breturning\b/i);
    }
    expect(recorder.sql[0]).toMatch(/inner join "calculation_run" "r"/);
    expect(recorder.sql[0]).toMatch(/offset :\d+ rows fetch (first|next) :\d+ rows only/i);
    expect(recorder.sql[1]).toMatch(/from "act" where "period_code" = :1 order by "act_number"/);
  });

  it('reads the balances carried in from closed periods with one grouped query and no limit', async () => {
    recorder.respond = (sql) =>
      sql.includes('group by')
        ? [
            { consultant_id: 7, period_code: '2026-01', total: '-10.00' },
            { consultant_id: 7, period_code: '2026-02', total: '4.00' },
          ]
        : sql.includes('from "consultant"')
          ? [{ id: 7, code: 'K-7', full_name: 'Ім’я', tax_number: null, legal_form: 'individual' }]
          : undefined;
    const carried = await loadCarriedBalances(database as any, '2026-03');
    expect(carried).toEqual([
      expect.objectContaining({
        amountKop: -600,
        fromPeriod: '2026-02',
        consultant: expect.objectContaining({ code: 'K-7' }),
      }),
    ]);
    expect(recorder.sql[0]).toMatch(
      /"period_code" in \(select "code" from "production_period" where "status" = :\d+\) group by "a"\."consultant_id", "a"\."period_code"/,
    );
    for (const statement of recorder.sql) expect(statement).not.toMatch(/\blimit\b|\breturning\b/i);
  });

  it('compiles the acts migration to Oracle DDL with quoted columns in checks', async () => {
    const dialect = new SqlDialect('oracle');
    await actsMigration({ db, types: dialect.types, dialect });
    const ddl = recorder.sql;
    expect(ddl.filter((s) => s.startsWith('create table')).length).toBe(4);
    const act = ddl.find((s) => s.startsWith('create table "act" '))!;
    expect(act).toContain('"gross" number(18,2) not null');
    expect(act).toContain('"pdf" blob not null');
    expect(act).toContain(`check ("legal_form" in ('individual', 'sole_proprietor'))`);
    expect(act).toContain('constraint "act_year_seq_uq" unique ("act_year", "sequence_no")');
    for (const statement of ddl) {
      expect(statement).not.toMatch(/\b(boolean|bytea|jsonb|timestamptz|text)\b/);
      expect(statement).not.toMatch(/check \((?!")/);
    }
  });
});
