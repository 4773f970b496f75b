/** Reading correspondence: threads (paged, filtered), a thread with its letters, an attachment's bytes. */
import type { CorrespondenceState, Database } from '../../src/db';
import { readPayload, sha256Hex } from '../../src/exchange/message-store';
import { parseMail } from '../../src/exchange/transports/email';
import { notFound } from './errors';

export const THREAD_STATES: CorrespondenceState[] = ['waiting_for_us', 'waiting_for_insurer', 'closed'];

export interface ThreadFilter {
  state?: CorrespondenceState;
  /** Insurer code. */
  insurer?: string;
  policyId?: number;
  applicationId?: number;
  /** Consultant code. */
  consultant?: string;
  /** Only threads with a letter from an unknown sender waiting for a person. */
  unknownSender?: boolean;
  /** One thread by id. */
  threadId?: number;
  page: number;
  pageSize: number;
}

export interface ThreadSummary {
  id: number;
  insurer: string | null;
  subject: string;
  subjectKey: string | null;
  state: CorrespondenceState;
  policyId: number | null;
  policyNumber: string | null;
  applicationId: number | null;
  applicationNumber: string | null;
  consultantCode: string | null;
  letters: number;
  /** Letters from an unknown sender still waiting for a person. */
  pendingUnknown: number;
  createdAt: string;
  lastLetterAt: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

function base(database: Database, filter: Omit<ThreadFilter, 'page' | 'pageSize'>) {
  let query = database.db
    .selectFrom('correspondence_thread as t')
    .leftJoin('insurer as i', 'i.id', 't.insurer_id');
  if (filter.threadId) query = query.where('t.id', '=', filter.threadId);
  if (filter.state) query = query.where('t.state', '=', filter.state);
  if (filter.insurer) query = query.where('i.code', '=', filter.insurer);
  if (filter.policyId) query = query.where('t.policy_id', '=', filter.policyId);
  if (filter.applicationId) query = query.where('t.application_id', '=', filter.applicationId);
  if (filter.consultant) query = query.where('t.consultant_code', '=', filter.consultant);
  if (filter.unknownSender)
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('correspondence_letter as q')
          .select('q.id')
          .whereRef('q.thread_id', '=', 't.id')
          .where('q.sender_queue', '=', 'pending'),
      ),
    );
  return query;
}

const iso = (value: Date | string) => new Date(value).toISOString();

export async function listThreads(database: Database, filter: ThreadFilter): Promise<Page<ThreadSummary>> {
  const total = await base(database, filter)
    .select((eb) => eb.fn.countAll().as('total'))
    .executeTakeFirstOrThrow();
  const rows = await base(database, filter)
    .select([
      't.id',
      'i.code as insurer',
      't.subject',
      't.subject_key',
      't.state',
      't.policy_id',
      't.policy_number',
      't.application_id',
      't.application_number',
      't.consultant_code',
      't.created_at',
      't.last_letter_at',
    ])
    .select((eb) => [
      eb
        .selectFrom('correspondence_letter as c')
        .select((e) => e.fn.countAll().as('n'))
        .whereRef('c.thread_id', '=', 't.id')
        .as('letters'),
      eb
        .selectFrom('correspondence_letter as p')
        .select((e) => e.fn.countAll().as('n'))
        .whereRef('p.thread_id', '=', 't.id')
        .where('p.sender_queue', '=', 'pending')
        .as('pending_unknown'),
    ])
    .orderBy('t.last_letter_at', 'desc')
    .orderBy('t.id', 'desc')
    .offset((filter.page - 1) * filter.pageSize)
    .fetch(filter.pageSize)
    .execute();
  return {
    items: rows.map((r) => ({
      id: Number(r.id),
      insurer: r.insurer ?? null,
      subject: r.subject,
      subjectKey: r.subject_key,
      state: r.state,
      policyId: r.policy_id === null ? null : Number(r.policy_id),
      policyNumber: r.policy_number,
      applicationId: r.application_id === null ? null : Number(r.application_id),
      applicationNumber: r.application_number,
      consultantCode: r.consultant_code,
      letters: Number(r.letters ?? 0),
      pendingUnknown: Number(r.pending_unknown ?? 0),
      createdAt: iso(r.created_at),
      lastLetterAt: iso(r.last_letter_at),
    })),
    page: filter.page,
    pageSize: filter.pageSize,
    total: Number(total.total),
  };
}

export interface AttachmentView {
  id: number;
  fileName: string;
  contentType: string;
  sizeBytes: number;
}

export interface LetterView {
  id: number;
  messageId: number;
  direction: 'inbound' | 'outbound';
  insurer: string | null;
  mailMessageId: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string;
  sender: string;
  recipients: string;
  writtenAt: string;
  text: string;
  attachments: AttachmentView[];
  senderQueue: 'pending' | 'assigned' | 'dismissed' | null;
  queueReason: string | null;
  queueBy: string | null;
  /** Our reply: sent, not_sent (failed, retryable) or sending; null for mail not sent by a person here. */
  sendStatus: 'not_sent' | 'sending' | 'sent' | null;
  sendError: string | null;
  sendAttempts: number;
  author: string | null;
}

export interface ThreadView {
  thread: ThreadSummary;
  letters: LetterView[];
}

/** A thread with its letters, oldest first, each with its text read from the stored mail. */
export async function showThread(database: Database, id: number): Promise<ThreadView> {
  const thread = await threadSummary(database, id);
  const letters = await database.db
    .selectFrom('correspondence_letter as l')
    .leftJoin('insurer as i', 'i.id', 'l.insurer_id')
    .selectAll('l')
    .select('i.code as insurer')
    .where('l.thread_id', '=', id)
    .orderBy('l.written_at')
    .orderBy('l.id')
    .execute();
  const attachments = letters.length
    ? await database.db
        .selectFrom('correspondence_letter_attachment')
        .selectAll()
        .where(
          'letter_id',
          'in',
          letters.map((l) => Number(l.id)),
        )
        .orderBy('letter_id')
        .orderBy('position')
        .execute()
    : [];
  const items: LetterView[] = [];
  for (const l of letters) {
    const mail = await parseMail(await readPayload(database, Number(l.message_id)));
    items.push({
      id: Number(l.id),
      messageId: Number(l.message_id),
      direction: l.direction,
      insurer: l.insurer ?? null,
      mailMessageId: l.mail_message_id,
      inReplyTo: l.in_reply_to,
      references: l.mail_references ? l.mail_references.split(' ') : [],
      subject: l.subject,
      sender: l.sender,
      recipients: l.recipients,
      writtenAt: iso(l.written_at),
      text: mail.text,
      attachments: attachments
        .filter((a) => Number(a.letter_id) === Number(l.id))
        .map((a) => ({
          id: Number(a.id),
          fileName: a.file_name,
          contentType: a.content_type,
          sizeBytes: Number(a.size_bytes),
        })),
      senderQueue: l.sender_queue,
      queueReason: l.queue_reason,
      queueBy: l.queue_by,
      sendStatus: l.send_status,
      sendError: l.send_error,
      sendAttempts: Number(l.send_attempts),
      author: l.author,
    });
  }
  return { thread, letters: items };
}

/** The threads about one policy, for its card; an unknown policy is refused (404), not an empty page. */
export async function policyThreads(
  database: Database,
  policyId: number,
  paging: { page: number; pageSize: number },
): Promise<Page<ThreadSummary>> {
  const policy = await database.db
    .selectFrom('policy')
    .select('id')
    .where('id', '=', policyId)
    .executeTakeFirst();
  if (!policy) throw notFound(`no policy ${policyId}`, 'id');
  return listThreads(database, { policyId, ...paging });
}

export async function threadSummary(database: Database, id: number): Promise<ThreadSummary> {
  const page = await listThreads(database, { threadId: id, page: 1, pageSize: 1 });
  if (!page.items.length) throw notFound(`no correspondence thread ${id}`, 'id');
  return page.items[0];
}

/** An attachment's bytes, read from the stored mail it came in (checked against the hash filed). */
export async function attachmentContent(
  database: Database,
  attachmentId: number,
): Promise<{ fileName: string; contentType: string; content: Buffer }> {
  const row = await database.db
    .selectFrom('correspondence_letter_attachment as a')
    .innerJoin('correspondence_letter as l', 'l.id', 'a.letter_id')
    .select(['a.position', 'a.file_name', 'a.content_type', 'a.sha256', 'l.message_id'])
    .where('a.id', '=', attachmentId)
    .executeTakeFirst();
  if (!row) throw notFound(`no attachment ${attachmentId}`, 'id');
  const mail = await parseMail(await readPayload(database, Number(row.message_id)));
  const attachment = mail.attachments[row.position];
  if (!attachment || sha256Hex(attachment.content) !== row.sha256)
    throw new Error(`attachment ${attachmentId} no longer matches stored message ${row.message_id}`);
  return { fileName: row.file_name, contentType: row.content_type, content: attachment.content };
}
