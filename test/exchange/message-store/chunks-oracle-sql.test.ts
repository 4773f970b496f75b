/**
 * The chunked message store's SQL compiled for Oracle (no Oracle server runs here; see
 * test/db/oracle-sql.test.ts): a payload larger than a chunk is written as one insert per chunk
 * into exchange_message_chunk (a BLOB column, migration 0800) and read back a few chunks per query
 * in order, without PostgreSQL-only syntax.
 */
import { readPayloadChunks, storeMessage } from '../../../src/exchange/message-store';
import { oracleCompileDatabase, POSTGRES_ONLY } from '../../support/oracle-compile';

describe('Oracle SQL of the chunked message store', () => {
  it('writes the chunks in the message transaction and reads them back in order', async () => {
    let storedId = 0;
    const { database, recorder } = oracleCompileDatabase((statement) => {
      if (/^select "id" from "insurer"/.test(statement)) return [{ id: 3 }];
      if (/^select "id" from "exchange_message" where "idempotency_key"/.test(statement))
        return [{ id: (storedId = 41) }];
      if (/^select "payload", "size_bytes" from "exchange_message"/.test(statement))
        return [{ payload: null, size_bytes: 2500 }];
      if (/from "exchange_message_chunk"/.test(statement))
        return [
          { seq: 0, bytes: Buffer.alloc(1000, 1) },
          { seq: 1, bytes: Buffer.alloc(1000, 2) },
          { seq: 2, bytes: Buffer.alloc(500, 3) },
        ];
      return undefined;
    });
    await storeMessage(
      database,
      {
        insurerCode: 'DNIPRO_LIFE',
        channel: 'sftp',
        direction: 'inbound',
        messageType: 'contracts',
        externalName: 'CONTRACTS_20261002.csv',
        payload: Buffer.alloc(2500, 7),
      },
      new Date('2026-10-02T09:00:00Z'),
      { chunkBytes: 1000 },
    ).catch(() => undefined); // the recorder answers no stored message back; the SQL is what counts
    expect(storedId).toBe(41);
    const chunkInserts = recorder.sql.filter((s) => s.startsWith('insert into "exchange_message_chunk"'));
    expect(chunkInserts).toEqual(
      Array(3).fill(
        'insert into "exchange_message_chunk" ("message_id", "seq", "bytes") values (:1, :2, :3)',
      ),
    );
    recorder.clear();
    const pieces: Buffer[] = [];
    for await (const piece of readPayloadChunks(database, 41)) pieces.push(piece);
    expect(Buffer.concat(pieces).length).toBe(2500);
    expect(recorder.sql).toContainEqual(
      'select "seq", "bytes" from "exchange_message_chunk" where "message_id" = :1 and "seq" >= :2 and "seq" < :3 order by "seq"',
    );
    for (const statement of recorder.sql)
      for (const [pattern, why] of POSTGRES_ONLY)
        expect([statement, why]).not.toEqual([expect.stringMatching(pattern), why]);
    await database.close();
  });
});
