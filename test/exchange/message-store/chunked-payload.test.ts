/**
 * Payloads larger than one chunk are stored in chunks (exchange_message_chunk) and read back as a
 * stream: byte for byte what came in, with its sha256; the same content twice is one message however
 * it is handed over (bytes, a file, a stream); a source that fails half-way leaves nothing stored; a
 * CSV message stored in chunks is processed as one stored inline is; and on PGlite a 20 MB payload
 * (its whole-buffer path went through PGlite's bytea encoder in one piece) is stored and read a
 * megabyte at a time.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import {
  PAYLOAD_CHUNK_BYTES,
  readPayload,
  readPayloadChunks,
  readPayloadHead,
  readPayloadStream,
  storeMessage,
  type NewMessage,
} from '../../../src/exchange/message-store';
import { processMessage, replayMessage } from '../../../src/exchange/pipeline';
import { describeEachEngine } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';

const root = path.resolve(__dirname, '../../..');
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describeEachEngine('payloads stored in chunks', (ctx) => {
  const inbound = (payload: NewMessage['payload'], externalName = 'CONTRACTS_20261002.csv'): NewMessage => ({
    insurerCode: 'DNIPRO_LIFE',
    channel: 'sftp',
    direction: 'inbound',
    messageType: 'contracts',
    externalName,
    payload,
  });
  const count = async (table: 'exchange_message' | 'exchange_message_chunk' | 'exchange_message_event') =>
    Number(
      (
        await ctx.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const chunksOf = async (messageId: number) =>
    (
      await ctx.database.db
        .selectFrom('exchange_message_chunk')
        .select(sql<number>`octet_length(bytes)`.as('n'))
        .where('message_id', '=', messageId)
        .orderBy('seq')
        .execute()
    ).map((r) => Number(r.n));
  const collect = async (messageId: number) => {
    const pieces: Buffer[] = [];
    for await (const piece of readPayloadChunks(ctx.database, messageId)) pieces.push(piece);
    return pieces;
  };

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
  });

  const payload = randomBytes(10_500);

  it('stores a payload larger than a chunk in chunks and reads it back byte for byte', async () => {
    const { message, duplicate } = await storeMessage(ctx.database, inbound(payload), undefined, {
      chunkBytes: 1000,
    });
    expect(duplicate).toBe(false);
    expect(message).toMatchObject({ sha256: sha(payload), sizeBytes: 10_500, status: 'received' });
    expect(await chunksOf(message.id)).toEqual([...Array(10).fill(1000), 500]);
    const row = await ctx.database.db
      .selectFrom('exchange_message')
      .select('payload')
      .where('id', '=', message.id)
      .executeTakeFirstOrThrow();
    expect(row.payload).toBeNull();
    const pieces = await collect(message.id);
    expect(pieces.length).toBe(11);
    expect(Buffer.concat(pieces).equals(payload)).toBe(true);
    expect((await readPayload(ctx.database, message.id)).equals(payload)).toBe(true);
    const streamed: Buffer[] = [];
    for await (const piece of readPayloadStream(ctx.database, message.id)) streamed.push(piece);
    expect(sha(Buffer.concat(streamed))).toBe(sha(payload));
    expect((await readPayloadHead(ctx.database, message.id, 2500)).equals(payload.subarray(0, 2500))).toBe(
      true,
    );
    await expect(readPayload(ctx.database, message.id, { maxBytes: 10_000 })).rejects.toThrow(
      /over the 10000 bytes/,
    );
  });

  it('keeps the same content as one message, handed over as bytes, a file or a stream', async () => {
    const before = await count('exchange_message');
    const first = await storeMessage(ctx.database, inbound(payload), undefined, { chunkBytes: 1000 });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chunked-')), 'CONTRACTS_20261002.csv');
    fs.writeFileSync(file, payload);
    const fromFile = await storeMessage(ctx.database, inbound({ path: file }), undefined, {
      chunkBytes: 1000,
    });
    // Pieces of odd sizes, cut across the chunk boundaries.
    const pieces = [0, 7, 1993, 4000, 10_001, 10_500]
      .slice(1)
      .map((end, i, ends) => payload.subarray(i === 0 ? 0 : ends[i - 1], end));
    const fromStream = await storeMessage(ctx.database, inbound(Readable.from(pieces)), undefined, {
      chunkBytes: 1000,
    });
    expect([first.duplicate, fromFile.duplicate, fromStream.duplicate]).toEqual([true, true, true]);
    expect(new Set([first.message.id, fromFile.message.id, fromStream.message.id]).size).toBe(1);
    expect(await count('exchange_message')).toBe(before);
    // Nothing of the streams that turned out to be duplicates stayed behind.
    expect(await count('exchange_message_chunk')).toBe(11);
  });

  it('stores a stream read in pieces, hashing it as it goes; a short one stays inline', async () => {
    const other = randomBytes(3_333);
    const pieces = [other.subarray(0, 100), other.subarray(100, 2900), other.subarray(2900)];
    const { message } = await storeMessage(
      ctx.database,
      inbound(Readable.from(pieces), 'C2.csv'),
      undefined,
      {
        chunkBytes: 1000,
      },
    );
    expect(message).toMatchObject({ sha256: sha(other), sizeBytes: 3_333 });
    expect(message.idempotencyKey).toBe(`DNIPRO_LIFE:sftp:inbound:${sha(other)}`);
    expect(await chunksOf(message.id)).toEqual([1000, 1000, 1000, 333]);
    expect((await readPayload(ctx.database, message.id)).equals(other)).toBe(true);
    const small = Buffer.from('Номер договору;…\r\n', 'utf8');
    const inline = await storeMessage(ctx.database, inbound(Readable.from([small]), 'C3.csv'), undefined, {
      chunkBytes: 1000,
    });
    expect(await chunksOf(inline.message.id)).toEqual([]);
    expect((await readPayload(ctx.database, inline.message.id)).equals(small)).toBe(true);
    expect((await collect(inline.message.id)).length).toBe(1);
  });

  it('leaves nothing of a message whose source fails half-way: no row, no chunk, no trail', async () => {
    const before = {
      messages: await count('exchange_message'),
      chunks: await count('exchange_message_chunk'),
      events: await count('exchange_message_event'),
    };
    async function* failing() {
      for (let n = 0; n < 5; n++) yield randomBytes(1000);
      throw new Error('the connection to the insurer dropped');
    }
    await expect(
      storeMessage(ctx.database, inbound(failing(), 'C4.csv'), undefined, { chunkBytes: 1000 }),
    ).rejects.toThrow('the connection to the insurer dropped');
    expect({
      messages: await count('exchange_message'),
      chunks: await count('exchange_message_chunk'),
      events: await count('exchange_message_event'),
    }).toEqual(before);
  });

  it('processes a CSV message stored in chunks as it processes one stored whole, and replays it', async () => {
    const csv = fs.readFileSync(path.join(root, 'adapters/dnipro-life/__fixtures__/CONTRACTS_20261002.csv'));
    const deps = { database: ctx.database, secretsDir: __dirname };
    const { message } = await storeMessage(ctx.database, inbound(csv), undefined, { chunkBytes: 97 });
    expect((await chunksOf(message.id)).length).toBe(Math.ceil(csv.length / 97));
    const report = await processMessage(deps, message.id);
    expect(report).toMatchObject({ status: 'applied' });
    expect(report.rows).toBeGreaterThan(3);
    // A replay copies the stored chunks into a message of its own, in the same transaction.
    const replay = await replayMessage(deps, message.id);
    expect(replay).toMatchObject({ status: 'applied', rows: report.rows });
    expect((await readPayload(ctx.database, replay.messageId)).equals(csv)).toBe(true);
  });

  it('refuses a streamed CSV over the adapter size limit before reading it', async () => {
    // Dnipro Life's contracts limit is 50 MB; the stored size alone decides, no byte is read.
    const { message } = await storeMessage(ctx.database, inbound(Buffer.from('x'), 'C5.csv'));
    await ctx.database.db
      .updateTable('exchange_message')
      .set({ size_bytes: 60 * 1024 * 1024 })
      .where('id', '=', message.id)
      .execute();
    const report = await processMessage({ database: ctx.database, secretsDir: __dirname }, message.id);
    expect(report.status).toBe('quarantined');
    expect(report.errors[0].message).toMatch(/over the adapter's limit/);
  });

  it('stores a 20 MB payload a megabyte at a time and reads it back with its hash', async () => {
    const size = 20 * 1024 * 1024 + 123;
    const hash = createHash('sha256');
    // Deterministic pieces of 64 KB, as a file stream hands them over.
    async function* source() {
      for (let offset = 0, n = 0; offset < size; offset += 65536, n++) {
        const piece = Buffer.alloc(Math.min(65536, size - offset), n % 251);
        hash.update(piece);
        yield piece;
      }
    }
    const { message } = await storeMessage(ctx.database, inbound(source(), 'BIG.csv'));
    expect(message.sha256).toBe(hash.digest('hex'));
    expect(message.sizeBytes).toBe(size);
    expect((await chunksOf(message.id)).length).toBe(21);
    const back = createHash('sha256');
    let largest = 0;
    for await (const piece of readPayloadChunks(ctx.database, message.id)) {
      back.update(piece);
      largest = Math.max(largest, piece.length);
    }
    expect(back.digest('hex')).toBe(message.sha256);
    expect(largest).toBe(PAYLOAD_CHUNK_BYTES);
  }, 60_000);
});
