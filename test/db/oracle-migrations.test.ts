/**
 * Every migration compiled for Oracle, statement by statement: Oracle's ALTER TABLE takes
 * `add (column, …)` and refuses `add column` (ORA-00904/ORA-00922), which is what Kysely's
 * `alterTable().addColumn()` writes. No Oracle server runs here (see oracle-live.test.ts), so the
 * DDL the migrations would send is recorded and read.
 */
import { Kysely } from 'kysely';
import {
  type DB,
  loadMigrations,
  migrate,
  OracleCompileDialect,
  SqlDialect,
  SqlRecorder,
} from '../../src/db';

async function oracleDdl(): Promise<{ migration: string; sql: string }[]> {
  const recorder = new SqlRecorder();
  recorder.answers.push([{ n: 0 }]); // schema_migration does not exist yet
  const db = new Kysely<DB>({ dialect: new OracleCompileDialect(recorder) });
  const statements: { migration: string; sql: string }[] = [];
  let seen = 0;
  await migrate(db, new SqlDialect('oracle'), loadMigrations(), (id) => {
    for (const statement of recorder.sql.slice(seen)) statements.push({ migration: id, sql: statement });
    seen = recorder.sql.length;
  });
  await db.destroy();
  return statements;
}

describe('Oracle DDL of the migrations', () => {
  it('adds columns with ALTER TABLE … ADD (…) in every migration, never ADD COLUMN', async () => {
    const ddl = await oracleDdl();
    expect(new Set(ddl.map((s) => s.migration)).size).toBe(loadMigrations().length);
    const refused = ddl.filter((s) => /\badd\s+column\b/i.test(s.sql)).map((s) => `${s.migration}: ${s.sql}`);
    expect(refused).toEqual([]);
  });

  it('sends nothing Oracle 19c would refuse: no multi-row VALUES, no SELECT without FROM', async () => {
    const ddl = await oracleDdl();
    const refused = ddl
      .filter((s) =>
        [/\bvalues\s*\((?:[^()']|'[^']*')*\)\s*,\s*\(/i, /^select\b(?![\s\S]*\bfrom\b)/i].some((p) =>
          p.test(s.sql),
        ),
      )
      .map((s) => `${s.migration}: ${s.sql}`);
    expect(refused).toEqual([]);
  });

  it("adds 0400's period columns the Oracle way, with the check on a quoted column", async () => {
    const ddl = (await oracleDdl()).filter((s) => s.migration === '0400_periods');
    expect(ddl.map((s) => s.sql)).toEqual(
      expect.arrayContaining([
        `alter table "calculation_run" add ("run_kind" varchar2(20 char) default 'period' not null check ("run_kind" in ('period', 'correction')), "corrects_period" varchar2(7 char))`,
        `alter table "accrual" add ("cause" varchar2(1000 char))`,
      ]),
    );
  });

  it("adds 0630's person and application columns the Oracle way", async () => {
    const ddl = (await oracleDdl()).filter(
      (s) => s.migration === '0630_policy_records' && !s.sql.includes('"schema_migration"'),
    );
    expect(ddl.map((s) => s.sql)).toEqual([
      `alter table "person" add ("email" varchar2(200 char), "phone" varchar2(40 char), "address" varchar2(500 char), "updated_at" timestamp with time zone)`,
      `alter table "application" add ("start_on" date, "entered_by" varchar2(100 char))`,
    ]);
  });
});
