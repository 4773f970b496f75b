/**
 * Filing: every stored e-mail (channel `email`, in and out, exchange or not) becomes a letter of a
 * thread. The raw mail stays in the message store; a letter references it and lists its attachments
 * (parseMail order), never their bytes.
 *
 * A letter joins the thread of the mail it answers (In-Reply-To, then References), else the open
 * thread of the same insurer whose subject names the same policy or application (`Договір №…`,
 * `Заява №…`), else starts a thread linked to what its subject names. Incoming mail sets the thread
 * waiting for us, outgoing mail waiting for the insurer, each change with an audit entry.
 *
 * A letter from an unknown sender (message type `unknown-sender`) starts a thread of its own with no
 * insurer, waiting in the queue for a person: a forged sender cannot slip into a real conversation by
 * quoting its subject or Message-ID.
 *
 * Once only: a letter per stored message (unique key), and filers take the filing lock row in turn,
 * so filing twice, or in two processes at once, files each message once and never opens two threads
 * for one conversation.
 */
import type { Kysely } from 'kysely';
import { recordAudit } from '../../src/audit';
import type { CorrespondenceState, Database, DB } from '../../src/db';
import { findMessage, readPayload, type StoredMessage } from '../../src/exchange/message-store';
import { parseMail, type ParsedMail } from '../../src/exchange/transports/email';
import { sha256Hex } from '../../src/exchange/message-store';
import { linksOf, subjectKey, type ThreadLinks } from './links';

export const SYSTEM_ACTOR = 'system:correspondence';

export interface FileOptions {
  /** Who wrote an outgoing letter (the signed-in user of a reply). */
  author?: string | null;
  /** An outgoing reply not sent yet: filed as not sent, and the thread's state waits for the send. */
  pendingSend?: boolean;
  at?: Date;
}

export interface FiledLetter {
  letterId: number;
  threadId: number;
  /** False when the message was filed already (by an earlier run or another process). */
  filed: boolean;
}

/** Changes a thread's state inside `trx`, with the audit trail; nothing when it is in that state already. */
export async function changeState(
  trx: Kysely<DB>,
  database: Database,
  threadId: number,
  from: CorrespondenceState,
  to: CorrespondenceState,
  actor: string,
  reason: string,
  at: Date = new Date(),
): Promise<void> {
  if (from === to) return;
  await trx.updateTable('correspondence_thread').set({ state: to }).where('id', '=', threadId).execute();
  await recordAudit(trx, database, {
    actor,
    action: 'correspondence.state',
    entityKind: 'correspondence_thread',
    entityId: String(threadId),
    before: { state: from },
    after: { state: to },
    reason,
    at,
  });
}

function idsOf(mail: ParsedMail): string[] {
  return [mail.inReplyTo, ...[...mail.references].reverse()].filter((id): id is string => !!id);
}

async function threadByIds(trx: Kysely<DB>, ids: string[]): Promise<number | null> {
  for (const id of ids) {
    const row = await trx
      .selectFrom('correspondence_letter')
      .select('thread_id')
      .where('mail_message_id', '=', id)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (row) return Number(row.thread_id);
  }
  return null;
}

async function threadByKey(trx: Kysely<DB>, key: string, insurerId: number): Promise<number | null> {
  const row = await trx
    .selectFrom('correspondence_thread')
    .select('id')
    .where('subject_key', '=', key)
    .where('insurer_id', '=', insurerId)
    .where('state', '<>', 'closed')
    .orderBy('last_letter_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

function linkColumns(links: ThreadLinks) {
  return {
    policy_id: links.policyId,
    policy_number: links.policyNumber,
    application_id: links.applicationId,
    application_number: links.applicationNumber,
    consultant_id: links.consultantId,
    consultant_code: links.consultantCode,
  };
}

function hasLinks(links: ThreadLinks): boolean {
  return links.policyId !== null || links.applicationId !== null || links.consultantId !== null;
}

/** Files one stored message (a no-op answering the existing letter when it is filed already). */
export async function fileMessage(
  database: Database,
  messageId: number,
  options: FileOptions = {},
): Promise<FiledLetter> {
  const earlier = await letterOfMessage(database.db, messageId);
  if (earlier) return { ...earlier, filed: false };
  const message = await findMessage(database, messageId);
  if (!message) throw new RangeError(`no stored message ${messageId}`);
  if (message.channel !== 'email') throw new RangeError(`message ${messageId} is not an e-mail`);
  const mail = await parseMail(await readPayload(database, messageId));
  const unknownSender = message.messageType === 'unknown-sender';
  const key = subjectKey(mail.subject);
  // Reads of other modules happen before the transaction (PGlite has one connection).
  const links = unknownSender
    ? await linksOf(database, null, null)
    : await linksOf(database, message.insurerCode, key);
  const at = options.at ?? new Date();
  try {
    return await database.db.transaction().execute((trx) =>
      fileInside(trx, database, message, mail, {
        unknownSender,
        key: key?.key ?? null,
        links,
        at,
        options,
      }),
    );
  } catch (error) {
    // Another process filed it between our look and our insert: its letter stands.
    if (database.dialect.isUniqueViolation(error)) {
      const winner = await letterOfMessage(database.db, messageId);
      if (winner) return { ...winner, filed: false };
    }
    throw error;
  }
}

async function letterOfMessage(
  db: Kysely<DB>,
  messageId: number,
): Promise<{ letterId: number; threadId: number } | null> {
  const row = await db
    .selectFrom('correspondence_letter')
    .select(['id', 'thread_id'])
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return row ? { letterId: Number(row.id), threadId: Number(row.thread_id) } : null;
}

async function fileInside(
  trx: Kysely<DB>,
  database: Database,
  message: StoredMessage,
  mail: ParsedMail,
  context: {
    unknownSender: boolean;
    key: string | null;
    links: ThreadLinks;
    at: Date;
    options: FileOptions;
  },
): Promise<FiledLetter> {
  const { unknownSender, key, links, at, options } = context;
  // Filers in turn: the second waits here, then finds the message filed.
  await trx
    .selectFrom('correspondence_filing_lock')
    .select('name')
    .where('name', '=', 'filing')
    .forUpdate()
    .executeTakeFirst();
  const already = await letterOfMessage(trx, message.id);
  if (already) return { ...already, filed: false };

  const insurerId = unknownSender ? null : message.insurerId;
  const subject = mail.subject.slice(0, 1000);
  let threadId: number | null = null;
  if (!unknownSender) {
    threadId = await threadByIds(trx, idsOf(mail));
    if (threadId === null && key && insurerId !== null) threadId = await threadByKey(trx, key, insurerId);
  }
  const written = mail.date ?? message.receivedAt;
  const inbound = message.direction === 'inbound';
  if (threadId === null) {
    threadId = await database.dialect.insertReturningId(
      trx,
      'correspondence_thread',
      {
        insurer_id: insurerId,
        subject,
        subject_key: unknownSender ? null : key,
        ...linkColumns(links),
        state: inbound ? 'waiting_for_us' : 'waiting_for_insurer',
        opened_by_message_id: message.id,
        created_at: at,
        last_letter_at: written,
      },
      { opened_by_message_id: message.id },
    );
    await recordAudit(trx, database, {
      actor: options.author ?? SYSTEM_ACTOR,
      action: 'correspondence.opened',
      entityKind: 'correspondence_thread',
      entityId: String(threadId),
      before: null,
      after: { state: inbound ? 'waiting_for_us' : 'waiting_for_insurer', subjectKey: key, ...links },
      reason: `${inbound ? 'received' : 'sent'} ${mail.messageId ?? `message ${message.id}`}`,
      at,
    });
  } else {
    const thread = await trx
      .selectFrom('correspondence_thread')
      .select(['state', 'last_letter_at', 'policy_id', 'application_id', 'consultant_id', 'subject_key'])
      .where('id', '=', threadId)
      .executeTakeFirstOrThrow();
    const unlinked =
      thread.policy_id === null && thread.application_id === null && thread.consultant_id === null;
    await trx
      .updateTable('correspondence_thread')
      .set({
        last_letter_at: written > new Date(thread.last_letter_at) ? written : new Date(thread.last_letter_at),
        ...(unlinked && hasLinks(links)
          ? { ...linkColumns(links), subject_key: thread.subject_key ?? key }
          : {}),
      })
      .where('id', '=', threadId)
      .execute();
    if (!options.pendingSend)
      await changeState(
        trx,
        database,
        threadId,
        thread.state,
        inbound ? 'waiting_for_us' : 'waiting_for_insurer',
        options.author ?? SYSTEM_ACTOR,
        `${inbound ? 'received' : 'sent'} ${mail.messageId ?? `message ${message.id}`}`,
        at,
      );
  }
  const letterId = await database.dialect.insertReturningId(
    trx,
    'correspondence_letter',
    {
      thread_id: threadId,
      message_id: message.id,
      direction: message.direction,
      insurer_id: insurerId,
      mail_message_id: mail.messageId?.slice(0, 998) ?? null,
      in_reply_to: mail.inReplyTo?.slice(0, 998) ?? null,
      mail_references: mail.references.length ? mail.references.join(' ') : null,
      subject,
      sender: mail.from.join(', ').slice(0, 320),
      recipients: mail.to.join(', ').slice(0, 2000),
      written_at: written,
      filed_at: at,
      sender_queue: unknownSender ? 'pending' : null,
      queue_reason: null,
      queue_by: null,
      queue_at: null,
      send_status: options.pendingSend ? 'not_sent' : null,
      send_error: null,
      send_attempts: 0,
      author: options.author ?? null,
    },
    { message_id: message.id },
  );
  for (const [position, attachment] of mail.attachments.entries())
    await trx
      .insertInto('correspondence_letter_attachment')
      .values({
        letter_id: letterId,
        position,
        file_name: (attachment.filename ?? `attachment-${position + 1}`).slice(0, 500),
        content_type: attachment.contentType.slice(0, 200),
        size_bytes: attachment.size,
        sha256: sha256Hex(attachment.content),
      })
      .execute();
  return { letterId, threadId, filed: true };
}

export interface FilingResult {
  /** Letters filed by this run. */
  filed: number;
  /** Messages another process had filed meanwhile. */
  skipped: number;
  /** Messages that could not be filed (kept in the message store; tried again on the next run). */
  failed: { messageId: number; reason: string }[];
}

/**
 * Files every stored e-mail not filed yet, oldest first. Idempotent and safe in two processes at
 * once; the e-mail channel calls it after each pull. A message that cannot be filed is named in
 * `failed` and does not stop the rest.
 */
export async function fileNewMail(database: Database): Promise<FilingResult> {
  const result: FilingResult = { filed: 0, skipped: 0, failed: [] };
  let after = 0;
  for (;;) {
    const rows = await database.db
      .selectFrom('exchange_message as m')
      .leftJoin('correspondence_letter as l', 'l.message_id', 'm.id')
      .select('m.id')
      .where('m.channel', '=', 'email')
      .where('l.id', 'is', null)
      .where('m.id', '>', after)
      .orderBy('m.id')
      .offset(0)
      .fetch(200)
      .execute();
    if (!rows.length) return result;
    for (const row of rows) {
      const id = Number(row.id);
      after = id;
      try {
        const filed = await fileMessage(database, id);
        if (filed.filed) result.filed += 1;
        else result.skipped += 1;
      } catch (error) {
        result.failed.push({ messageId: id, reason: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
