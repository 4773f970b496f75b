/**
 * The catalogue of insurers and their products as records people keep (API, CLI, and
 * `ecspert insurer sync` from adapters/<insurer>/catalogue.yaml):
 * - insurer: contacts, whether the hub still works with it, when it was last changed;
 * - product: the line of business, whether it is sold, and the dates it is sold between
 *   (valid_to exclusive; null for open ends), so a list can be read "as of date D".
 * Flags are 0/1 integers with a check: Oracle before 23ai has no boolean column.
 */
import { sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

/**
 * Oracle's ALTER TABLE takes `add (column, …)`, not `add column` (what Kysely's builder writes), so
 * Oracle gets its statements spelled out, with the types ColumnTypes gives it.
 */
const ORACLE = [
  `alter table "insurer" add ("contact_person" varchar2(200 char), "contact_email" varchar2(200 char), "contact_phone" varchar2(40 char), "active" number(10) default 1 not null check ("active" in (0, 1)), "updated_at" timestamp with time zone)`,
  `alter table "product" add ("line_of_business" varchar2(40 char), "active" number(10) default 1 not null check ("active" in (0, 1)), "valid_from" date, "valid_to" date, "updated_at" timestamp with time zone)`,
];

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  if (dialect.isOracle) {
    for (const statement of ORACLE) await sql.raw(statement).execute(db);
    return;
  }
  const flag = (column: string) =>
    [
      t.int,
      (c: any) =>
        c
          .notNull()
          .defaultTo(1)
          .check(sql`${sql.ref(column)} in (0, 1)`),
    ] as const;

  await db.schema.alterTable('insurer').addColumn('contact_person', t.text(200)).execute();
  await db.schema.alterTable('insurer').addColumn('contact_email', t.text(200)).execute();
  await db.schema.alterTable('insurer').addColumn('contact_phone', t.text(40)).execute();
  await db.schema
    .alterTable('insurer')
    .addColumn('active', ...flag('active'))
    .execute();
  await db.schema.alterTable('insurer').addColumn('updated_at', t.timestamp).execute();

  // e.g. life, motor, property, accident, medical, liability (the insurer's licence line)
  await db.schema.alterTable('product').addColumn('line_of_business', t.text(40)).execute();
  await db.schema
    .alterTable('product')
    .addColumn('active', ...flag('active'))
    .execute();
  await db.schema.alterTable('product').addColumn('valid_from', t.date).execute();
  await db.schema.alterTable('product').addColumn('valid_to', t.date).execute();
  await db.schema.alterTable('product').addColumn('updated_at', t.timestamp).execute();
}
