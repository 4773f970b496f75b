/**
 * A person (policyholder or insured) is one row per tax number (РНОКПП), enforced by a unique index.
 * Parallel workers used to create the same person more than once, so the duplicates already stored
 * are merged first: every reference moves to the oldest row of its tax number, then the others go.
 * Persons without a tax number are not touched (the index allows any number of them).
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

/** Every column that refers to person.id (migrations 0001–0400). */
const REFERENCES: [table: string, column: string][] = [
  ['application', 'policyholder_id'],
  ['application', 'insured_person_id'],
  ['policy_version', 'policyholder_id'],
  ['policy_version', 'insured_person_id'],
];

/** Ids of persons that have an older row with the same tax number. */
function duplicateIds(db: Kysely<any>) {
  return db
    .selectFrom('person as p')
    .select('p.id')
    .where('p.tax_number', 'is not', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('person as q')
          .select('q.id')
          .whereRef('q.tax_number', '=', 'p.tax_number')
          .whereRef('q.id', '<', 'p.id'),
      ),
    );
}

export async function up({ db }: MigrationContext): Promise<void> {
  for (const [table, column] of REFERENCES) {
    await db
      .updateTable(table)
      .set((eb: any) => ({
        [column]: eb
          .selectFrom('person as k')
          .innerJoin('person as d', 'd.tax_number', 'k.tax_number')
          .select((s: any) => s.fn.min('k.id').as('id'))
          .whereRef('d.id', '=', `${table}.${column}`),
      }))
      .where(column, 'in', duplicateIds(db))
      .execute();
  }
  await db.deleteFrom('person').where('id', 'in', duplicateIds(db)).execute();
  await db.schema.dropIndex('person_tax_number_ix').execute();
  await db.schema.createIndex('person_tax_number_uq').on('person').column('tax_number').unique().execute();
}
