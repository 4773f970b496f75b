/**
 * The exchange over HTTP: the message store (list, one message with its trail and row issues, its
 * raw bytes, replay), reconciliation mismatches (list, resolve: thin shells over
 * src/exchange/reconciliation) and exchange runs (start one).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { JobQueue } from '../../../jobs';
import { enqueueExchangeRun, listAdapters, MESSAGE_REPLAY } from '../../../exchange/exchange-jobs';
import { findMessage, listMessages, messageTrail, readPayloadStream } from '../../../exchange/message-store';
import {
  findMismatch,
  letterFor,
  listMismatches,
  MISMATCH_ACTIONS,
  type MismatchAction,
  MismatchResolutionError,
  resolveMismatches,
  sweepAcceptedNoContract,
} from '../../../exchange/reconciliation';
import { messageRecords, NotParsedError, replayMessage } from '../../../exchange/pipeline';
import { type PageQuery, pageEnvelopeSchema, pageQuerySchema } from '../../paging';
import { actorSchema, codeSchema, idParams, text } from '../../schema-types';

export interface ExchangeRouteOptions {
  secretsDir: string;
  /** When given, replays and runs go to the background queue; otherwise replays run in the request. */
  jobs?: JobQueue;
}

const messageSchema = {
  $id: 'ExchangeMessage',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    insurerCode: { type: ['string', 'null'] },
    channel: { type: 'string' },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    messageType: { type: 'string' },
    externalName: { type: ['string', 'null'], description: 'file name or document name' },
    externalId: {
      type: ['string', 'null'],
      description: "the insurer's id: remote path, batch id, Message-ID",
    },
    sha256: { type: 'string' },
    sizeBytes: { type: 'integer' },
    status: { type: 'string' },
    statusReason: {},
    replayOfId: { type: ['integer', 'null'] },
    attempts: { type: 'integer' },
    receivedAt: { type: 'string', format: 'date-time' },
    processedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const mismatchSchema = {
  $id: 'Mismatch',
  type: 'object',
  description: "A difference between an insurer's view and ours, found while one of its messages was applied",
  required: [
    'id',
    'insurerCode',
    'kind',
    'policyNumber',
    'field',
    'insurerValue',
    'ourValue',
    'details',
    'sourceMessageId',
    'sourceRow',
    'status',
    'resolution',
    'resolvedBy',
    'resolvedAt',
    'createdAt',
    'action',
    'applicationId',
    'consultantId',
    'resolvedByMessageId',
  ],
  properties: {
    id: { type: 'integer' },
    insurerCode: { type: 'string', description: 'the insurer whose data differs from ours' },
    kind: {
      type: 'string',
      description:
        'what differs: unknown_policy, payment_unknown_policy, premium_differs, status_differs, consultant_code_unknown, commission_rate_differs, commission_amount_differs, accepted_no_contract, contract_without_application, application_rejected_but_issued, other',
    },
    policyNumber: { type: ['string', 'null'] },
    field: { type: ['string', 'null'], description: 'the field that differs, when one does' },
    insurerValue: { type: ['string', 'null'] },
    ourValue: { type: ['string', 'null'] },
    details: { type: ['string', 'null'] },
    sourceMessageId: { type: ['integer', 'null'], description: 'the stored message it was found in' },
    sourceRow: { type: ['integer', 'null'], description: 'the row of that message' },
    status: { type: 'string', enum: ['open', 'resolved', 'ignored'] },
    resolution: { type: ['string', 'null'], description: 'the comment of whoever closed it, once closed' },
    resolvedBy: { type: ['string', 'null'] },
    resolvedAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    action: {
      type: ['string', 'null'],
      description:
        'what was done: accept_insurer, keep_ours, link_application, link_consultant, add_alias, ignore, resolve; auto_rule (an adapter rule), cleared (a later message removed the difference)',
    },
    applicationId: { type: ['integer', 'null'], description: 'the application it was linked to' },
    consultantId: { type: ['integer', 'null'], description: 'the consultant it was linked to' },
    resolvedByMessageId: {
      type: ['integer', 'null'],
      description: 'the message whose import removed the difference, when it resolved by itself',
    },
  },
} as const;

const letterSchema = {
  $id: 'MismatchLetter',
  type: 'object',
  description:
    'A letter to the insurer drafted from a mismatch where we keep our value; send it through correspondence',
  required: ['subject', 'body'],
  properties: { subject: { type: 'string' }, body: { type: 'string' } },
} as const;

/**
 * What a person decides about mismatches: an action with a comment (or, as before, a status with
 * words). `by` names who decided when someone records a decision for another; else the signed-in user.
 */
export function resolutionBodyProperties(textOf: typeof text, actor: typeof actorSchema) {
  return {
    action: { type: 'string', enum: [...MISMATCH_ACTIONS] },
    comment: textOf(1000, 3),
    applicationNumber: textOf(60, 1),
    consultantCode: textOf(40, 1),
    status: {
      type: 'string',
      enum: ['resolved', 'ignored'],
      description: 'earlier form: resolve or ignore with words',
    },
    resolution: textOf(1000, 3),
    by: actor,
  } as const;
}

export const resolutionAnyOf = [
  { required: ['action', 'comment'] },
  { required: ['status', 'resolution'] },
] as const;

export interface ResolutionBody {
  action?: MismatchAction;
  comment?: string;
  applicationNumber?: string;
  consultantCode?: string;
  status?: 'resolved' | 'ignored';
  resolution?: string;
  by?: string;
}

/** The service's request from the body and the signed-in user. */
export function resolutionRequest(body: ResolutionBody, login: string | undefined) {
  if (!(body.action && body.comment) && !(body.status && body.resolution))
    throw new MismatchResolutionError('say an action with a comment (or a status with a resolution)', 400);
  return {
    action: body.action ?? (body.status === 'ignored' ? ('ignore' as const) : ('resolve' as const)),
    comment: (body.comment ?? body.resolution)!,
    by: body.by ?? login ?? 'unknown',
    applicationNumber: body.applicationNumber,
    consultantCode: body.consultantCode,
  };
}

export function refusal(error: MismatchResolutionError) {
  return {
    error: error.statusCode === 404 ? 'not_found' : error.statusCode === 409 ? 'conflict' : 'bad_request',
    message: error.message,
  };
}

/** Nothing to send: a POST that takes no body still refuses one with fields in it. */
const noBody = { type: 'object', additionalProperties: false, properties: {} } as const;

/** The messages' page: the count stops 10,000 rows past the page (message-store listMessages). */
function withCappedTotal(envelope: ReturnType<typeof pageEnvelopeSchema>) {
  const properties = (envelope as { properties: Record<string, unknown> }).properties;
  return {
    ...envelope,
    required: [...((envelope as { required: string[] }).required ?? []), 'totalCapped'],
    properties: {
      ...properties,
      totalCapped: {
        type: 'boolean',
        description:
          'true: more messages match than `total` says (the count stops 10,000 past this page); page on until a page comes back short',
      },
    },
  };
}

export function exchangeRoutes(options: ExchangeRouteOptions): FastifyPluginAsync {
  return async (app) => {
    app.addSchema(messageSchema);
    app.addSchema(mismatchSchema);
    app.addSchema(letterSchema);

    app.get<{
      Querystring: PageQuery & {
        status?: string;
        insurer?: string;
        direction?: 'inbound' | 'outbound';
        messageType?: string;
        receivedFrom?: string;
        receivedTo?: string;
      };
    }>(
      '/api/exchange/messages',
      {
        config: { permission: 'exchange.read' },
        schema: {
          tags: ['exchange'],
          summary: 'Stored messages, newest first',
          querystring: pageQuerySchema({
            status: {
              type: 'string',
              enum: ['received', 'parsed', 'mapped', 'applied', 'quarantined', 'failed', 'sent', 'built'],
            },
            insurer: codeSchema,
            direction: { type: 'string', enum: ['inbound', 'outbound'] },
            messageType: text(100, 1),
            receivedFrom: {
              type: 'string',
              format: 'date',
              description: 'received on this day (Kyiv time) or later',
            },
            receivedTo: {
              type: 'string',
              format: 'date',
              description: 'received on this day (Kyiv time) or earlier',
            },
          }),
          response: {
            200: withCappedTotal(pageEnvelopeSchema({ $ref: 'ExchangeMessage#' })),
            400: { $ref: 'ApiError#' },
          },
        },
      },
      async (request, reply) => {
        const { page, pageSize, status, insurer, direction, messageType, receivedFrom, receivedTo } =
          request.query;
        if (receivedFrom && receivedTo && receivedFrom > receivedTo)
          return reply.code(400).send({
            error: 'bad_request',
            message: `querystring.receivedFrom: ${receivedFrom} is after receivedTo ${receivedTo}`,
          });
        const result = await listMessages(
          app.database,
          { status: status as never, insurerCode: insurer, direction, messageType, receivedFrom, receivedTo },
          { page, pageSize },
        );
        return { ...result, page, pageSize };
      },
    );

    app.get<{ Params: { id: number } }>(
      '/api/exchange/messages/:id',
      {
        config: { permission: 'exchange.read' },
        schema: {
          tags: ['exchange'],
          summary: 'One message: what it is, its status trail and the rows it could not apply',
          params: idParams,
          response: {
            200: {
              type: 'object',
              properties: {
                message: { $ref: 'ExchangeMessage#' },
                trail: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      at: { type: 'string', format: 'date-time' },
                      status: { type: 'string' },
                      detail: { type: ['string', 'null'] },
                    },
                  },
                },
                rowIssues: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      row: { type: ['integer', 'null'] },
                      field: { type: ['string', 'null'] },
                      kind: { type: 'string' },
                      message: { type: 'string' },
                      status: { type: 'string' },
                    },
                  },
                },
              },
            },
            404: { $ref: 'ApiError#' },
          },
        },
      },
      async (request, reply) => {
        const message = await findMessage(app.database, request.params.id);
        if (!message)
          return reply.code(404).send({ error: 'not_found', message: `no message ${request.params.id}` });
        const trail = (await messageTrail(app.database, message.id)).map((e) => ({
          at: e.occurred_at,
          status: e.status,
          detail: e.detail,
        }));
        const issues = await app.database.db
          .selectFrom('exchange_row_issue')
          .select(['row_no as row', 'field', 'kind', 'message', 'status'])
          .where('message_id', '=', message.id)
          .orderBy('row_no')
          .offset(0)
          .fetch(1000)
          .execute();
        return { message, trail, rowIssues: issues };
      },
    );

    const issueSchema = {
      type: 'object',
      required: ['kind', 'row', 'field', 'message'],
      properties: {
        kind: { type: 'string', description: 'parse, mapping, validation …' },
        row: { type: ['integer', 'null'] },
        field: { type: ['string', 'null'], description: 'the field of the file or of the canonical record' },
        message: { type: 'string' },
      },
    } as const;
    const parsedRecordSchema = {
      type: 'object',
      required: ['rowNo', 'type', 'record', 'issues'],
      properties: {
        rowNo: { type: 'integer', description: 'the row of the file' },
        type: { type: 'string', description: 'the canonical record type, e.g. policy' },
        record: {
          type: ['object', 'null'],
          additionalProperties: true,
          description: 'the canonical fields; null when the row could not be mapped',
        },
        issues: { type: 'array', items: issueSchema, description: "the row's issues with row and field" },
      },
    } as const;
    app.get<{ Params: { id: number }; Querystring: PageQuery }>(
      '/api/exchange/messages/:id/records',
      {
        config: { permission: 'exchange.read' },
        schema: {
          tags: ['exchange'],
          operationId: 'listMessageRecords',
          summary:
            "An inbound message's parsed records: its payload read again with the adapter's mapping, nothing applied",
          params: idParams,
          querystring: pageQuerySchema(),
          response: {
            200: {
              type: 'object',
              description: 'A page of the rows of the file',
              required: ['items', 'page', 'pageSize', 'total', 'recordType', 'rowsWithIssues', 'fileError'],
              properties: {
                ...(pageEnvelopeSchema({}) as { properties: Record<string, unknown> }).properties,
                items: { type: 'array', items: parsedRecordSchema },
                recordType: { type: ['string', 'null'] },
                rowsWithIssues: { type: 'integer', minimum: 0, description: 'over the whole file' },
                fileError: {
                  anyOf: [{ type: 'null' }, issueSchema],
                  description: 'why the file as a whole could not be read; null when it could',
                },
              },
            },
            400: { $ref: 'ApiError#' },
            404: { $ref: 'ApiError#' },
            409: { $ref: 'ApiError#' },
          },
        },
      },
      async (request, reply) => {
        try {
          const page = await messageRecords(
            { database: app.database, secretsDir: options.secretsDir },
            request.params.id,
            { page: request.query.page, pageSize: request.query.pageSize },
          );
          if (!page)
            return reply.code(404).send({ error: 'not_found', message: `no message ${request.params.id}` });
          return page;
        } catch (error) {
          if (error instanceof NotParsedError)
            return reply.code(409).send({ error: 'conflict', message: error.message });
          throw error;
        }
      },
    );

    app.get<{ Params: { id: number } }>(
      '/api/exchange/messages/:id/payload',
      {
        config: { permission: 'exchange.read' },
        schema: {
          tags: ['exchange'],
          summary: 'The raw bytes exactly as received or sent',
          params: idParams,
          response: {
            200: {
              description: 'The payload, with the content type it came with (octet-stream when unknown)',
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            },
            404: { $ref: 'ApiError#' },
          },
        },
      },
      async (request, reply) => {
        const message = await findMessage(app.database, request.params.id);
        if (!message)
          return reply.code(404).send({ error: 'not_found', message: `no message ${request.params.id}` });
        const name = (message.externalName ?? `message-${message.id}`).replace(/[^\w.-]/g, '_');
        // Streamed from the store a chunk at a time: a 150 MB file is never held whole.
        return reply
          .header('content-type', message.contentType ?? 'application/octet-stream')
          .header('content-disposition', `attachment; filename="${name}"`)
          .header('content-length', message.sizeBytes)
          .send(readPayloadStream(app.database, message.id));
      },
    );

    app.post<{ Params: { id: number } }>(
      '/api/exchange/messages/:id/replay',
      {
        config: { permission: 'exchange.write' },
        schema: {
          tags: ['exchange'],
          summary: 'Process a stored inbound message again from its raw bytes, without asking the insurer',
          params: idParams,
          body: noBody,
          response: {
            200: { type: 'object', additionalProperties: true },
            202: { type: 'object', additionalProperties: true },
            404: { $ref: 'ApiError#' },
            409: { $ref: 'ApiError#' },
          },
        },
      },
      async (request, reply) => {
        const message = await findMessage(app.database, request.params.id);
        if (!message)
          return reply.code(404).send({ error: 'not_found', message: `no message ${request.params.id}` });
        if (message.direction !== 'inbound')
          return reply
            .code(409)
            .send({ error: 'conflict', message: 'only inbound messages are replayed into the core' });
        if (options.jobs) {
          const job = await options.jobs.enqueue(
            MESSAGE_REPLAY,
            { messageId: message.id },
            { key: `replay:${message.id}` },
          );
          return reply.code(202).send({ queued: true, jobId: job.id, duplicate: job.duplicate });
        }
        return replayMessage(
          { database: app.database, secretsDir: options.secretsDir, logger: app.log as never },
          message.id,
        );
      },
    );

    app.post<{ Body: { insurer: string } }>(
      '/api/exchange/runs',
      {
        config: { permission: 'exchange.write' },
        schema: {
          tags: ['exchange'],
          summary: 'Start an exchange run with an insurer in the background',
          body: {
            type: 'object',
            required: ['insurer'],
            additionalProperties: false,
            properties: { insurer: { ...codeSchema, examples: ['DNIPRO_LIFE'] } },
          },
          response: {
            202: {
              type: 'object',
              properties: { jobId: { type: 'string' }, duplicate: { type: 'boolean' } },
            },
            400: { $ref: 'ApiError#' },
            503: { $ref: 'ApiError#' },
          },
        },
      },
      async (request, reply) => {
        if (!listAdapters().includes(request.body.insurer)) {
          return reply.code(400).send({
            error: 'bad_request',
            message: `no adapter for ${request.body.insurer}`,
            details: [{ field: 'body.insurer', message: `one of ${listAdapters().join(', ')}` }],
          });
        }
        if (!options.jobs)
          return reply.code(503).send({ error: 'unavailable', message: 'no job queue runs in this process' });
        const job = await enqueueExchangeRun(options.jobs, request.body.insurer);
        return reply.code(202).send({ jobId: job.id, duplicate: job.duplicate });
      },
    );

    app.get<{
      Querystring: PageQuery & {
        status?: string;
        kind?: string;
        insurer?: string;
        policy?: string;
        message?: number;
      };
    }>(
      '/api/exchange/mismatches',
      {
        config: { permission: 'mismatches.read' },
        schema: {
          tags: ['exchange'],
          summary: "Differences between an insurer's view and ours, for review",
          querystring: pageQuerySchema({
            status: { type: 'string', enum: ['open', 'resolved', 'ignored'] },
            kind: text(40, 1),
            insurer: codeSchema,
            policy: text(60, 1),
            message: {
              type: 'integer',
              minimum: 1,
              maximum: 9007199254740991,
              description: 'the stored message it was found in',
            },
          }),
          response: {
            200: pageEnvelopeSchema({ $ref: 'Mismatch#' }, 'Mismatches, newest first, one page'),
            400: { $ref: 'ApiError#' },
          },
        },
      },
      async (request) => {
        const { page, pageSize, status, kind, insurer, policy, message } = request.query;
        const result = await listMismatches(
          app.database,
          { status: status as never, kind, insurerCode: insurer, policyNumber: policy, messageId: message },
          { page, pageSize },
        );
        return { ...result, page, pageSize };
      },
    );

    app.post<{ Params: { id: number }; Body: ResolutionBody }>(
      '/api/exchange/mismatches/:id/resolve',
      {
        config: { permission: 'mismatches.write' },
        schema: {
          tags: ['exchange'],
          summary:
            "Resolve a mismatch: accept the insurer's value, keep ours (a letter is drafted), link an application or consultant, add an agent-code alias, or ignore it, with a comment kept in its trail",
          params: idParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: resolutionBodyProperties(text, actorSchema),
          },
          response: {
            200: {
              description:
                'The mismatch as it stands now, with what changed in the core and the drafted letter',
              allOf: [
                { $ref: 'Mismatch#' },
                {
                  type: 'object',
                  required: ['changes', 'letter'],
                  properties: {
                    changes: { type: 'array', items: { type: 'string' } },
                    letter: { anyOf: [{ $ref: 'MismatchLetter#' }, { type: 'null' }] },
                  },
                },
              ],
            },
            400: { $ref: 'ApiError#' },
            404: { $ref: 'ApiError#' },
            409: { $ref: 'ApiError#' },
          },
        },
      },
      async (request, reply) => {
        // A checked transition (open → resolved/ignored): of two people resolving the same mismatch
        // at once, one succeeds and the other gets 409 naming who closed it.
        try {
          const [result] = await resolveMismatches(
            app.database,
            [request.params.id],
            resolutionRequest(request.body, request.auth?.principal.login),
          );
          const mismatch = await findMismatch(app.database, request.params.id);
          return { ...mismatch!, changes: result.changes, letter: result.letter };
        } catch (error) {
          if (error instanceof MismatchResolutionError)
            return reply.code(error.statusCode).send(refusal(error));
          throw error;
        }
      },
    );

    app.get<{ Params: { id: number } }>(
      '/api/exchange/mismatches/:id/letter',
      {
        config: { permission: 'mismatches.read' },
        schema: {
          tags: ['exchange'],
          summary:
            'The letter to the insurer drafted from a mismatch (keeping our value), to send through correspondence',
          params: idParams,
          response: { 200: { $ref: 'MismatchLetter#' }, 404: { $ref: 'ApiError#' } },
        },
      },
      async (request, reply) => {
        const letter = await letterFor(app.database, request.params.id);
        if (!letter)
          return reply.code(404).send({ error: 'not_found', message: `no mismatch ${request.params.id}` });
        return letter;
      },
    );

    app.post<{ Body: { insurer?: string } }>(
      '/api/exchange/mismatches/sweep',
      {
        config: { permission: 'mismatches.write' },
        schema: {
          tags: ['exchange'],
          summary:
            'Raise accepted_no_contract for applications accepted longer ago than their adapter allows with no contract; resolve those whose contract has arrived',
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { insurer: codeSchema },
          },
          response: {
            200: {
              type: 'object',
              required: ['overdue', 'raised', 'cleared'],
              properties: {
                overdue: { type: 'integer' },
                raised: { type: 'integer' },
                cleared: { type: 'integer' },
              },
            },
            400: { $ref: 'ApiError#' },
          },
        },
      },
      async (request) => sweepAcceptedNoContract(app.database, { insurerCode: request.body?.insurer }),
    );
  };
}
