/**
 * Persons and applications kept by hand through the API and the command line: a person's contact
 * details (changed with an audit entry), the day an application asks cover to start, and who entered
 * it. Every column is nullable, so the rows the demo and the exchange wrote stay as they are.
 */
import { sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

/**
 * Oracle's ALTER TABLE takes `add (column, …)`, not `add column` (what Kysely's builder writes), so
 * Oracle gets the same columns spelled out, with the types ColumnTypes gives it (as 0610 does).
 */
const ORACLE_ADDED_COLUMNS = [
  `alter table "person" add ("email" varchar2(200 char), "phone" varchar2(40 char), "address" varchar2(500 char), "updated_at" timestamp with time zone)`,
  `alter table "application" add ("start_on" date, "entered_by" varchar2(100 char))`,
];

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  if (dialect.isOracle) {
    for (const statement of ORACLE_ADDED_COLUMNS) await sql.raw(statement).execute(db);
    return;
  }
  await db.schema.alterTable('person').addColumn('email', t.text(200)).execute();
  await db.schema.alterTable('person').addColumn('phone', t.text(40)).execute();
  await db.schema.alterTable('person').addColumn('address', t.text(500)).execute();
  await db.schema.alterTable('person').addColumn('updated_at', t.timestamp).execute();
  // The cover start the client asks for; the insurer's policy has its own cover_start.
  await db.schema.alterTable('application').addColumn('start_on', t.date).execute();
  // The login (or consultant code) of whoever entered the application by hand; null for the demo's.
  await db.schema.alterTable('application').addColumn('entered_by', t.text(100)).execute();
}
