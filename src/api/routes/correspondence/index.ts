/**
 * Correspondence with insurers over HTTP (back-office/correspondence): threads (paged; by state,
 * insurer, policy, application, consultant, or the unknown-sender queue), a thread with its letters,
 * an attachment's bytes by id, a reply sent from the system (stored first, then sent over SMTP;
 * a failed send is kept as not sent and retried by POST …/letters/:id/send), the thread's state,
 * its links, and the unknown-sender queue (assign to an insurer or dismiss with a reason). Also
 * `GET /api/policies/:id/correspondence` for the policy card.
 *
 * Who: `correspondence.read` / `correspondence.write` (back office, integration engineer,
 * administrator); managers and consultants see nothing here. Every write names its author (the
 * signed-in user) and reason in the audit log.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  assignUnknownSender,
  attachmentContent,
  dismissUnknownSender,
  listThreads,
  type MailSettingsSource,
  policyThreads,
  mailSettingsFromAdapters,
  relinkThread,
  sendLetter,
  setThreadState,
  showThread,
  THREAD_STATES,
  replyToThread,
} from '../../../../back-office/correspondence';
import type { CorrespondenceState } from '../../../db';
import { type PageQuery, pageEnvelopeSchema, pageQuerySchema } from '../../paging';
import { apiErrors, codeSchema, idParams, idSchema, text } from '../../schema-types';

export interface CorrespondenceRouteOptions {
  secretsDir: string;
  /** Default <project>/adapters. */
  adaptersDir?: string;
  /** Where an insurer's SMTP settings come from; default its adapter's `channels.email`. */
  mailSettings?: MailSettingsSource;
}

const tags = ['back-office'];
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const moment = { type: 'string', format: 'date-time' } as const;
const state = { type: 'string', enum: [...THREAD_STATES] } as const;
const reason = { ...text(1000, 1), description: 'why, in the person’s words (kept in the audit log)' };

const threadSchema = {
  type: 'object',
  required: ['id', 'subject', 'state', 'letters', 'pendingUnknown', 'lastLetterAt'],
  properties: {
    id: { type: 'integer' },
    insurer: { ...nullableStr, description: 'insurer code; null while an unknown sender is not assigned' },
    subject: str,
    subjectKey: { ...nullableStr, description: 'policy:<number> or application:<number>, from the subject' },
    state,
    policyId: nullableInt,
    policyNumber: nullableStr,
    applicationId: nullableInt,
    applicationNumber: nullableStr,
    consultantCode: nullableStr,
    letters: { type: 'integer', description: 'letters in the thread' },
    pendingUnknown: { type: 'integer', description: 'letters from an unknown sender waiting for a person' },
    createdAt: moment,
    lastLetterAt: moment,
  },
} as const;

const letterSchema = {
  type: 'object',
  required: ['id', 'direction', 'subject', 'sender', 'writtenAt', 'attachments'],
  properties: {
    id: { type: 'integer' },
    messageId: { type: 'integer', description: 'the stored mail in the message store' },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    insurer: nullableStr,
    mailMessageId: { ...nullableStr, description: 'the Message-ID header' },
    inReplyTo: nullableStr,
    references: { type: 'array', items: str },
    subject: str,
    sender: str,
    recipients: str,
    writtenAt: moment,
    text: { ...str, description: 'the text of the mail' },
    attachments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'fileName', 'contentType', 'sizeBytes'],
        properties: {
          id: { type: 'integer', description: 'download with GET /api/correspondence/attachments/{id}' },
          fileName: str,
          contentType: str,
          sizeBytes: { type: 'integer' },
        },
      },
    },
    senderQueue: {
      type: ['string', 'null'],
      enum: ['pending', 'assigned', 'dismissed', null],
      description: 'unknown sender: pending until assigned or dismissed; null for a known sender',
    },
    queueReason: nullableStr,
    queueBy: nullableStr,
    sendStatus: {
      type: ['string', 'null'],
      enum: ['sent', 'not_sent', 'sending', null],
      description: 'a reply written here: sent, not_sent (failed, retryable) or sending',
    },
    sendError: nullableStr,
    sendAttempts: { type: 'integer' },
    author: { ...nullableStr, description: 'who wrote a reply here' },
  },
} as const;

const sendOutcomeSchema = {
  type: 'object',
  required: ['threadId', 'letterId', 'sendStatus', 'sendAttempts'],
  properties: {
    threadId: { type: 'integer' },
    letterId: { type: 'integer' },
    mailMessageId: nullableStr,
    sendStatus: { type: 'string', enum: ['sent', 'not_sent', 'sending'] },
    sendError: { ...nullableStr, description: 'the SMTP server’s answer when the send failed' },
    sendAttempts: { type: 'integer' },
  },
} as const;

interface ThreadQuery extends PageQuery {
  state?: CorrespondenceState;
  insurer?: string;
  policy?: number;
  application?: number;
  consultant?: string;
  queue?: 'unknown-sender';
}

const author = (request: FastifyRequest) => ({ login: request.auth!.principal.login });

export function correspondenceRoutes(options: CorrespondenceRouteOptions): FastifyPluginAsync {
  return async (app) => {
    const settings =
      options.mailSettings ??
      mailSettingsFromAdapters({ secretsDir: options.secretsDir, adaptersDir: options.adaptersDir });
    const read = { permission: 'correspondence.read' } as const;
    const write = { permission: 'correspondence.write' } as const;

    app.get<{ Querystring: ThreadQuery }>(
      '/api/correspondence/threads',
      {
        config: read,
        schema: {
          tags,
          operationId: 'listCorrespondenceThreads',
          summary: 'Threads of letters with insurers, the latest first',
          querystring: pageQuerySchema({
            state,
            insurer: { ...codeSchema, description: 'insurer code' },
            policy: { ...idSchema, description: 'policy id' },
            application: { ...idSchema, description: 'application id' },
            consultant: { ...codeSchema, description: 'consultant code' },
            queue: {
              type: 'string',
              enum: ['unknown-sender'],
              description:
                'unknown-sender: threads with a letter from an unknown sender waiting for a person',
            },
          }),
          response: { 200: pageEnvelopeSchema(threadSchema, 'A page of threads'), ...apiErrors(400) },
        },
      },
      async (request) => {
        const q = request.query;
        return listThreads(app.database, {
          state: q.state,
          insurer: q.insurer,
          policyId: q.policy,
          applicationId: q.application,
          consultant: q.consultant,
          unknownSender: q.queue === 'unknown-sender',
          page: q.page,
          pageSize: q.pageSize,
        });
      },
    );

    app.get<{ Params: { id: number }; Querystring: PageQuery }>(
      '/api/policies/:id/correspondence',
      {
        config: read,
        schema: {
          tags,
          operationId: 'policyCorrespondence',
          summary: 'The threads of letters about a policy (for its card)',
          params: idParams,
          querystring: pageQuerySchema(),
          response: { 200: pageEnvelopeSchema(threadSchema, 'A page of threads'), ...apiErrors(400, 404) },
        },
      },
      async (request) =>
        policyThreads(app.database, request.params.id, {
          page: request.query.page,
          pageSize: request.query.pageSize,
        }),
    );

    app.get<{ Params: { id: number } }>(
      '/api/correspondence/threads/:id',
      {
        config: read,
        schema: {
          tags,
          operationId: 'getCorrespondenceThread',
          summary: 'A thread with its letters, oldest first, each with its text and attachments',
          params: idParams,
          response: {
            200: {
              type: 'object',
              required: ['thread', 'letters'],
              properties: { thread: threadSchema, letters: { type: 'array', items: letterSchema } },
            },
            ...apiErrors(400, 404),
          },
        },
      },
      async (request) => showThread(app.database, request.params.id),
    );

    app.get<{ Params: { id: number } }>(
      '/api/correspondence/attachments/:id',
      {
        config: read,
        schema: {
          tags,
          operationId: 'getCorrespondenceAttachment',
          summary: 'An attachment’s bytes, read from the stored mail it came in',
          params: idParams,
          response: {
            200: {
              description: 'The attachment, with its content type and file name',
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            },
            ...apiErrors(400, 404),
          },
        },
      },
      async (request, reply) => {
        const file = await attachmentContent(app.database, request.params.id);
        const ascii = file.fileName.replace(/[^\w.-]/g, '_');
        return reply
          .header('content-type', file.contentType)
          .header(
            'content-disposition',
            `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
          )
          .send(file.content);
      },
    );

    app.post<{ Params: { id: number }; Body: { text: string } }>(
      '/api/correspondence/threads/:id/reply',
      {
        config: write,
        schema: {
          tags,
          operationId: 'replyToCorrespondenceThread',
          summary:
            'Answer the thread: the reply (Re: …, In-Reply-To the last letter received) is stored, then sent over the insurer’s SMTP',
          params: idParams,
          body: {
            type: 'object',
            required: ['text'],
            additionalProperties: false,
            properties: { text: text(100_000, 1) },
          },
          response: {
            201: { ...sendOutcomeSchema, description: 'stored; sendStatus says whether it went out' },
            ...apiErrors(400, 404, 409, 422, 503),
          },
        },
      },
      async (request, reply) => {
        const outcome = await replyToThread(
          app.database,
          request.params.id,
          { text: request.body.text },
          author(request),
          settings,
        );
        return reply.code(201).send(outcome);
      },
    );

    app.post<{ Params: { id: number }; Body: Record<string, never> }>(
      '/api/correspondence/letters/:id/send',
      {
        config: write,
        schema: {
          tags,
          operationId: 'sendCorrespondenceLetter',
          summary: 'Send again a reply whose send failed (never one already sent: 409)',
          params: idParams,
          body: { type: 'object', additionalProperties: false, properties: {} },
          response: { 200: sendOutcomeSchema, ...apiErrors(400, 404, 409, 503) },
        },
      },
      async (request) => sendLetter(app.database, request.params.id, author(request), settings),
    );

    app.post<{ Params: { id: number }; Body: { state: CorrespondenceState; reason: string } }>(
      '/api/correspondence/threads/:id/state',
      {
        config: write,
        schema: {
          tags,
          operationId: 'setCorrespondenceState',
          summary: 'Set the thread’s state (waiting for us, waiting for the insurer, closed), with a reason',
          params: idParams,
          body: {
            type: 'object',
            required: ['state', 'reason'],
            additionalProperties: false,
            properties: { state, reason },
          },
          response: { 200: threadSchema, ...apiErrors(400, 404) },
        },
      },
      async (request) =>
        setThreadState(
          app.database,
          request.params.id,
          request.body.state,
          author(request),
          request.body.reason,
        ),
    );

    app.post<{
      Params: { id: number };
      Body: {
        policyNumber?: string | null;
        applicationNumber?: string | null;
        consultantCode?: string | null;
        reason: string;
      };
    }>(
      '/api/correspondence/threads/:id/links',
      {
        config: write,
        schema: {
          tags,
          operationId: 'relinkCorrespondenceThread',
          summary:
            'Link the thread to another policy, application or consultant (null unlinks), with a reason',
          params: idParams,
          body: {
            type: 'object',
            required: ['reason'],
            additionalProperties: false,
            properties: {
              policyNumber: { type: ['string', 'null'], minLength: 1, maxLength: 100 },
              applicationNumber: { type: ['string', 'null'], minLength: 1, maxLength: 100 },
              consultantCode: { type: ['string', 'null'], minLength: 1, maxLength: 40 },
              reason,
            },
          },
          response: { 200: threadSchema, ...apiErrors(400, 404, 409, 422) },
        },
      },
      async (request) => {
        const { reason: why, ...change } = request.body;
        return relinkThread(app.database, request.params.id, change, author(request), why);
      },
    );

    app.post<{ Params: { id: number }; Body: { insurer: string; reason: string } }>(
      '/api/correspondence/letters/:id/assign',
      {
        config: write,
        schema: {
          tags,
          operationId: 'assignUnknownSender',
          summary: 'Take a letter of an unknown sender out of the queue as an insurer’s, with a reason',
          params: idParams,
          body: {
            type: 'object',
            required: ['insurer', 'reason'],
            additionalProperties: false,
            properties: { insurer: { ...codeSchema, description: 'insurer code' }, reason },
          },
          response: { 200: threadSchema, ...apiErrors(400, 404, 409, 422) },
        },
      },
      async (request) =>
        assignUnknownSender(
          app.database,
          request.params.id,
          request.body.insurer,
          author(request),
          request.body.reason,
        ),
    );

    app.post<{ Params: { id: number }; Body: { reason: string } }>(
      '/api/correspondence/letters/:id/dismiss',
      {
        config: write,
        schema: {
          tags,
          operationId: 'dismissUnknownSender',
          summary: 'Dismiss a letter of an unknown sender with a reason: it stays kept, its thread is closed',
          params: idParams,
          body: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason } },
          response: { 200: threadSchema, ...apiErrors(400, 404, 409) },
        },
      },
      async (request) =>
        dismissUnknownSender(app.database, request.params.id, author(request), request.body.reason),
    );
  };
}
