/**
 * What the back office keeps about its people beyond 0001: a consultant's postal address (phone and
 * e-mail are already there), and a unit's name as of a date, so a rename is effective-dated like the
 * rest of the unit's structure (null: the name in `unit`). A unit is open on the days it has a
 * structure row; closing it ends those rows (see back-office/network/units.ts).
 */
import type { MigrationContext } from '../src/db/migrator';

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  await db.schema.alterTable('consultant').addColumn('address', t.text(500)).execute();
  await db.schema.alterTable('unit_structure').addColumn('name', t.text(300)).execute();
  // Who is where, by unit, on a date: the unit tree's counts read it.
  await db.schema
    .createIndex('consultant_unit_unit_ix')
    .on('consultant_unit')
    .columns(['unit_id', 'superseded_at', 'valid_from'])
    .execute();
}
