/**
 * A ledger built for appends (a period's calculation writes two million lines in one transaction):
 *
 * - A payment line's explanation is stored as structured data: `accrual.explanation_data`, a compact
 *   JSON array of the parts its text is made of (rule kind, amounts, payment, rates, levels, the
 *   consultants named, the uplines compression passed over), rendered to the same Ukrainian text when
 *   read (back-office/compensation/explanation.ts). `explanation` keeps the text of every other line
 *   and of every line written before this migration, so it may now be null. No row is rewritten.
 * - PostgreSQL (and PGlite): the ledger's keys are checked in bulk, once per run, by the one writer
 *   (back-office/compensation/ledger.ts checkLedgerKeys: one anti-join over the run's lines), instead
 *   of two foreign-key triggers firing for every line; that the rows they name stay is kept by
 *   triggers refusing to delete a consultant or a calculation run the ledger names (nothing deletes
 *   them today). The indexes of correction columns (corrects_period, storno_of_accrual_id), null on
 *   every line of a period's calculation, hold only the lines that have them.
 * - Oracle keeps its foreign keys (array DML checks them without a round trip per row) and already
 *   leaves nulls out of a one-column index.
 */
import { sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

/** Oracle's ALTER TABLE takes `add (…)` and `modify (…)`, not what Kysely's builder writes. */
const ORACLE_STATEMENTS = [
  `alter table "accrual" add ("explanation_data" varchar2(4000 char))`,
  `alter table "accrual" modify ("explanation" null)`,
];

const REFUSAL =
  'the accrual ledger names it: a consultant or calculation run with ledger lines is never deleted';

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  if (dialect.isOracle) {
    for (const statement of ORACLE_STATEMENTS) await sql.raw(statement).execute(db);
    return;
  }
  await db.schema.alterTable('accrual').addColumn('explanation_data', t.text(4000)).execute();
  await db.schema
    .alterTable('accrual')
    .alterColumn('explanation', (c) => c.dropNotNull())
    .execute();

  // Keys checked in bulk by the writer; what the foreign keys also refused (deleting a row the
  // ledger names) is refused by a trigger on each referenced table.
  await db.schema.alterTable('accrual').dropConstraint('accrual_run_id_fkey').execute();
  await db.schema.alterTable('accrual').dropConstraint('accrual_consultant_id_fkey').execute();
  await sql
    .raw(
      `create or replace function accrual_referenced() returns trigger language plpgsql as $body$ begin
        if (tg_table_name = 'consultant' and exists (select 1 from accrual where consultant_id = old.id))
          or (tg_table_name = 'calculation_run' and exists (select 1 from accrual where run_id = old.id)) then
          raise exception '${REFUSAL} (% %)', tg_table_name, old.id using errcode = 'foreign_key_violation';
        end if;
        return old;
      end $body$`,
    )
    .execute(db);
  for (const table of ['consultant', 'calculation_run'])
    await sql
      .raw(
        `create trigger ${table}_ledger_names_it before delete on ${table} for each row execute function accrual_referenced()`,
      )
      .execute(db);

  // Only correction lines have these; a period's two million lines need not enter their indexes.
  for (const [index, column] of [
    ['accrual_corrects_ix', 'corrects_period'],
    ['accrual_storno_ix', 'storno_of_accrual_id'],
  ]) {
    await db.schema.dropIndex(index).execute();
    await db.schema
      .createIndex(index)
      .on('accrual')
      .column(column)
      .where(sql.ref(column), 'is not', null)
      .execute();
  }
}
