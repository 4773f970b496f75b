/**
 * The ledger stores a payment line's explanation as structured data: `accrual.explanation_data`, a
 * compact JSON array of the parts the text is made of (rule kind, amounts, payment, rates, levels,
 * the consultants named, the uplines compression passed over), rendered to the same Ukrainian text
 * when read (back-office/compensation/explanation.ts). `explanation` keeps the text of every other
 * line and of every line written before this migration, so it may now be null; no row is rewritten.
 */
import { sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

/** Oracle's ALTER TABLE takes `add (…)` and `modify (…)`, not what Kysely's builder writes. */
const ORACLE_STATEMENTS = [
  `alter table "accrual" add ("explanation_data" varchar2(4000 char))`,
  `alter table "accrual" modify ("explanation" null)`,
];

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
}
