/**
 * The message store: every payload that comes in or goes out is stored raw, with its sha256, before
 * anything parses it. A message is identified by insurer, channel and content hash, so receiving
 * the same file twice stores it once. Statuses move received → parsed → mapped → applied, or to
 * quarantined / failed with reasons naming file, row and field; each move is kept in the trail.
 */
import { createHash } from 'node:crypto';
import type { Database, ExchangeMessageStatus, ExchangeMessageTable } from '../../db';

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
  payload: Uint8Array;
  contentType?: string | null;
  /** Outbound messages start as built; inbound as received. */
  status?: ExchangeMessageStatus;
  replayOfId?: number | null;
  /** Set only for replays and other deliberate copies; the default is insurer:channel:direction:sha256. */
  idempotencyKey?: string;
}

export function sha256Hex(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('hex');
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

/** The raw bytes exactly as received or sent. */
export async function readPayload(database: Database, id: number): Promise<Buffer> {
  const row = await database.db
    .selectFrom('exchange_message')
    .select('payload')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  // pg hands bytea back as a Buffer already: copying a large file's bytes again would double its memory.
  return Buffer.isBuffer(row.payload) ? row.payload : Buffer.from(row.payload);
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

/**
 * Stores a message before anything else happens to it. When the same content already came from the
 * same insurer over the same channel, nothing new is stored and the earlier message is answered with
 * `duplicate: true`.
 */
export async function storeMessage(
  database: Database,
  message: NewMessage,
  at: Date = new Date(),
): Promise<{ message: StoredMessage; duplicate: boolean }> {
  const sha256 = sha256Hex(message.payload);
  const idempotencyKey =
    message.idempotencyKey ?? `${message.insurerCode}:${message.channel}:${message.direction}:${sha256}`;
  const existing = await findMessageByKey(database, idempotencyKey);
  if (existing) return { message: existing, duplicate: true };
  const insurerId = await insurerIdOf(database, message.insurerCode);
  const status = message.status ?? (message.direction === 'inbound' ? 'received' : 'built');
  try {
    const id = await database.dialect.insertReturningId(
      database.db,
      'exchange_message',
      {
        insurer_id: insurerId,
        channel: message.channel,
        direction: message.direction,
        message_type: message.messageType,
        external_name: message.externalName ?? null,
        external_id: message.externalId ?? null,
        idempotency_key: idempotencyKey,
        sha256,
        size_bytes: message.payload.byteLength,
        content_type: message.contentType ?? null,
        payload: Buffer.isBuffer(message.payload) ? message.payload : Buffer.from(message.payload),
        status,
        status_reason: null,
        replay_of_id: message.replayOfId ?? null,
        attempts: 0,
        received_at: at,
        processed_at: null,
      },
      { idempotency_key: idempotencyKey },
    );
    await recordEvent(
      database,
      id,
      status,
      message.replayOfId ? `replay of message ${message.replayOfId}` : null,
      at,
    );
    return { message: (await findMessage(database, id))!, duplicate: false };
  } catch (error) {
    // Two workers stored the same delivery at once: the other one won, which is just as good.
    if (database.dialect.isUniqueViolation(error)) {
      const winner = await findMessageByKey(database, idempotencyKey);
      if (winner) return { message: winner, duplicate: true };
    }
    throw error;
  }
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

/** Moves a message to a new status, with the reasons (e.g. row errors) when there are any. */
export async function setMessageStatus(
  database: Database,
  messageId: number,
  status: ExchangeMessageStatus,
  reasons: unknown = null,
  at: Date = new Date(),
): Promise<void> {
  const finished =
    status === 'applied' || status === 'quarantined' || status === 'failed' || status === 'sent';
  await database.db
    .updateTable('exchange_message')
    .set({
      status,
      status_reason: database.dialect.json(reasons),
      ...(finished ? { processed_at: at } : {}),
    })
    .where('id', '=', messageId)
    .execute();
  const detail = reasons === null ? null : typeof reasons === 'string' ? reasons : JSON.stringify(reasons);
  await recordEvent(database, messageId, status, detail, at);
}

/** Counts one more processing attempt (a crash mid-apply leaves it visible). */
export async function countAttempt(database: Database, messageId: number): Promise<void> {
  const row = await database.db
    .selectFrom('exchange_message')
    .select('attempts')
    .where('id', '=', messageId)
    .executeTakeFirstOrThrow();
  await database.db
    .updateTable('exchange_message')
    .set({ attempts: Number(row.attempts) + 1 })
    .where('id', '=', messageId)
    .execute();
}

export interface MessageFilter {
  status?: ExchangeMessageStatus;
  insurerCode?: string;
  direction?: Direction;
  messageType?: string;
}

/** A page of messages, newest first. */
export async function listMessages(
  database: Database,
  filter: MessageFilter,
  page: { page: number; pageSize: number },
): Promise<{ items: StoredMessage[]; total: number }> {
  const apply = <Q extends { where: (...a: any[]) => Q }>(q: Q): Q => {
    let query = q;
    if (filter.status) query = query.where('m.status', '=', filter.status);
    if (filter.insurerCode) query = query.where('i.code', '=', filter.insurerCode);
    if (filter.direction) query = query.where('m.direction', '=', filter.direction);
    if (filter.messageType) query = query.where('m.message_type', '=', filter.messageType);
    return query;
  };
  const rows = await apply(selectMessages(database))
    .orderBy('m.received_at', 'desc')
    .orderBy('m.id', 'desc')
    .offset((page.page - 1) * page.pageSize)
    .fetch(page.pageSize)
    .execute();
  const total = await apply(
    database.db
      .selectFrom('exchange_message as m')
      .leftJoin('insurer as i', 'i.id', 'm.insurer_id')
      .select((eb) => eb.fn.countAll<number>().as('n')),
  ).executeTakeFirstOrThrow();
  return { items: rows.map((r) => toStored(r as Row, database)), total: Number(total.n) };
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
