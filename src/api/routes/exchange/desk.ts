/**
 * What the integration desk (the web application's exchange screens) reads beyond the exchange's own
 * routes (./index.ts): the dashboard per insurer (last run, next scheduled run from the adapter's
 * cron patterns, quarantine and failure counts, open mismatches, the latest messages), a message's
 * payload as text in the charset its adapter declares, one mismatch with its trail (the audit log),
 * and resolving many mismatches at once, all or nothing in one transaction.
 */
import { Cron } from 'croner';
import type { FastifyPluginAsync } from 'fastify';
import iconv from 'iconv-lite';
import type { JobQueue } from '../../../jobs';
import { loadAdapter, messageTypeForFile } from '../../../exchange/adapter-config';
import { listAdapters } from '../../../exchange/exchange-jobs';
import { findMessage, readPayloadHead } from '../../../exchange/message-store';
import { findMismatch, MismatchResolutionError, resolveMismatches } from '../../../exchange/reconciliation';
import { refusal, type ResolutionBody, resolutionBodyProperties, resolutionRequest } from './index';
import { actorSchema, idParams, idSchema, text } from '../../schema-types';

export interface ExchangeDeskRouteOptions {
  /** The queue exchange runs go to; without one, runs cannot be started from this process. */
  jobs?: JobQueue;
}

/** Schedules run in Kyiv time, as the queue runs them (src/exchange/exchange-jobs.ts). */
const SCHEDULE_TIMEZONE = 'Europe/Kyiv';
/** The exchange cursor an exchange run job sets when it begins (src/exchange/exchange-jobs.ts). */
const LAST_RUN_CURSOR = 'schedule:last-run-started';
/** Text shown in the browser stops here; the whole payload is a download. */
const TEXT_LIMIT_BYTES = 1024 * 1024;
const RECENT_MESSAGES = 5;

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;

/** The same mismatch the exchange routes answer (their `Mismatch` schema lives in their own scope). */
const mismatchSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    insurerCode: { type: 'string' },
    kind: { type: 'string' },
    policyNumber: nullableText,
    field: nullableText,
    insurerValue: nullableText,
    ourValue: nullableText,
    details: nullableText,
    sourceMessageId: nullableInteger,
    sourceRow: nullableInteger,
    status: { type: 'string', enum: ['open', 'resolved', 'ignored'] },
    resolution: nullableText,
    resolvedBy: nullableText,
    resolvedAt: nullableDateTime,
    createdAt: dateTime,
    action: nullableText,
    applicationId: nullableInteger,
    consultantId: nullableInteger,
    resolvedByMessageId: nullableInteger,
  },
} as const;

const insurerDeskSchema = {
  type: 'object',
  required: ['code', 'name', 'schedules', 'nextRunAt', 'lastRunStartedAt', 'counts', 'openMismatches'],
  properties: {
    code: { type: 'string' },
    name: { type: 'string' },
    schedules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'the schedule’s name in adapter.yaml' },
          cron: { type: 'string' },
          nextRunAt: nullableDateTime,
        },
      },
    },
    nextRunAt: { ...nullableDateTime, description: 'the earliest next run of its schedules (Kyiv time)' },
    lastRunStartedAt: { ...nullableDateTime, description: 'when its last exchange run job began' },
    lastReceivedAt: nullableDateTime,
    counts: {
      type: 'object',
      description: 'its stored messages by status',
      properties: {
        total: { type: 'integer' },
        quarantined: { type: 'integer' },
        failed: { type: 'integer' },
        pending: { type: 'integer', description: 'received, not processed yet' },
        applied: { type: 'integer' },
      },
    },
    openMismatches: { type: 'integer' },
    recentMessages: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          externalName: { type: ['string', 'null'] },
          messageType: { type: 'string' },
          direction: { type: 'string' },
          status: { type: 'string' },
          receivedAt: dateTime,
        },
      },
    },
  },
} as const;

/** The earliest next run of a set of cron patterns after `now`, each with its own. */
function nextRuns(schedules: Record<string, string>, now: Date) {
  const list = Object.entries(schedules).map(([name, cron]) => {
    let next: Date | null = null;
    try {
      next = new Cron(cron, { timezone: SCHEDULE_TIMEZONE }).nextRun(now);
    } catch {
      next = null;
    }
    return { name, cron, nextRunAt: next };
  });
  const times = list.map((s) => s.nextRunAt).filter((d): d is Date => d !== null);
  return {
    schedules: list,
    nextRunAt: times.length ? new Date(Math.min(...times.map((d) => d.getTime()))) : null,
  };
}

/** A charset label iconv-lite and the browser agree on (`cp1251` and `win1251` are windows-1251). */
function charsetOf(contentType: string | null): string | null {
  const match = /charset="?([\w-]+)"?/i.exec(contentType ?? '');
  return match ? match[1].toLowerCase() : null;
}

export function exchangeDeskRoutes(options: ExchangeDeskRouteOptions = {}): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/exchange/insurers',
      {
        config: { permission: 'exchange.read' },
        schema: {
          tags: ['exchange'],
          summary: 'The exchange per insurer: last run, next scheduled run, quarantine and failures',
          response: {
            200: {
              type: 'object',
              required: ['items', 'runsAvailable', 'queue'],
              properties: {
                items: { type: 'array', items: insurerDeskSchema },
                runsAvailable: {
                  type: 'boolean',
                  description: 'whether POST /api/exchange/runs can start a run in this process',
                },
                queue: {
                  type: ['object', 'null'],
                  description: 'the background queue’s jobs now (null without a queue)',
                  properties: {
                    waiting: { type: 'integer' },
                    active: { type: 'integer' },
                    delayed: { type: 'integer' },
                    failed: { type: 'integer' },
                    completed: { type: 'integer' },
                  },
                },
              },
            },
            401: { $ref: 'ApiError#' },
          },
        },
      },
      async () => {
        const now = new Date();
        const db = app.database.db;
        const codes = listAdapters();
        const insurers = codes.length
          ? await db.selectFrom('insurer').select(['id', 'code', 'name']).where('code', 'in', codes).execute()
          : [];
        const items = [];
        for (const code of codes) {
          const insurer = insurers.find((i) => i.code === code);
          const adapter = loadAdapter(code);
          const { schedules, nextRunAt } = nextRuns(adapter.schedules ?? {}, now);
          const id = insurer ? Number(insurer.id) : null;
          const counts = { total: 0, quarantined: 0, failed: 0, pending: 0, applied: 0 };
          let lastRunStartedAt: Date | null = null;
          let lastReceivedAt: Date | null = null;
          let openMismatches = 0;
          let recentMessages: unknown[] = [];
          if (id !== null) {
            const byStatus = await db
              .selectFrom('exchange_message')
              .select([
                'status',
                (eb) => eb.fn.countAll<number>().as('n'),
                (eb) => eb.fn.max('received_at').as('last'),
              ])
              .where('insurer_id', '=', id)
              .groupBy('status')
              .execute();
            for (const row of byStatus) {
              const n = Number(row.n);
              counts.total += n;
              if (row.status === 'quarantined') counts.quarantined += n;
              else if (row.status === 'failed') counts.failed += n;
              else if (row.status === 'applied') counts.applied += n;
              else if (['received', 'parsed', 'mapped'].includes(row.status)) counts.pending += n;
              const last = row.last ? new Date(row.last as string | Date) : null;
              if (last && (!lastReceivedAt || last > lastReceivedAt)) lastReceivedAt = last;
            }
            const cursor = await db
              .selectFrom('exchange_cursor')
              .select('cursor_value')
              .where('insurer_id', '=', id)
              .where('cursor_name', '=', LAST_RUN_CURSOR)
              .executeTakeFirst();
            lastRunStartedAt = cursor ? new Date(cursor.cursor_value) : null;
            const open = await db
              .selectFrom('mismatch')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('insurer_id', '=', id)
              .where('status', '=', 'open')
              .executeTakeFirstOrThrow();
            openMismatches = Number(open.n);
            recentMessages = (
              await db
                .selectFrom('exchange_message')
                .select([
                  'id',
                  'external_name as externalName',
                  'message_type as messageType',
                  'direction',
                  'status',
                  'received_at as receivedAt',
                ])
                .where('insurer_id', '=', id)
                .orderBy('received_at', 'desc')
                .orderBy('id', 'desc')
                .offset(0)
                .fetch(RECENT_MESSAGES)
                .execute()
            ).map((m) => ({ ...m, id: Number(m.id) }));
          }
          items.push({
            code,
            name: insurer?.name ?? adapter.insurer.name ?? code,
            schedules,
            nextRunAt,
            lastRunStartedAt,
            lastReceivedAt,
            counts,
            openMismatches,
            recentMessages,
          });
        }
        const queue = options.jobs ? await options.jobs.counts() : null;
        return { items, runsAvailable: Boolean(options.jobs), queue };
      },
    );

    app.get<{ Params: { id: number } }>(
      '/api/exchange/messages/:id/text',
      {
        config: { permission: 'exchange.read' },
        schema: {
          tags: ['exchange'],
          summary: 'A message’s payload as text, decoded in the charset its adapter declares',
          params: idParams,
          response: {
            200: {
              type: 'object',
              required: ['binary', 'charset', 'text', 'truncated', 'sizeBytes'],
              properties: {
                binary: {
                  type: 'boolean',
                  description: 'true: not text (xlsx, a signature container): download the payload instead',
                },
                charset: { type: ['string', 'null'] },
                format: { type: ['string', 'null'] },
                text: { type: ['string', 'null'] },
                truncated: { type: 'boolean', description: 'only the first megabyte is shown' },
                sizeBytes: { type: 'integer' },
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
        // Only what is shown is read (the first megabyte), not the whole file.
        const bytes = await readPayloadHead(app.database, message.id, TEXT_LIMIT_BYTES);
        let format: string | null = null;
        let charset = charsetOf(message.contentType);
        if (message.insurerCode) {
          try {
            const adapter = loadAdapter(message.insurerCode);
            const config =
              (message.externalName
                ? messageTypeForFile(adapter, message.externalName)?.message
                : undefined) ?? adapter.messages[message.messageType];
            if (config) {
              format = config.format;
              charset ??= config.formatOptions?.encoding ?? null;
            }
          } catch {
            // An insurer without an adapter now: the content type alone decides.
          }
        }
        const type = (message.contentType ?? '').toLowerCase();
        const binary =
          format === 'xlsx' ||
          /spreadsheet|zip|octet-stream|pdf|pkcs/.test(type) ||
          bytes.subarray(0, 8000).includes(0);
        if (binary)
          return {
            binary: true,
            charset: null,
            format,
            text: null,
            truncated: false,
            sizeBytes: message.sizeBytes,
          };
        const encoding = charset && iconv.encodingExists(charset) ? charset : 'utf-8';
        const shown = bytes.subarray(0, TEXT_LIMIT_BYTES);
        return {
          binary: false,
          charset: encoding,
          format,
          text: iconv.decode(shown, encoding),
          truncated: message.sizeBytes > shown.length,
          sizeBytes: message.sizeBytes,
        };
      },
    );

    app.get<{ Params: { id: number } }>(
      '/api/exchange/mismatches/:id',
      {
        config: { permission: 'mismatches.read' },
        schema: {
          tags: ['exchange'],
          summary: 'One mismatch with its trail: when it was found, in which message, and every decision',
          params: idParams,
          response: {
            200: {
              type: 'object',
              required: ['mismatch', 'trail'],
              properties: {
                mismatch: mismatchSchema,
                trail: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      at: dateTime,
                      actor: { type: ['string', 'null'] },
                      action: { type: 'string' },
                      reason: { type: ['string', 'null'], description: 'the comment, or where it was found' },
                      after: { description: 'the state after, with what changed in the core' },
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
        const mismatch = await findMismatch(app.database, request.params.id);
        if (!mismatch)
          return reply.code(404).send({ error: 'not_found', message: `no mismatch ${request.params.id}` });
        const audit = await app.database.db
          .selectFrom('audit_log')
          .select(['occurred_at', 'actor', 'action', 'reason', 'after_state as after'])
          .where('entity_kind', '=', 'mismatch')
          .where('entity_id', '=', String(mismatch.id))
          .orderBy('occurred_at')
          .orderBy('id')
          .offset(0)
          .fetch(200)
          .execute();
        const trail = [
          {
            at: mismatch.createdAt,
            actor: null,
            action: 'mismatch.found',
            reason: mismatch.sourceMessageId
              ? `message ${mismatch.sourceMessageId}${mismatch.sourceRow ? `, row ${mismatch.sourceRow}` : ''}`
              : null,
          },
          ...audit.map((a) => ({
            at: a.occurred_at,
            actor: a.actor,
            action: a.action,
            reason: a.reason,
            after: typeof a.after === 'string' ? safeJson(a.after) : a.after,
          })),
        ];
        return { mismatch, trail };
      },
    );

    app.post<{ Body: ResolutionBody & { ids: number[] } }>(
      '/api/exchange/mismatches/resolve',
      {
        config: { permission: 'mismatches.write' },
        schema: {
          tags: ['exchange'],
          summary:
            'Resolve several mismatches with one decision and one comment, all or none: one that is not open, or a decision that cannot be carried out for one, refuses the whole request',
          body: {
            type: 'object',
            required: ['ids'],
            additionalProperties: false,
            properties: {
              ids: { type: 'array', minItems: 1, maxItems: 500, uniqueItems: true, items: idSchema },
              ...resolutionBodyProperties(text, actorSchema),
            },
          },
          response: {
            200: {
              type: 'object',
              required: ['resolved', 'items', 'results'],
              properties: {
                resolved: { type: 'integer' },
                items: { type: 'array', items: mismatchSchema },
                results: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      id: { type: 'integer' },
                      status: { type: 'string', enum: ['resolved', 'ignored'] },
                      action: { type: 'string' },
                      changes: { type: 'array', items: { type: 'string' } },
                      letter: {
                        type: ['object', 'null'],
                        properties: { subject: { type: 'string' }, body: { type: 'string' } },
                      },
                    },
                  },
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
        const { ids, ...decision } = request.body;
        try {
          const results = await resolveMismatches(
            app.database,
            ids,
            resolutionRequest(decision, request.auth?.principal.login),
          );
          const items = [];
          for (const id of ids) items.push(await findMismatch(app.database, id));
          return { resolved: results.length, items, results };
        } catch (error) {
          if (error instanceof MismatchResolutionError)
            return reply.code(error.statusCode).send(refusal(error));
          throw error;
        }
      },
    );
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
