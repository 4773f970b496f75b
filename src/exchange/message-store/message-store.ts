/**
 * The message store: every payload that comes in or goes out is stored raw, with its sha256, before
 * anything parses it. A message is identified by insurer, channel and content hash, so receiving
 * the same file twice stores it once. Statuses move received → parsed → mapped → applied, or to
 * quarantined / failed with reasons naming file, row and field; each move is kept in the trail.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, DB, ExchangeMessageStatus, ExchangeMessageTable } from '../../db';

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
  /** What the trail's first entry says about where the message came from. */
  note?: string;
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
      message.note ?? (message.replayOfId ? `replay of message ${message.replayOfId}` : null),
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
