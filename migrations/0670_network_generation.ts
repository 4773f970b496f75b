/**
 * The network's generation: one row whose number moves, in the same transaction, with every change
 * of who sponsors whom, who is in which unit, and how units hang together (any insert, update or
 * delete of consultant_sponsor, consultant_unit or unit_structure, whoever writes it: the network
 * module, the approval flow, the demo, a bulk load). A cache of something computed from the network
 * (src/auth/scope.ts: the consultants a caller sees) keeps its value while the number is the same,
 * and reads the number with the session check each request already makes.
 *
 * A trigger per table, once per statement (a COPY of 100,000 rows bumps it once). The row's lock is
 * held until the writing transaction ends, so a reader sees the new number exactly when it sees
 * the change.
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const TABLES = ['consultant_sponsor', 'consultant_unit', 'unit_structure'];

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('network_generation')
    .addColumn('id', t.int, (c) => c.primaryKey())
    .addColumn('generation', t.bigint, (c) => c.notNull())
    .execute();
  await db.insertInto('network_generation').values({ id: 1, generation: 0 }).execute();
  const raw = db as Kysely<unknown>;
  if (dialect.isOracle) {
    for (const table of TABLES)
      await sql`create or replace trigger ${sql.id(`${table}_generation`)}
        after insert or update or delete on ${sql.table(table)}
        begin
          update "network_generation" set "generation" = "generation" + 1 where "id" = 1;
        end;`.execute(raw);
    return;
  }
  await sql`create function network_generation_bump() returns trigger language plpgsql as $$
    begin
      update network_generation set generation = generation + 1 where id = 1;
      return null;
    end
  $$`.execute(raw);
  for (const table of TABLES)
    await sql`create trigger ${sql.id(`${table}_generation`)}
      after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute function network_generation_bump()`.execute(raw);
}
