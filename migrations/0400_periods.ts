/**
 * Production periods beyond the core's production_period row: the kind of a calculation run (a
 * period's own calculation, or a correction run that posts storno and additional lines into the
 * open period), the cause of each correction line, which recalculation requests a correction run
 * answered, and the closing attempts with the reasons a close was refused.
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

/**
 * Oracle's ALTER TABLE takes `add (column, …)`, not `add column` (what Kysely's builder writes), so
 * Oracle gets the added columns spelled out, with the types ColumnTypes gives it (as 0610 does).
 */
const ORACLE_ADDED_COLUMNS = [
  `alter table "calculation_run" add ("run_kind" varchar2(20 char) default 'period' not null check ("run_kind" in ('period', 'correction')), "corrects_period" varchar2(7 char))`,
  `alter table "accrual" add ("cause" varchar2(1000 char))`,
];

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

/** The columns 0400 adds to tables of 0001, as PostgreSQL and PGlite take them. */
async function addColumns({ db, types: t }: MigrationContext): Promise<void> {
  // 'period': the period's own calculation (a later one supersedes it while the period is open);
  // 'correction': storno/additional lines of a recalculation of closed periods; never superseded.
  await db.schema
    .alterTable('calculation_run')
    .addColumn('run_kind', t.text(20), (c) =>
      c
        .notNull()
        .defaultTo('period')
        .check(sql`${sql.ref('run_kind')} in ('period', 'correction')`),
    )
    .execute();
  await db.schema
    .alterTable('calculation_run')
    .addColumn('corrects_period', t.text(7)) // the closed period a correction run recalculated
    .execute();
  // Why a correction line was posted: the recalculation requests and changes behind it.
  await db.schema.alterTable('accrual').addColumn('cause', t.text(1000)).execute();
}

export async function up(context: MigrationContext): Promise<void> {
  const { db, types: t, dialect } = context;
  if (dialect.isOracle) for (const statement of ORACLE_ADDED_COLUMNS) await sql.raw(statement).execute(db);
  else await addColumns(context);
  await db.schema.createIndex('accrual_corrects_ix').on('accrual').column('corrects_period').execute();
  await db.schema.createIndex('accrual_storno_ix').on('accrual').column('storno_of_accrual_id').execute();

  // Which recalculation requests a correction run answered (one run may answer many).
  await db.schema
    .createTable('correction_run_request')
    .addColumn('id', t.id, identity)
    .addColumn('run_id', t.ref, (c) => c.notNull().references('calculation_run.id'))
    .addColumn('request_id', t.ref, (c) => c.notNull().references('recalculation_request.id'))
    .execute();
  await db.schema
    .createIndex('correction_run_request_ix')
    .on('correction_run_request')
    .column('request_id')
    .execute();

  // Every attempt to close a period, refused ones with their reasons (the audit of closing).
  await db.schema
    .createTable('period_close_attempt')
    .addColumn('id', t.id, identity)
    .addColumn('period_code', t.text(7), notNull)
    .addColumn('attempted_at', t.timestamp, notNull)
    .addColumn('attempted_by', t.text(100), notNull)
    .addColumn('outcome', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('outcome')} in ('closed', 'refused')`),
    )
    .addColumn('reasons', t.json) // the blocking items when refused
    .execute();
}
