/**
 * A person answers a thread from the system. The reply is composed (composeMail: In-Reply-To the
 * letter answered, References its chain, subject `Re: …`), stored in the message store as outgoing
 * mail FIRST, filed as a letter not sent yet, and only then sent with SmtpSender over the insurer's
 * `channels.email.smtp`. Sending claims the letter (not_sent → sending, a conditional update), so two
 * clicks or two processes send it once; a failed send is kept as not sent with the server's answer
 * and can be retried; a letter sent is never sent again. Once sent, the thread waits for the insurer.
 */
import { recordAudit } from '../../src/audit';
import type { Database } from '../../src/db';
import { readPayload, recordEvent, setMessageStatus, storeMessage } from '../../src/exchange/message-store';
import { composeMail, parseMail, SmtpSender } from '../../src/exchange/transports/email';
import type { Author } from './actions';
import { conflict, CorrespondenceError, notFound } from './errors';
import { changeState, fileMessage } from './filing';
import type { MailSettingsSource } from './mail-settings';

export interface SendOutcome {
  threadId: number;
  letterId: number;
  /** The Message-ID our reply went out under. */
  mailMessageId: string | null;
  sendStatus: 'sent' | 'not_sent' | 'sending';
  sendError: string | null;
  sendAttempts: number;
}

export function replySubject(subject: string): string {
  return /^\s*re\s*:/i.test(subject) ? subject : `Re: ${subject}`;
}

async function threadOf(database: Database, threadId: number) {
  const thread = await database.db
    .selectFrom('correspondence_thread as t')
    .leftJoin('insurer as i', 'i.id', 't.insurer_id')
    .select(['t.id', 't.subject', 't.state', 'i.code as insurer'])
    .where('t.id', '=', threadId)
    .executeTakeFirst();
  if (!thread) throw notFound(`no correspondence thread ${threadId}`, 'id');
  return thread;
}

export async function replyToThread(
  database: Database,
  threadId: number,
  reply: { text: string },
  author: Author,
  settingsOf: MailSettingsSource,
): Promise<SendOutcome> {
  const thread = await threadOf(database, threadId);
  if (!thread.insurer)
    throw conflict(`thread ${threadId} has no insurer (an unknown sender not yet assigned): assign it first`);
  const letters = await database.db
    .selectFrom('correspondence_letter')
    .select(['id', 'direction', 'mail_message_id', 'mail_references', 'sender', 'subject'])
    .where('thread_id', '=', threadId)
    .orderBy('written_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const answered = letters.find((l) => l.direction === 'inbound' && l.mail_message_id) ?? letters[0];
  const settings = await settingsOf(thread.insurer);
  const to =
    answered?.direction === 'inbound' && answered.sender ? answered.sender.split(', ')[0] : settings.to;
  if (!to)
    throw new CorrespondenceError(
      'unavailable',
      `no address to answer: channels.email.to of ${thread.insurer} is missing`,
    );
  const references = [
    ...(answered?.mail_references ? answered.mail_references.split(' ') : []),
    ...(answered?.mail_message_id ? [answered.mail_message_id] : []),
  ];
  const composed = await composeMail({
    from: settings.from,
    to: [to],
    subject: replySubject(answered?.subject ?? thread.subject),
    text: reply.text,
    inReplyTo: answered?.mail_message_id ?? undefined,
    references: references.length ? references : undefined,
  });
  const stored = await storeMessage(database, {
    insurerCode: thread.insurer,
    channel: 'email',
    direction: 'outbound',
    messageType: 'letter',
    externalName: replySubject(answered?.subject ?? thread.subject).slice(0, 500),
    externalId: composed.messageId,
    payload: composed.raw,
    contentType: 'message/rfc822',
    note: `reply to thread ${threadId} by ${author.login}`,
  });
  const filed = await fileMessage(database, stored.message.id, { author: author.login, pendingSend: true });
  return sendLetter(database, filed.letterId, author, settingsOf);
}

/** Sends (or sends again after a failure) an outgoing letter not sent yet. */
export async function sendLetter(
  database: Database,
  letterId: number,
  author: Author,
  settingsOf: MailSettingsSource,
): Promise<SendOutcome> {
  const letter = await database.db
    .selectFrom('correspondence_letter as l')
    .innerJoin('correspondence_thread as t', 't.id', 'l.thread_id')
    .leftJoin('insurer as i', 'i.id', 't.insurer_id')
    .select([
      'l.id',
      'l.thread_id',
      'l.message_id',
      'l.send_status',
      'l.send_attempts',
      't.state',
      'i.code as insurer',
    ])
    .where('l.id', '=', letterId)
    .executeTakeFirst();
  if (!letter) throw notFound(`no letter ${letterId}`, 'id');
  if (letter.send_status !== 'not_sent')
    throw conflict(
      letter.send_status === 'sent'
        ? `letter ${letterId} is sent already: it is never sent twice`
        : letter.send_status === 'sending'
          ? `letter ${letterId} is being sent right now`
          : `letter ${letterId} is not a reply written here`,
    );
  const settings = await settingsOf(letter.insurer!);
  const attempts = Number(letter.send_attempts) + 1;
  const claimed = await database.db
    .updateTable('correspondence_letter')
    .set({ send_status: 'sending', send_attempts: attempts })
    .where('id', '=', letterId)
    .where('send_status', '=', 'not_sent')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1)
    throw conflict(`letter ${letterId} is being sent by someone else`);
  const messageId = Number(letter.message_id);
  const threadId = Number(letter.thread_id);
  const raw = await readPayload(database, messageId);
  const mail = await parseMail(raw);
  const sender = new SmtpSender(settings.smtp);
  try {
    await sender.send({
      messageId: mail.messageId ?? `message-${messageId}`,
      raw,
      envelope: { from: mail.from[0] ?? '', to: mail.to },
    });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
    await database.db
      .updateTable('correspondence_letter')
      .set({ send_status: 'not_sent', send_error: reason })
      .where('id', '=', letterId)
      .execute();
    await recordEvent(
      database,
      messageId,
      'built',
      `send attempt ${attempts} by ${author.login} failed: ${reason}`,
    );
    return {
      threadId,
      letterId,
      mailMessageId: mail.messageId,
      sendStatus: 'not_sent',
      sendError: reason,
      sendAttempts: attempts,
    };
  } finally {
    sender.close();
  }
  await database.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('correspondence_letter')
      .set({ send_status: 'sent', send_error: null })
      .where('id', '=', letterId)
      .execute();
    const thread = await trx
      .selectFrom('correspondence_thread')
      .select('state')
      .where('id', '=', threadId)
      .executeTakeFirstOrThrow();
    await changeState(
      trx,
      database,
      threadId,
      thread.state,
      'waiting_for_insurer',
      author.login,
      `reply ${mail.messageId ?? ''} sent`.trim(),
    );
    await recordAudit(trx, database, {
      actor: author.login,
      action: 'correspondence.reply-sent',
      entityKind: 'correspondence_letter',
      entityId: String(letterId),
      before: { sendStatus: 'not_sent' },
      after: { sendStatus: 'sent', messageId: mail.messageId },
      reason: null,
    });
  });
  await setMessageStatus(database, messageId, 'sent', null);
  return {
    threadId,
    letterId,
    mailMessageId: mail.messageId,
    sendStatus: 'sent',
    sendError: null,
    sendAttempts: attempts,
  };
}
