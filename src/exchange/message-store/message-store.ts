/**
 * The message store: every payload that comes in or goes out is stored raw, with its sha256, before
 * anything parses it. A message is identified by insurer, channel and content hash, so receiving
 * the same file twice stores it once. Statuses move received → parsed → mapped → applied, or to
 * quarantined / failed with reasons naming file, row and field; each move is kept in the trail.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import {
  type Database,
  type DB,
  type ExchangeMessageStatus,
  type ExchangeMessageTable,
  inTransaction,
} from '../../db';

export type Channel = ExchangeMessageTable['channel'];
export type Direction = ExchangeMessageTable['direction'];

export interface StoredMessage {
  id: number;
  insurerId: number | null;
  insurerCode: string | null;
  channel: Channel;
  direction: Direction;
  messageType: string;
  externalName: string | null;
  externalId: string | null;
  idempotencyKey: string;
  sha256: string;
  sizeBytes: number;
  contentType: string | null;
  status: ExchangeMessageStatus;
  statusReason: unknown;
  replayOfId: number | null;
  attempts: number;
  receivedAt: Date;
  processedAt: Date | null;
}

export interface NewMessage {
  insurerCode: string;
  channel: Channel;
  direction: Direction;
  /** contracts, payments, amendments, commission, register-answer, register, letter … */
  messageType: string;
  /** File name or e-mail subject. */
  externalName?: string | null;
  /** The insurer's id for it: remote path, Message-ID, batch id. */
  externalId?: string | null;
  /**
   * The bytes, or where to read them from a chunk at a time: a file on disk (`{ path }`) or a stream
   * of byte chunks. A large payload is never held whole: it is written in chunks while its sha256 is
   * computed.
   */
  payload: PayloadSource;
  contentType?: string | null;
  /** Outbound messages start as built; inbound as received. */
  status?: ExchangeMessageStatus;
  replayOfId?: number | null;
  /** Set only for replays and other deliberate copies; the default is insurer:channel:direction:sha256. */
  idempotencyKey?: string;
  /** What the trail's first entry says about where the message came from. */
  note?: string;
}

/**
 * What a payload is stored from: its bytes, a file on disk, a stream (a Readable) of its bytes, or
 * the payload of a message stored already (`{ copyOf: id }`, read in the storing transaction: a
 * replay).
 */
export type PayloadSource =
  Uint8Array | { path: string } | { copyOf: number } | AsyncIterable<Uint8Array | string>;

/**
 * The largest piece of a payload written or read in one statement (1 MiB). A payload up to this size
 * is stored inline in exchange_message.payload; a larger one in exchange_message_chunk, this size a
 * row, so neither the database driver nor this process ever holds it whole.
 */
export const PAYLOAD_CHUNK_BYTES = 1024 * 1024;

export interface StoreOptions {
  /** The chunk size (tests use a small one); PAYLOAD_CHUNK_BYTES by default. */
  chunkBytes?: number;
}

export function sha256Hex(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('hex');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type Row = Omit<ExchangeMessageTable, 'id' | 'payload'> & { id: number; insurer_code: string | null };

function toStored(row: Row, database: Database): StoredMessage {
  return {
    id: Number(row.id),
    insurerId: row.insurer_id === null ? null : Number(row.insurer_id),
    insurerCode: row.insurer_code,
    channel: row.channel,
    direction: row.direction,
    messageType: row.message_type,
    externalName: row.external_name,
    externalId: row.external_id,
    idempotencyKey: row.idempotency_key,
    sha256: row.sha256,
    sizeBytes: Number(row.size_bytes),
    contentType: row.content_type,
    status: row.status,
    statusReason: database.dialect.readJson(row.status_reason),
    replayOfId: row.replay_of_id === null ? null : Number(row.replay_of_id),
    attempts: Number(row.attempts),
    receivedAt: new Date(row.received_at),
    processedAt: row.processed_at ? new Date(row.processed_at) : null,
  };
}

const columns = [
  'm.id',
  'm.insurer_id',
  'i.code as insurer_code',
  'm.channel',
  'm.direction',
  'm.message_type',
  'm.external_name',
  'm.external_id',
  'm.idempotency_key',
  'm.sha256',
  'm.size_bytes',
  'm.content_type',
  'm.status',
  'm.status_reason',
  'm.replay_of_id',
  'm.attempts',
  'm.received_at',
  'm.processed_at',
] as const;

function selectMessages(database: Database) {
  return database.db
    .selectFrom('exchange_message as m')
    .leftJoin('insurer as i', 'i.id', 'm.insurer_id')
    .select(columns);
}

export async function findMessage(database: Database, id: number): Promise<StoredMessage | null> {
  const row = await selectMessages(database).where('m.id', '=', id).executeTakeFirst();
  return row ? toStored(row as Row, database) : null;
}

export async function findMessageByKey(
  database: Database,
  idempotencyKey: string,
): Promise<StoredMessage | null> {
  const row = await selectMessages(database)
    .where('m.idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return row ? toStored(row as Row, database) : null;
}

/** Chunk rows fetched per query when a chunked payload is read (4 MiB at the default chunk size). */
const CHUNKS_PER_READ = 4;

/**
 * The raw bytes exactly as received or sent, a chunk at a time, in order: the inline payload as one
 * piece, or the stored chunks a few rows per query. Memory holds a few chunks, whatever the size.
 * Throws when the chunks do not add up to the stored size (a chunk missing).
 */
export async function* readPayloadChunks(database: Database, id: number): AsyncGenerator<Buffer> {
  const row = await database.db
    .selectFrom('exchange_message')
    .select(['payload', 'size_bytes'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new RangeError(`no stored message ${id}`);
  if (row.payload !== null) {
    // pg hands bytea back as a Buffer already: copying a large file's bytes again would double its memory.
    yield asBuffer(row.payload);
    return;
  }
  const size = Number(row.size_bytes);
  let read = 0;
  for (let seq = 0; ; seq += CHUNKS_PER_READ) {
    const chunks = await database.db
      .selectFrom('exchange_message_chunk')
      .select(['seq', 'bytes'])
      .where('message_id', '=', id)
      .where('seq', '>=', seq)
      .where('seq', '<', seq + CHUNKS_PER_READ)
      .orderBy('seq')
      .execute();
    for (const [i, chunk] of chunks.entries()) {
      if (Number(chunk.seq) !== seq + i) break;
      read += chunk.bytes.byteLength;
      yield asBuffer(chunk.bytes);
    }
    if (chunks.length < CHUNKS_PER_READ) break;
  }
  if (read !== size) throw new Error(`message ${id}: its stored chunks hold ${read} bytes of ${size}`);
}

/** The payload as a byte stream, read from the store as it is consumed (see readPayloadChunks). */
export function readPayloadStream(database: Database, id: number): Readable {
  return Readable.from(readPayloadChunks(database, id), { objectMode: false });
}

/**
 * The raw bytes exactly as received or sent, whole. For what must see a file whole (a signed XML
 * document, an XLSX workbook, a mail): with `maxBytes`, a payload larger than that is refused before
 * any of it is read.
 */
export async function readPayload(
  database: Database,
  id: number,
  options: { maxBytes?: number | null } = {},
): Promise<Buffer> {
  if (options.maxBytes !== undefined && options.maxBytes !== null) {
    const row = await database.db
      .selectFrom('exchange_message')
      .select('size_bytes')
      .where('id', '=', id)
      .executeTakeFirst();
    if (row && Number(row.size_bytes) > options.maxBytes)
      throw new RangeError(
        `message ${id} is ${Number(row.size_bytes)} bytes, over the ${options.maxBytes} bytes it may be read whole`,
      );
  }
  const pieces: Buffer[] = [];
  for await (const piece of readPayloadChunks(database, id)) pieces.push(piece);
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
}

/** The first `maxBytes` bytes of a payload (or all of it when shorter), reading no further chunk. */
export async function readPayloadHead(database: Database, id: number, maxBytes: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let length = 0;
  const chunks = readPayloadChunks(database, id);
  for await (const piece of chunks) {
    pieces.push(piece.subarray(0, maxBytes - length));
    length += pieces[pieces.length - 1].length;
    if (length >= maxBytes) break;
  }
  return Buffer.concat(pieces, length);
}

async function insurerIdOf(database: Database, code: string): Promise<number> {
  const row = await database.db
    .selectFrom('insurer')
    .select('id')
    .where('code', '=', code)
    .executeTakeFirst();
  if (!row) throw new RangeError(`unknown insurer '${code}'`);
  return Number(row.id);
}

/** The byte pieces of a source, as they come (a stream's, a file's, a stored message's chunks). */
async function* piecesOf(source: Exclude<PayloadSource, Uint8Array>, tx: Database): AsyncGenerator<Buffer> {
  if ('copyOf' in source && typeof source.copyOf === 'number') {
    yield* readPayloadChunks(tx, source.copyOf);
    return;
  }
  const stream: AsyncIterable<Uint8Array | string> =
    'path' in source && typeof source.path === 'string'
      ? createReadStream(source.path, { highWaterMark: 256 * 1024 })
      : (source as AsyncIterable<Uint8Array | string>);
  for await (const piece of stream)
    yield typeof piece === 'string' ? Buffer.from(piece, 'utf8') : asBuffer(piece);
}

/** Re-cuts pieces of any size into chunks of exactly `size` bytes (the last one shorter). */
async function* rechunk(pieces: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldLength = 0;
  for await (let piece of pieces) {
    while (heldLength + piece.length >= size) {
      const take = size - heldLength;
      held.push(piece.subarray(0, take));
      yield Buffer.concat(held, size);
      held = [];
      heldLength = 0;
      piece = piece.subarray(take);
    }
    if (piece.length) {
      // Copied: a stream may reuse the memory of a piece it has handed over.
      held.push(Buffer.from(piece));
      heldLength += piece.length;
    }
  }
  if (heldLength) yield Buffer.concat(held, heldLength);
}

/** Another message holds the same content: the transaction that stored this one is rolled back. */
class AlreadyStored extends Error {
  constructor(readonly existing: StoredMessage) {
    super(`the same content is stored already as message ${existing.id}`);
  }
}

/**
 * Stores a message before anything else happens to it. When the same content already came from the
 * same insurer over the same channel, nothing new is stored and the earlier message is answered with
 * `duplicate: true`.
 *
 * A payload up to one chunk (PAYLOAD_CHUNK_BYTES) is stored inline; a larger one in chunks. A payload
 * given as a file or a stream is read once, a chunk at a time, and hashed as it is written; its
 * identity (the content hash) is known only at the end, so the message is written under a provisional
 * key and given its own in the same transaction, or rolled back when the same content was stored
 * before. The message row, its chunks and the first entry of its trail commit together or not at all:
 * a process killed half-way leaves nothing of the message.
 */
export async function storeMessage(
  database: Database,
  message: NewMessage,
  at: Date = new Date(),
  options: StoreOptions = {},
): Promise<{ message: StoredMessage; duplicate: boolean }> {
  const chunkBytes = options.chunkBytes ?? PAYLOAD_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1)
    throw new RangeError(`chunk size ${chunkBytes} is not a size`);
  const source = message.payload;
  const whole = source instanceof Uint8Array ? asBuffer(source) : null;
  const keyOf = (sha256: string) =>
    message.idempotencyKey ?? `${message.insurerCode}:${message.channel}:${message.direction}:${sha256}`;
  // With the bytes at hand (or a key that does not depend on them), a duplicate is known before anything is written.
  const knownKey = whole ? keyOf(sha256Hex(whole)) : (message.idempotencyKey ?? null);
  if (knownKey) {
    const existing = await findMessageByKey(database, knownKey);
    if (existing) return { message: existing, duplicate: true };
  }
  const insurerId = await insurerIdOf(database, message.insurerCode);
  const status = message.status ?? (message.direction === 'inbound' ? 'received' : 'built');
  let storedKey = knownKey;
  try {
    const id = await inTransaction(database, async (tx) => {
      // Written under a key of its own until the content's hash is known (a stream's, at its end).
      const provisionalKey = `storing:${randomUUID()}`;
      const inline = whole !== null && whole.length <= chunkBytes;
      const id = await tx.dialect.insertReturningId(
        tx.db,
        'exchange_message',
        {
          insurer_id: insurerId,
          channel: message.channel,
          direction: message.direction,
          message_type: message.messageType,
          external_name: message.externalName ?? null,
          external_id: message.externalId ?? null,
          idempotency_key: provisionalKey,
          sha256: whole ? sha256Hex(whole) : 'pending',
          size_bytes: whole ? whole.length : 0,
          content_type: message.contentType ?? null,
          payload: inline ? whole : null,
          status,
          status_reason: null,
          replay_of_id: message.replayOfId ?? null,
          attempts: 0,
          received_at: at,
          processed_at: null,
        },
        { idempotency_key: provisionalKey },
      );
      let sha256: string;
      let size: number;
      if (inline) {
        sha256 = sha256Hex(whole);
        size = whole.length;
      } else {
        const hash = createHash('sha256');
        size = 0;
        let seq = 0;
        const bytes = whole;
        const pieces = bytes
          ? (async function* () {
              for (let i = 0; i < bytes.length; i += chunkBytes) yield bytes.subarray(i, i + chunkBytes);
            })()
          : rechunk(piecesOf(source as Exclude<PayloadSource, Uint8Array>, tx), chunkBytes);
        // Each chunk is written once the next one shows it is not the last: a stream that turns out
        // to fit one chunk is stored inline like any small payload.
        let held: Buffer | null = null;
        for await (const chunk of pieces) {
          hash.update(chunk);
          size += chunk.length;
          if (held) await writeChunk(tx.db, id, seq++, held);
          held = chunk;
        }
        sha256 = hash.digest('hex');
        if (held && seq > 0) await writeChunk(tx.db, id, seq++, held);
        else
          await tx.db
            .updateTable('exchange_message')
            .set({ payload: held ?? Buffer.alloc(0) })
            .where('id', '=', id)
            .execute();
      }
      const idempotencyKey = keyOf(sha256);
      storedKey = idempotencyKey;
      if (!knownKey) {
        const existing = await findMessageByKey(tx, idempotencyKey);
        if (existing) throw new AlreadyStored(existing);
      }
      await tx.db
        .updateTable('exchange_message')
        .set({ idempotency_key: idempotencyKey, sha256, size_bytes: size })
        .where('id', '=', id)
        .execute();
      await recordEvent(
        tx,
        id,
        status,
        message.note ?? (message.replayOfId ? `replay of message ${message.replayOfId}` : null),
        at,
      );
      return id;
    });
    return { message: (await findMessage(database, id))!, duplicate: false };
  } catch (error) {
    if (error instanceof AlreadyStored) return { message: error.existing, duplicate: true };
    // Two workers stored the same delivery at once: the other one won, which is just as good.
    if (database.dialect.isUniqueViolation(error)) {
      const winner = storedKey ? await findMessageByKey(database, storedKey) : null;
      if (winner) return { message: winner, duplicate: true };
    }
    throw error;
  }
}

async function writeChunk(db: Kysely<DB>, messageId: number, seq: number, bytes: Buffer): Promise<void> {
  await db.insertInto('exchange_message_chunk').values({ message_id: messageId, seq, bytes }).execute();
}

export async function recordEvent(
  database: Database,
  messageId: number,
  status: string,
  detail: string | null,
  at: Date = new Date(),
): Promise<void> {
  await database.db
    .insertInto('exchange_message_event')
    .values({ message_id: messageId, occurred_at: at, status, detail: detail?.slice(0, 2000) ?? null })
    .execute();
}

/**
 * The status moves a message may make; anything else is refused. A finished message stays finished:
 * an applied one is never marked failed or applied again (a replay is a new message), and a message
 * that failed for an internal reason (the database went away, a deadlock) may be processed again.
 */
export const MESSAGE_TRANSITIONS: Readonly<Record<ExchangeMessageStatus, readonly ExchangeMessageStatus[]>> =
  {
    received: ['parsed', 'mapped', 'applied', 'quarantined', 'failed'],
    parsed: ['mapped', 'applied', 'quarantined', 'failed'],
    mapped: ['applied', 'quarantined', 'failed'],
    failed: ['mapped', 'applied', 'quarantined', 'failed'],
    // A quarantined message is processed again only deliberately (processMessage's `again`), e.g.
    // once the adapter's mapping is fixed.
    quarantined: ['mapped', 'applied', 'quarantined'],
    applied: [],
    built: ['sent', 'failed'],
    sent: [],
  };

/** The statuses a message may be in to move to `to`. */
export function statusesBefore(to: ExchangeMessageStatus): ExchangeMessageStatus[] {
  return (Object.keys(MESSAGE_TRANSITIONS) as ExchangeMessageStatus[]).filter((from) =>
    MESSAGE_TRANSITIONS[from].includes(to),
  );
}

/** A status change the message's current status does not allow (HTTP 409 where it reaches the API). */
export class IllegalTransition extends Error {
  readonly statusCode = 409;
  constructor(
    readonly messageId: number,
    readonly from: ExchangeMessageStatus | null,
    readonly to: ExchangeMessageStatus,
  ) {
    super(
      from === null
        ? `no stored message ${messageId}`
        : `message ${messageId} is ${from}: it cannot become ${to}`,
    );
    this.name = 'IllegalTransition';
  }
}

/**
 * Moves a message to a new status, with the reasons (e.g. row errors) when there are any. The move is
 * checked in the update itself (`where status in (…)`), so of two processes racing only allowed moves
 * land; an illegal one throws IllegalTransition and changes nothing.
 */
export async function setMessageStatus(
  database: Database,
  messageId: number,
  status: ExchangeMessageStatus,
  reasons: unknown = null,
  at: Date = new Date(),
): Promise<void> {
  const finished =
    status === 'applied' || status === 'quarantined' || status === 'failed' || status === 'sent';
  const result = await database.db
    .updateTable('exchange_message')
    .set({
      status,
      status_reason: database.dialect.json(reasons),
      ...(finished ? { processed_at: at } : {}),
    })
    .where('id', '=', messageId)
    .where('status', 'in', statusesBefore(status))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    const current = await database.db
      .selectFrom('exchange_message')
      .select('status')
      .where('id', '=', messageId)
      .executeTakeFirst();
    throw new IllegalTransition(messageId, current?.status ?? null, status);
  }
  const detail = reasons === null ? null : typeof reasons === 'string' ? reasons : JSON.stringify(reasons);
  await recordEvent(database, messageId, status, detail, at);
}

/** The statuses an inbound message is waiting to be processed in. */
export const UNPROCESSED_STATUSES: readonly ExchangeMessageStatus[] = ['received', 'parsed', 'mapped'];

/** A message that failed for an internal reason is tried again, up to this many attempts in all. */
export const MAX_ATTEMPTS = 5;

export interface ClaimedMessage {
  id: number;
  status: ExchangeMessageStatus;
  attempts: number;
}

/**
 * Claims an inbound message for processing inside the caller's transaction: the row is locked until
 * the transaction ends, and a message another transaction holds is skipped, not waited for
 * (`for update skip locked` on PostgreSQL and Oracle; PGlite has one session, so its transactions
 * run one after another and the status check alone decides). Answers null when the message is held
 * elsewhere or is no longer in one of `statuses`. A process that dies loses its connection, the
 * server rolls its transaction back and the claim is free again: nothing has to expire.
 */
export async function claimMessage(
  trx: Kysely<DB>,
  messageId: number,
  statuses: readonly ExchangeMessageStatus[],
): Promise<ClaimedMessage | null> {
  const row = await trx
    .selectFrom('exchange_message')
    .select(['id', 'status', 'attempts'])
    .where('id', '=', messageId)
    .where('direction', '=', 'inbound')
    .where('status', 'in', [...statuses])
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  return row ? { id: Number(row.id), status: row.status, attempts: Number(row.attempts) } : null;
}

/**
 * Counts one more processing attempt, committed at once so that a crash mid-apply leaves it visible.
 * Answers false, counting nothing, when another process holds the message or it is no longer waiting.
 */
export async function countAttempt(
  database: Database,
  messageId: number,
  statuses: readonly ExchangeMessageStatus[] = [...UNPROCESSED_STATUSES, 'failed'],
): Promise<boolean> {
  return database.db.transaction().execute(async (trx) => {
    const claimed = await claimMessage(trx, messageId, statuses);
    if (!claimed) return false;
    await trx
      .updateTable('exchange_message')
      .set({ attempts: claimed.attempts + 1 })
      .where('id', '=', messageId)
      .execute();
    return true;
  });
}

export interface UnprocessedMessage {
  id: number;
  insurerCode: string | null;
  messageType: string;
  externalName: string | null;
  status: ExchangeMessageStatus;
  attempts: number;
  receivedAt: Date;
}

/**
 * Inbound messages waiting to be processed, oldest first: received and not finished, or failed for
 * an internal reason with attempts left. The database, not the queue, is the source of truth: after
 * a queue is lost, this finds the work again. A message listed here may be in hand elsewhere right
 * now; processing claims it, so handing it to a second worker is harmless.
 */
export async function listUnprocessedMessages(
  database: Database,
  filter: { insurerCode?: string; receivedBefore?: Date; limit?: number } = {},
): Promise<UnprocessedMessage[]> {
  let query = database.db
    .selectFrom('exchange_message as m')
    .leftJoin('insurer as i', 'i.id', 'm.insurer_id')
    .select([
      'm.id',
      'i.code as insurer_code',
      'm.message_type',
      'm.external_name',
      'm.status',
      'm.attempts',
      'm.received_at',
    ])
    .where('m.direction', '=', 'inbound')
    .where((eb) =>
      eb.or([
        eb('m.status', 'in', [...UNPROCESSED_STATUSES]),
        eb.and([eb('m.status', '=', 'failed'), eb('m.attempts', '<', MAX_ATTEMPTS)]),
      ]),
    );
  if (filter.insurerCode) query = query.where('i.code', '=', filter.insurerCode);
  if (filter.receivedBefore) query = query.where('m.received_at', '<', filter.receivedBefore);
  query = query.orderBy('m.id');
  if (filter.limit) query = query.offset(0).fetch(filter.limit);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    insurerCode: r.insurer_code,
    messageType: r.message_type,
    externalName: r.external_name,
    status: r.status,
    attempts: Number(r.attempts),
    receivedAt: new Date(r.received_at),
  }));
}

export interface MessageFilter {
  status?: ExchangeMessageStatus;
  insurerCode?: string;
  direction?: Direction;
  messageType?: string;
  /** Received on this day (yyyy-mm-dd, Kyiv time) or later. */
  receivedFrom?: string;
  /** Received on this day (yyyy-mm-dd, Kyiv time) or earlier. */
  receivedTo?: string;
}

/** The people who filter messages by day read Kyiv's calendar, as the schedules do. */
const RECEIVED_DAY_ZONE = 'Europe/Kyiv';

/**
 * The first instant of a calendar day (yyyy-mm-dd) in a time zone. Kyiv changes its clock at 03:00
 * or 04:00 local time, never around midnight, so the zone's offset at UTC midnight of that date is
 * its offset at the day's local midnight.
 */
export function startOfDayIn(date: string, timeZone: string = RECEIVED_DAY_ZONE): Date {
  const [y, m, d] = date.split('-').map(Number);
  const utcMidnight = Date.UTC(y, m - 1, d);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(utcMidnight));
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'));
  return new Date(utcMidnight - (wall - utcMidnight));
}

function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/**
 * How many messages past the page listMessages counts at most: beyond it `total` stops there and
 * `totalCapped` says there are more.
 */
export const MESSAGE_COUNT_LIMIT = 10_000;

/**
 * A page of messages, newest first, and how many match: exactly up to MESSAGE_COUNT_LIMIT rows past
 * the page; beyond that `total` is a lower bound and `totalCapped` is true.
 */
export async function listMessages(
  database: Database,
  filter: MessageFilter,
  page: { page: number; pageSize: number },
  countUpTo: number = MESSAGE_COUNT_LIMIT,
): Promise<{ items: StoredMessage[]; total: number; totalCapped: boolean }> {
  const apply = <Q extends { where: (...a: any[]) => Q }>(q: Q): Q => {
    let query = q;
    if (filter.status) query = query.where('m.status', '=', filter.status);
    if (filter.insurerCode) query = query.where('i.code', '=', filter.insurerCode);
    if (filter.direction) query = query.where('m.direction', '=', filter.direction);
    if (filter.messageType) query = query.where('m.message_type', '=', filter.messageType);
    if (filter.receivedFrom) query = query.where('m.received_at', '>=', startOfDayIn(filter.receivedFrom));
    if (filter.receivedTo)
      query = query.where('m.received_at', '<', startOfDayIn(nextDay(filter.receivedTo)));
    return query;
  };
  const offset = (page.page - 1) * page.pageSize;
  const rows = await apply(selectMessages(database))
    .orderBy('m.received_at', 'desc')
    .orderBy('m.id', 'desc')
    .offset(offset)
    .fetch(page.pageSize)
    .execute();
  // The store keeps every message ever exchanged: the count stops a little past this page
  // (countUpTo more rows) rather than counting them all on every page.
  const limit = offset + page.pageSize + countUpTo;
  // The insurer is joined only to filter by its code: without that filter the count reads the
  // messages' index alone.
  const messages = database.db.selectFrom('exchange_message as m');
  const counted = await database.db
    .selectFrom(
      apply(
        filter.insurerCode
          ? messages.leftJoin('insurer as i', 'i.id', 'm.insurer_id').select('m.id')
          : messages.select('m.id'),
      )
        .fetch(limit + 1)
        .as('counted'),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(counted.n);
  return {
    items: rows.map((r) => toStored(r as Row, database)),
    total: Math.min(n, limit),
    totalCapped: n > limit,
  };
}

/** The status trail of a message, oldest first. */
export async function messageTrail(database: Database, messageId: number) {
  return database.db
    .selectFrom('exchange_message_event')
    .select(['occurred_at', 'status', 'detail'])
    .where('message_id', '=', messageId)
    .orderBy('id')
    .execute();
}
