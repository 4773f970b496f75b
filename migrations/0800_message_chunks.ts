/**
 * Stored payloads in chunks: a message larger than one chunk (1 MiB by default) keeps its bytes in
 * exchange_message_chunk, in order, instead of in exchange_message.payload, so a 150 MB file is written
 * and read a chunk at a time (PGlite's bytea encoder cannot take it whole, and reading it back whole
 * cost a gigabyte of memory). The message row and its chunks are written in one transaction. Smaller
 * payloads stay inline as before, so messages stored earlier are read as they are: no data migration.
 */
import { sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  // A chunked message has no inline payload. Oracle spells it MODIFY (…), PostgreSQL ALTER COLUMN.
  if (dialect.isOracle) await sql.raw(`alter table "exchange_message" modify ("payload" null)`).execute(db);
  else
    await db.schema
      .alterTable('exchange_message')
      .alterColumn('payload', (c) => c.dropNotNull())
      .execute();
  await db.schema
    .createTable('exchange_message_chunk')
    .addColumn('message_id', t.ref, (c) => c.notNull().references('exchange_message.id'))
    // 0, 1, 2, …: the chunks of a message, concatenated in this order, are its payload.
    .addColumn('seq', t.int, (c) => c.notNull())
    .addColumn('bytes', t.bytes, (c) => c.notNull())
    .addPrimaryKeyConstraint('exchange_message_chunk_pk', ['message_id', 'seq'])
    .execute();
}
