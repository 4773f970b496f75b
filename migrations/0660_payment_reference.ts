/**
 * A premium payment keeps the insurer's own payment id, and a reversal keeps the payment it reverses
 * (reversal by reference): `insurer_payment_id` is what the insurer calls the payment (one payment
 * per id and insurer: its `external_key` is built from the id), `reverses_payment_id` the row it nets
 * to zero against. A payment is reversed at most once (unique). Both nullable: the rows insurers sent
 * without ids stay as they are.
 */
import { sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

/** Oracle's ALTER TABLE takes `add (column, …)`, not `add column`. */
const ORACLE = [
  `alter table "premium_payment" add ("insurer_payment_id" varchar2(100 char), "reverses_payment_id" number(19) references "premium_payment" ("id"))`,
];

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  if (dialect.isOracle) {
    for (const statement of ORACLE) await sql.raw(statement).execute(db);
  } else {
    await db.schema.alterTable('premium_payment').addColumn('insurer_payment_id', t.text(100)).execute();
    await db.schema
      .alterTable('premium_payment')
      .addColumn('reverses_payment_id', t.ref, (c) => c.references('premium_payment.id'))
      .execute();
  }
  await db.schema
    .alterTable('premium_payment')
    .addUniqueConstraint('premium_payment_reverses_uq', ['reverses_payment_id'])
    .execute();
}
