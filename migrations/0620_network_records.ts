/**
 * What the back office keeps about its people beyond 0001: a consultant's postal address (phone and
 * e-mail are already there), and a unit's name as of a date, so a rename is effective-dated like the
 * rest of the unit's structure (null: the name in `unit`). A unit is open on the days it has a
 * structure row; closing it ends those rows (see back-office/network/units.ts).
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

/** ALTER TABLE … ADD: Kysely writes `add column`, which Oracle refuses; Oracle takes `add (…)`. */
async function addColumn(
  { db, types: t, dialect }: MigrationContext,
  table: string,
  column: string,
  length: number,
): Promise<void> {
  if (dialect.isOracle)
    await sql`alter table ${sql.table(table)} add (${sql.ref(column)} ${sql.raw(`varchar2(${length} char)`)})`.execute(
      db as Kysely<unknown>,
    );
  else await db.schema.alterTable(table).addColumn(column, t.text(length)).execute();
}

export async function up(context: MigrationContext): Promise<void> {
  await addColumn(context, 'consultant', 'address', 500);
  await addColumn(context, 'unit_structure', 'name', 300);
  // Who is where, by unit, on a date: the unit tree's counts read it.
  await context.db.schema
    .createIndex('consultant_unit_unit_ix')
    .on('consultant_unit')
    .columns(['unit_id', 'superseded_at', 'valid_from'])
    .execute();
}
