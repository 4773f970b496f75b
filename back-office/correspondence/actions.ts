/**
 * What a person does with a thread: set its state, relink it to another policy, application or
 * consultant, and work the unknown-sender queue (assign a letter to an insurer, or dismiss it with a
 * reason; nothing is deleted). Every change leaves an audit entry with its author and reason.
 */
import { recordAudit } from '../../src/audit';
import type { CorrespondenceState, Database } from '../../src/db';
import { findInsurer } from '../catalogue';
import { conflict, invalid, notFound } from './errors';
import { changeState } from './filing';
import {
  applicationLinks,
  consultantLinks,
  linksOf,
  NO_LINKS,
  policyLinks,
  subjectKey,
  type ThreadLinks,
} from './links';
import { type ThreadSummary, threadSummary } from './views';

export interface Author {
  /** The signed-in user. */
  login: string;
}

async function threadRow(database: Database, id: number) {
  const row = await database.db
    .selectFrom('correspondence_thread as t')
    .leftJoin('insurer as i', 'i.id', 't.insurer_id')
    .selectAll('t')
    .select('i.code as insurer')
    .where('t.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound(`no correspondence thread ${id}`, 'id');
  return row;
}

export async function setThreadState(
  database: Database,
  threadId: number,
  state: CorrespondenceState,
  author: Author,
  reason: string,
): Promise<ThreadSummary> {
  const thread = await threadRow(database, threadId);
  await database.db
    .transaction()
    .execute((trx) => changeState(trx, database, threadId, thread.state, state, author.login, reason));
  return threadSummary(database, threadId);
}

export interface Relink {
  /** A policy of the thread's insurer by number; null unlinks. */
  policyNumber?: string | null;
  applicationNumber?: string | null;
  consultantCode?: string | null;
}

/**
 * Links a thread to what a person says it concerns. A policy brings its application and consultant
 * (unless given too), an application its policy and consultant.
 */
export async function relinkThread(
  database: Database,
  threadId: number,
  change: Relink,
  author: Author,
  reason: string,
): Promise<ThreadSummary> {
  const thread = await threadRow(database, threadId);
  const before: ThreadLinks = {
    policyId: thread.policy_id === null ? null : Number(thread.policy_id),
    policyNumber: thread.policy_number,
    applicationId: thread.application_id === null ? null : Number(thread.application_id),
    applicationNumber: thread.application_number,
    consultantId: thread.consultant_id === null ? null : Number(thread.consultant_id),
    consultantCode: thread.consultant_code,
  };
  let after: ThreadLinks = { ...before };
  if (change.policyNumber !== undefined) {
    if (change.policyNumber === null) after = { ...after, policyId: null, policyNumber: null };
    else {
      if (!thread.insurer)
        throw conflict(`thread ${threadId} has no insurer yet: assign it first`, 'policyNumber');
      const found = await policyLinks(database, thread.insurer, change.policyNumber);
      if (!found) throw invalid('policyNumber', `${thread.insurer} has no policy ${change.policyNumber}`);
      after = found;
    }
  }
  if (change.applicationNumber !== undefined) {
    if (change.applicationNumber === null) after = { ...after, applicationId: null, applicationNumber: null };
    else {
      const found = await applicationLinks(database, change.applicationNumber);
      if (!found) throw invalid('applicationNumber', `there is no application ${change.applicationNumber}`);
      after = {
        ...after,
        applicationId: found.applicationId,
        applicationNumber: found.applicationNumber,
        ...(change.policyNumber === undefined && found.policyId !== null ? { policyId: found.policyId } : {}),
        ...(after.consultantId === null || change.policyNumber === undefined
          ? { consultantId: found.consultantId, consultantCode: found.consultantCode }
          : {}),
      };
    }
  }
  if (change.consultantCode !== undefined) {
    if (change.consultantCode === null) after = { ...after, consultantId: null, consultantCode: null };
    else {
      const found = await consultantLinks(database, change.consultantCode);
      if (!found) throw invalid('consultantCode', `there is no consultant ${change.consultantCode}`);
      after = { ...after, ...found };
    }
  }
  await database.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('correspondence_thread')
      .set({
        policy_id: after.policyId,
        policy_number: after.policyNumber,
        application_id: after.applicationId,
        application_number: after.applicationNumber,
        consultant_id: after.consultantId,
        consultant_code: after.consultantCode,
      })
      .where('id', '=', threadId)
      .execute();
    await recordAudit(trx, database, {
      actor: author.login,
      action: 'correspondence.relinked',
      entityKind: 'correspondence_thread',
      entityId: String(threadId),
      before,
      after,
      reason,
    });
  });
  return threadSummary(database, threadId);
}

async function pendingLetter(database: Database, letterId: number) {
  const letter = await database.db
    .selectFrom('correspondence_letter')
    .select(['id', 'thread_id', 'sender_queue', 'subject', 'sender'])
    .where('id', '=', letterId)
    .executeTakeFirst();
  if (!letter) throw notFound(`no letter ${letterId}`, 'id');
  if (letter.sender_queue !== 'pending')
    throw conflict(
      letter.sender_queue === null
        ? `letter ${letterId} is from a known sender: it is not in the unknown-sender queue`
        : `letter ${letterId} was ${letter.sender_queue} already`,
    );
  return letter;
}

/**
 * Takes a letter of an unknown sender out of the queue as the insurer's: the letter and its thread
 * get the insurer, and the thread the links its subject names. Decided once (a conditional update).
 */
export async function assignUnknownSender(
  database: Database,
  letterId: number,
  insurerCode: string,
  author: Author,
  reason: string,
): Promise<ThreadSummary> {
  const letter = await pendingLetter(database, letterId);
  const insurer = await findInsurer(database, insurerCode);
  if (!insurer) throw invalid('insurer', `there is no insurer ${insurerCode}`);
  const threadId = Number(letter.thread_id);
  const thread = await threadRow(database, threadId);
  const key = subjectKey(letter.subject);
  const links =
    thread.policy_id === null && thread.application_id === null
      ? await linksOf(database, insurerCode, key)
      : NO_LINKS;
  await database.db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable('correspondence_letter')
      .set({
        sender_queue: 'assigned',
        insurer_id: insurer.id,
        queue_reason: reason,
        queue_by: author.login,
        queue_at: new Date(),
      })
      .where('id', '=', letterId)
      .where('sender_queue', '=', 'pending')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1)
      throw conflict(`letter ${letterId} was decided by someone else a moment ago`);
    await trx
      .updateTable('correspondence_thread')
      .set({
        insurer_id: insurer.id,
        subject_key: thread.subject_key ?? key?.key ?? null,
        ...(links.policyId !== null || links.applicationId !== null
          ? {
              policy_id: links.policyId,
              policy_number: links.policyNumber,
              application_id: links.applicationId,
              application_number: links.applicationNumber,
              consultant_id: links.consultantId,
              consultant_code: links.consultantCode,
            }
          : {}),
      })
      .where('id', '=', threadId)
      .execute();
    await recordAudit(trx, database, {
      actor: author.login,
      action: 'correspondence.sender-assigned',
      entityKind: 'correspondence_letter',
      entityId: String(letterId),
      before: { senderQueue: 'pending', sender: letter.sender },
      after: { senderQueue: 'assigned', insurer: insurerCode },
      reason,
    });
  });
  return threadSummary(database, threadId);
}

/** Dismisses a letter of an unknown sender with a reason: it stays kept, its thread is closed. */
export async function dismissUnknownSender(
  database: Database,
  letterId: number,
  author: Author,
  reason: string,
): Promise<ThreadSummary> {
  const letter = await pendingLetter(database, letterId);
  const threadId = Number(letter.thread_id);
  const thread = await threadRow(database, threadId);
  await database.db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable('correspondence_letter')
      .set({ sender_queue: 'dismissed', queue_reason: reason, queue_by: author.login, queue_at: new Date() })
      .where('id', '=', letterId)
      .where('sender_queue', '=', 'pending')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1)
      throw conflict(`letter ${letterId} was decided by someone else a moment ago`);
    await recordAudit(trx, database, {
      actor: author.login,
      action: 'correspondence.sender-dismissed',
      entityKind: 'correspondence_letter',
      entityId: String(letterId),
      before: { senderQueue: 'pending', sender: letter.sender },
      after: { senderQueue: 'dismissed' },
      reason,
    });
    await changeState(trx, database, threadId, thread.state, 'closed', author.login, reason);
  });
  return threadSummary(database, threadId);
}
