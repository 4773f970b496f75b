/**
 * The Oracle connection's routing of array DML. No Oracle server runs here (the live suite runs
 * where ORACLE_URL is set), so node-oracledb's pool is stood in for by one that records what the
 * product's Kysely dialect hands it: array-DML statements must reach `executeMany` with their rows,
 * everything else `execute`, and a transaction must still commit on the same connection.
 */
import { Kysely, sql } from 'kysely';
import { OracleArrayDmlDialect } from '../../src/db/dialects/oracle-array-dml';
import { SqlDialect } from '../../src/db';

function recordingPool() {
  const calls: { method: 'execute' | 'executeMany' | 'commit' | 'close'; sql?: string; binds?: unknown }[] =
    [];
  const connection = {
    execute: async (statement: string, binds: unknown) => {
      calls.push({ method: 'execute', sql: statement, binds });
      return { rows: [{ one: 1 }] };
    },
    executeMany: async (statement: string, binds: unknown[][]) => {
      calls.push({ method: 'executeMany', sql: statement, binds });
      return { rowsAffected: binds.length };
    },
    commit: async () => void calls.push({ method: 'commit' }),
    rollback: async () => undefined,
    close: async () => void calls.push({ method: 'close' }),
  };
  return { calls, pool: { getConnection: async () => connection, close: async () => undefined } };
}

describe('Oracle array DML through the product dialect', () => {
  it('sends bulk inserts with executeMany inside the caller’s transaction and other statements with execute', async () => {
    const { calls, pool } = recordingPool();
    const db = new Kysely<any>({ dialect: new OracleArrayDmlDialect({ pool: pool as any }) });
    const dialect = new SqlDialect('oracle');
    const rows = Array.from({ length: 7_001 }, (_, i) => ({ code: `C${i}`, amount: i }));
    await db.transaction().execute(async (trx) => {
      await sql`select 1 as "one" from dual`.execute(trx);
      await dialect.bulkInsert(trx, 'sample', rows);
      await dialect.insertIgnoringDuplicates(trx, 'sample', rows.slice(0, 3), {
        columns: ['code'],
        index: 'sample_code_uq',
      });
    });
    await db.destroy();
    expect(calls.map((c) => c.method)).toEqual([
      'execute',
      'executeMany',
      'executeMany',
      'executeMany',
      'commit',
      'close',
    ]);
    expect(calls[1].sql).toBe('insert into "sample" ("code", "amount") values (:1, :2)');
    expect((calls[1].binds as unknown[][]).length).toBe(5000);
    expect((calls[2].binds as unknown[][]).length).toBe(2001);
    expect((calls[2].binds as unknown[][])[2000]).toEqual(['C7000', 7000]);
    expect(calls[3].sql).toBe(
      'insert /*+ IGNORE_ROW_ON_DUPKEY_INDEX("sample", "sample_code_uq") */ into "sample" ("code", "amount") values (:1, :2)',
    );
    expect(calls[3].binds).toEqual([
      ['C0', 0],
      ['C1', 1],
      ['C2', 2],
    ]);
  });
});
