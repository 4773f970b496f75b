/**
 * What a bounded recalculation (back-office/periods/reach-load.ts) reads its reach through:
 *
 * - `recalc_reach`: the consultants of one correction run's reach (its subtree, `in_subtree` 1, and
 *   the uplines above it, 0), written at the start of the run and emptied before it commits, so the
 *   reach's payments, network, ledger lines and stored metrics are read by one join each instead of
 *   IN lists of thousands of ids. On Oracle a global temporary table whose rows each transaction
 *   sees alone and loses at commit. On PostgreSQL and PGlite a plain table without a key: rows a
 *   transaction has not committed are invisible to every other, and without a unique key two runs
 *   writing the same consultants never wait for each other.
 * - `premium_payment_policy_ix` (policy_id, paid_on): a subtree's payments over the recalculated
 *   periods by its policies (the existing index leads with the date: a scan of every payment).
 */
import { sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  if (dialect.isOracle)
    await sql
      .raw(
        'create global temporary table "recalc_reach" ("consultant_id" number(19) not null, "in_subtree" number(10) not null) on commit delete rows',
      )
      .execute(db);
  else
    await db.schema
      .createTable('recalc_reach')
      .addColumn('consultant_id', t.ref, (c) => c.notNull())
      .addColumn('in_subtree', t.int, (c) => c.notNull())
      .execute();
  await db.schema
    .createIndex('recalc_reach_ix')
    .on('recalc_reach')
    .columns(['consultant_id', 'in_subtree'])
    .execute();
  await db.schema
    .createIndex('premium_payment_policy_ix')
    .on('premium_payment')
    .columns(['policy_id', 'paid_on'])
    .execute();
}
