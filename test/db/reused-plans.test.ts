/**
 * Reads planned once per connection (src/db/reused-plans.ts): a read outside a transaction becomes a
 * prepared statement of its connection, a read inside one does not, a table that changes shape
 * under a prepared read still answers (with its new columns), and a connection prepares at most
 * its limit of distinct texts.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db';
import { reusePlansForReads } from '../../src/db/reused-plans';
import { postgresUrl } from '../support/engines';

const url = postgresUrl();
const describeIf = url ? describe : describe.skip;
const table = `reused_plans_${process.pid}`;

describeIf('reads planned once per PostgreSQL connection', () => {
  let database: Database;
  const prepared = async () =>
    (
      await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(database.db)
    ).rows.map((r) => r.statement);

  beforeAll(async () => {
    database = await openDatabase({ engine: 'postgres', url: url! }, { poolSize: 1 });
    await sql`create table ${sql.table(table)} (id int primary key, name text)`.execute(database.db);
    await sql`insert into ${sql.table(table)} values (1, 'Олена'), (2, 'Петро')`.execute(database.db);
  });
  afterAll(async () => {
    await sql`drop table if exists ${sql.table(table)}`.execute(database.db);
    await database?.close();
  });

  it('prepares a read outside a transaction once and answers it the same each time', async () => {
    for (let i = 0; i < 7; i++) {
      const row = await database.db
        .selectFrom(table as never)
        .select(['name' as never])
        .where('id' as never, '=', 1 as never)
        .executeTakeFirst();
      expect(row).toEqual({ name: 'Олена' });
    }
    const statements = (await prepared()).filter((s) => s.includes(table));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^select "name" from/);
  });

  it('does not prepare a read inside a transaction', async () => {
    await database.db.transaction().execute(async (trx) => {
      const row = await sql<{
        id: number;
      }>`select id from ${sql.table(table)} where name = ${'Петро'}`.execute(trx);
      expect(row.rows).toEqual([{ id: 2 }]);
    });
    expect((await prepared()).some((s) => s.includes('where name ='))).toBe(false);
  });

  it('answers with the new columns after the table changes shape under a prepared read', async () => {
    const read = () =>
      sql<Record<string, unknown>>`select * from ${sql.table(table)} where id = ${2}`.execute(database.db);
    expect((await read()).rows).toEqual([{ id: 2, name: 'Петро' }]);
    expect((await read()).rows).toEqual([{ id: 2, name: 'Петро' }]);
    await sql`alter table ${sql.table(table)} add column unit text default 'U-1'`.execute(database.db);
    expect((await read()).rows).toEqual([{ id: 2, name: 'Петро', unit: 'U-1' }]);
    expect((await read()).rows).toEqual([{ id: 2, name: 'Петро', unit: 'U-1' }]);
  });

  it('prepares at most its limit of distinct texts on a connection', async () => {
    const client = new pg.Client({ connectionString: url! });
    await client.connect();
    try {
      reusePlansForReads(client, 2);
      for (const column of ['1', '2', '3', '4'])
        expect((await client.query(`select ${column} as n where $1::int = 1`, [1])).rows).toEqual([
          { n: Number(column) },
        ]);
      const names = await client.query('select name from pg_prepared_statements');
      expect(names.rowCount).toBe(2);
    } finally {
      await client.end();
    }
  });
});
