/**
 * The ledger's integrity in the database itself:
 * - `period_lock`: one row per production period, locked (`select … for update`) by every operation
 *   that changes the period — calculate, recalculate and post corrections, close, acts — so that two
 *   of them never run on one period at once, whichever process or machine runs them
 *   (back-office/compensation/period-lock.ts);
 * - the accrual ledger is append-only: a trigger refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE)
 *   of `accrual`. Corrections are storno and additional lines; a later run of an open period
 *   supersedes the earlier one by the run's status, its lines stay.
 */
import { sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const REFUSAL =
  'the accrual ledger is append-only: its lines are never changed or deleted; post storno and additional lines instead';

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('period_lock')
    .addColumn('period_code', t.text(7), (c) => c.primaryKey()) // yyyy-mm
    .execute();

  if (dialect.isOracle) {
    await sql
      .raw(
        `create or replace trigger "accrual_append_only" before update or delete on "accrual" for each row begin raise_application_error(-20090, '${REFUSAL}'); end;`,
      )
      .execute(db);
    return;
  }
  // Unqualified names: the function and triggers land in the schema being migrated.
  await sql
    .raw(
      `create or replace function accrual_append_only() returns trigger language plpgsql as $body$ begin raise exception '${REFUSAL} (% refused)', tg_op using errcode = 'restrict_violation'; end $body$`,
    )
    .execute(db);
  await sql
    .raw(
      'create trigger accrual_no_change before update or delete on accrual for each row execute function accrual_append_only()',
    )
    .execute(db);
  await sql
    .raw(
      'create trigger accrual_no_truncate before truncate on accrual for each statement execute function accrual_append_only()',
    )
    .execute(db);
}
