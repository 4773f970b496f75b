/**
 * Processing one stored inbound message: verify its signature when the adapter says it is signed,
 * decode and parse it, map every row to its canonical record and validate it, and apply the records
 * to the core in one transaction, so a message is applied whole or not at all. Rows that cannot be
 * applied are kept as row issues (quarantine-row) or refuse the whole file (reject-file), each naming
 * file, row and field. Processing again changes nothing that one clean run would not.
 */
import type { Kysely } from 'kysely';
import type { DB, RowIssueKind, SqlDialect } from '../../db';
import { resolveSecret } from '../adapter-config';
import {
  type ApplyContext,
  type ApplyOutcome,
  applyRecords,
  knowledgeTimes,
  type Located,
  type RowProblem,
} from '../apply';
import { emptyOutcome, mergeOutcomes } from '../apply/context';
import type { CanonicalMessageType } from '../canonical';
import { ExchangeError, isExchangeError } from '../errors';
import { type MailFact, mapMessage, resolveMessage, resolveParts, type ResolvedMessage } from '../mapping';
import {
  claimMessage,
  countAttempt,
  findMessage,
  readPayload,
  readPayloadStream,
  setMessageStatus,
  storeMessage,
  type StoredMessage,
  UNPROCESSED_STATUSES,
} from '../message-store';
import type { ExchangeMessageStatus } from '../../db';
import { checkSize } from '../formats/limits';
import { verifyXml } from '../signature';
import { columnErrors, storable } from './column-limits';
import type { ExchangeDeps } from './deps';
import { openMail } from './mail-message';
import { type CarriedRecords, replaceEarlier } from './replace-earlier';

export interface ProcessReport {
  messageId: number;
  file: string;
  messageType: string;
  status: 'applied' | 'quarantined' | 'failed' | 'skipped';
  /** Why a message was skipped: it was finished already, or another process has it in hand. */
  skippedBecause?: 'finished' | 'in-hand';
  /** Rows read from the file. */
  rows: number;
  applied: number;
  unchanged: number;
  /** Rows that were not applied, kept for review. */
  rowIssues: number;
  mismatchesRaised: number;
  recalculationsRequested: number;
  /** What went wrong, first ones first, each naming file, row and field. */
  errors: { kind: string; file: string | null; row: number | null; field: string | null; message: string }[];
  /** Where the time went (ms), for the benchmark and the log: reading the payload, parsing + mapping +
   * validating rows (wall time, less waiting for the database), applying batches (their own wall time,
   * overlapping the mapping of the next batch), and recording issues and the status. */
  timings?: { readMs: number; mapMs: number; applyMs: number; finishMs: number };
}

export interface ProcessOptions {
  /** Process a quarantined message again too (e.g. once its adapter is fixed). An applied message is
   * never processed again: a replay makes a new message of the same bytes. */
  again?: boolean;
  /** Records applied per batch inside the message's transaction. */
  chunkSize?: number;
  onProgress?: (progress: { rows: number; bytes?: number; done: boolean }) => void;
}

/** Messages whose rows depend on others go after them: contracts before their payments. */
export const PROCESSING_ORDER: Record<string, number> = {
  'register-answer': 1,
  contracts: 2,
  amendments: 3,
  payments: 4,
  commission: 5,
};

/** The tables applying records fills; their statistics are refreshed during a long apply. */
const STATISTICS_TABLES = [
  'person',
  'policy',
  'policy_version',
  'amendment',
  'premium_payment',
  'commission_statement_line',
  'mismatch',
];

/** Another process claimed the message between this one's look and its claim. */
class ClaimedElsewhere extends Error {
  constructor(messageId: number) {
    super(`message ${messageId} is being processed elsewhere`);
  }
}

class FileRefused extends Error {
  constructor(readonly errors: ExchangeError[]) {
    super(`${errors.length} row(s) cannot be read and the adapter rejects the whole file`);
  }
}

const MAX_LISTED = 200;

function summarise(errors: ExchangeError[]): ProcessReport['errors'] {
  return errors.slice(0, MAX_LISTED).map((e) => ({
    kind: e.kind,
    file: e.file && storable(e.file),
    row: e.row,
    field: e.field && storable(e.field),
    message: storable(e.message),
  }));
}

function issueKind(error: ExchangeError): RowIssueKind {
  return error.kind === 'validation' ? 'validation' : error.kind === 'parse' ? 'parse' : 'mapping';
}

async function recordRowIssues(
  trx: Kysely<DB>,
  dialect: SqlDialect,
  messageId: number,
  errors: ExchangeError[],
  problems: RowProblem[],
  at: Date,
): Promise<void> {
  const rows = [
    ...errors.map((e) => ({ row_no: e.row, field: e.field, kind: issueKind(e), message: e.detail })),
    ...problems.map((p) => ({ row_no: p.rowNo, field: p.field, kind: p.kind, message: p.message })),
  ].map((r) => ({
    ...r,
    field: r.field === null ? null : storable(r.field).slice(0, 200),
    message_id: messageId,
    message: storable(r.message).slice(0, 2000),
    raw: null,
    status: 'open' as const,
    created_at: at,
  }));
  await dialect.bulkInsert(trx, 'exchange_row_issue', rows);
}

/** A report with no rows yet; processPending uses it for a message that failed outright. */
export function report(
  message: Pick<StoredMessage, 'id' | 'externalName' | 'messageType'>,
  status: ProcessReport['status'],
  partial: Partial<ProcessReport> = {},
): ProcessReport {
  return {
    messageId: message.id,
    file: message.externalName ?? `message ${message.id}`,
    messageType: message.messageType,
    status,
    rows: 0,
    applied: 0,
    unchanged: 0,
    rowIssues: 0,
    mismatchesRaised: 0,
    recalculationsRequested: 0,
    errors: [],
    ...partial,
  };
}

/** Quarantines a message as a whole: nothing of it was applied; the reasons say why. */
async function quarantine(
  deps: ExchangeDeps,
  message: StoredMessage,
  errors: ExchangeError[],
  rows: number,
  waiting: readonly ExchangeMessageStatus[],
): Promise<ProcessReport> {
  const listed = summarise(errors);
  const claimed = await deps.database.db.transaction().execute(async (trx) => {
    if (!(await claimMessage(trx, message.id, waiting))) return false;
    await recordRowIssues(
      trx,
      deps.database.dialect,
      message.id,
      errors.slice(0, MAX_LISTED * 5),
      [],
      new Date(),
    );
    await setMessageStatus({ ...deps.database, db: trx }, message.id, 'quarantined', {
      errors: listed,
      total: errors.length,
    });
    return true;
  });
  if (!claimed) return report(message, 'skipped', { skippedBecause: 'in-hand' });
  deps.logger?.warn(
    { messageId: message.id, file: message.externalName, errors: listed.slice(0, 5) },
    'message quarantined',
  );
  return report(message, 'quarantined', { rows, errors: listed, rowIssues: errors.length });
}

export function verifiedPayload(
  deps: ExchangeDeps,
  resolved: ResolvedMessage,
  payload: Buffer,
  file: string,
): Buffer {
  if (!resolved.config.signed) return payload;
  const ref = resolved.adapter.signature?.verifyWith;
  if (!ref) {
    throw new ExchangeError({
      kind: 'signature',
      file: resolved.adapter.file,
      field: '/signature/verifyWith',
      message: `messages of type ${resolved.name} are signed, but the adapter registers no certificate to verify them with`,
    });
  }
  const certificatePem = resolveSecret(ref, { secretsDir: deps.secretsDir, env: deps.env });
  return Buffer.from(verifyXml(payload, { certificatePem, file }).signedXml, 'utf8');
}

async function consultantCodes(deps: ExchangeDeps): Promise<Set<string>> {
  const rows = await deps.database.db.selectFrom('consultant').select('code').execute();
  return new Set(rows.map((r) => r.code));
}

export async function processMessage(
  deps: ExchangeDeps,
  messageId: number,
  options: ProcessOptions = {},
): Promise<ProcessReport> {
  const { database } = deps;
  const message = await findMessage(database, messageId);
  if (!message) throw new RangeError(`no stored message ${messageId}`);
  if (message.direction !== 'inbound')
    throw new RangeError(`message ${messageId} is outbound: only inbound messages are processed`);
  // What may be processed: a waiting message, one that failed for an internal reason, and with
  // `again` a quarantined one. An applied message never is (a replay is a new message).
  const waiting: ExchangeMessageStatus[] = [
    ...UNPROCESSED_STATUSES,
    'failed',
    ...(options.again ? (['quarantined'] as const) : []),
  ];
  if (!waiting.includes(message.status)) return report(message, 'skipped', { skippedBecause: 'finished' });
  // Claimed and counted in a short transaction of its own, so a crash mid-apply leaves the attempt
  // visible; the apply's transaction below claims the message again and holds it to the end.
  if (!(await countAttempt(database, messageId, waiting)))
    return report(message, 'skipped', { skippedBecause: 'in-hand' });
  const file = message.externalName ?? `message-${messageId}`;

  let resolved: ResolvedMessage;
  let payload: Buffer | null;
  // What the mapping reads: the payload, or for a mail the attachment its message type names.
  let parts: ResolvedMessage[];
  let source = { fileName: file, mail: undefined as Record<MailFact, string | null> | undefined };
  const started = performance.now();
  try {
    resolved = resolveMessage(message.insurerCode!, message.messageType, { adaptersDir: deps.adaptersDir });
    if (resolved.config.direction !== 'in') {
      throw new ExchangeError({
        kind: 'mapping',
        file,
        message: `message type ${resolved.name} is not an inbound one`,
      });
    }
    parts = resolveParts(resolved, { adaptersDir: deps.adaptersDir });
    // A CSV file is read from the store as a stream, a chunk at a time, never whole; what must see the
    // file whole (a signature, XML, XLSX, JSON, a mail) reads it whole, refused first when over the limit.
    const streamed =
      message.channel !== 'email' &&
      !resolved.config.signed &&
      parts.every((p) => p.mapping.format === 'csv');
    if (streamed) {
      for (const part of parts) checkSize(file, message.sizeBytes, part.config.maxSizeBytes);
      payload = null;
    } else {
      if (message.channel !== 'email') checkSize(file, message.sizeBytes, resolved.config.maxSizeBytes);
      payload = verifiedPayload(deps, resolved, await readPayload(database, messageId), file);
    }
    if (message.channel === 'email' && payload) {
      const opened = await openMail(
        payload,
        resolved.config,
        file,
        resolved.adapter.channels.email?.maxAttachmentBytes,
      );
      payload = opened.content;
      source = { fileName: opened.fileName, mail: opened.facts };
    }
  } catch (error) {
    if (isExchangeError(error)) return quarantine(deps, message, [error], 0, waiting);
    throw error;
  }

  const codes = await consultantCodes(deps);
  const readMs = performance.now() - started;
  let applyMs = 0;
  let finishMs = 0;
  const chunkSize = options.chunkSize ?? 5000;
  const policy = resolved.config.badRowPolicy ?? 'quarantine-row';
  let rows = 0;
  try {
    const result = await database.db.transaction().execute(async (trx) => {
      // Held until commit or rollback: a second processor skips the message instead of applying it
      // again, and cannot mark it failed when the first one's rows meet its own.
      if (!(await claimMessage(trx, messageId, waiting))) throw new ClaimedElsewhere(messageId);
      const at = new Date();
      const ctx: ApplyContext = {
        trx,
        dialect: database.dialect,
        insurerId: message.insurerId!,
        insurerCode: message.insurerCode!,
        messageId,
        recordedAt: at,
        // A replay of an older message says what the insurer said then, not news of today.
        knownAt: (await knowledgeTimes(trx, [messageId])).get(messageId) ?? message.receivedAt,
      };
      let recordType = resolved.recordType as Exclude<CanonicalMessageType, 'register'>;
      // A message that replaces an earlier one keeps what it carried, to reverse what it lacks.
      const carried: CarriedRecords | null = resolved.config.mail?.replaces
        ? { contracts: [], payments: [], commission: [] }
        : null;
      const rowErrors: ExchangeError[] = [];
      let outcome: ApplyOutcome = emptyOutcome();
      let batch: Located<any>[] = [];
      const loopStarted = performance.now();
      // One batch is applied while the next is read and mapped: the database works on its inserts
      // while this process parses, so a large file costs about the slower of the two, not their sum.
      // At most one batch is in flight, so memory stays bounded whatever the file size.
      let inFlight: Promise<void> | null = null;
      let waitMs = 0;
      const settle = async () => {
        if (!inFlight) return;
        const t = performance.now();
        const running = inFlight;
        inFlight = null;
        await running;
        waitMs += performance.now() - t;
      };
      let batches = 0;
      const apply = async (items: Located<any>[]) => {
        await settle();
        const t = performance.now();
        // Tables grow by the batch inside this one transaction: after batches 2, 4, 8, … the planner
        // is told, or its look-ups by tax number and policy number fall back to scanning.
        batches++;
        const refresh = batches > 1 && (batches & (batches - 1)) === 0;
        const type = recordType;
        inFlight = (refresh ? database.dialect.refreshStatistics(trx, STATISTICS_TABLES) : Promise.resolve())
          .then(() => applyRecords(ctx, type, items))
          .then((result) => {
            outcome = mergeOutcomes(outcome, result);
            applyMs += performance.now() - t;
          });
        // Observed by settle(); a failure must not surface as an unhandled rejection meanwhile.
        inFlight.catch(() => undefined);
      };
      try {
        // One part but for a message read by parts (a bordereau's sheets), each applied in turn.
        for (const part of parts) {
          if (batch.length) {
            await apply(batch);
            batch = [];
          }
          await settle();
          recordType = part.recordType as Exclude<CanonicalMessageType, 'register'>;
          // Streamed in this transaction: on the embedded database it is the one session there is.
          const input = payload ?? readPayloadStream({ ...database, db: trx }, messageId);
          for await (const row of mapMessage(part, input, {
            fileName: source.fileName,
            mail: source.mail,
            lookups: { consultant: (code: string) => (codes.has(code) ? code : null) },
            onProgress: options.onProgress,
          })) {
            rows++;
            if (row.errors.length) {
              rowErrors.push(...row.errors);
              continue;
            }
            // A text too long for its column or with a NUL byte is this row's problem, not the file's.
            const unstorable = row.record ? columnErrors(resolved, row.record, { file, row: row.rowNo }) : [];
            if (unstorable.length) {
              rowErrors.push(...unstorable);
              continue;
            }
            // Under reject-file, the first bad row means nothing is applied: read on only to list the errors.
            if (row.record && !(policy === 'reject-file' && rowErrors.length)) {
              batch.push({ rowNo: row.rowNo, record: row.record });
              if (carried && recordType in carried)
                (carried[recordType as keyof CarriedRecords] as unknown[]).push(row.record);
              if (batch.length >= chunkSize) {
                await apply(batch);
                batch = [];
              }
            }
          }
        }
      } catch (error) {
        // The transaction must not roll back under a batch still being applied.
        await settle().catch(() => undefined);
        throw error;
      }
      await settle();
      if (policy === 'reject-file' && rowErrors.length) throw new FileRefused(rowErrors);
      if (batch.length) {
        await apply(batch);
        await settle();
      }
      // A later message for the same period (a corrected bordereau) replaces the earlier one.
      if (carried && source.mail && !(policy === 'reject-file' && rowErrors.length)) {
        const replaced = await replaceEarlier(ctx, resolved, source.mail, carried);
        outcome = mergeOutcomes(outcome, replaced);
      }
      const mapMs = performance.now() - loopStarted - waitMs;
      const finishStarted = performance.now();
      await recordRowIssues(trx, database.dialect, messageId, rowErrors, outcome.problems, at);
      const store = { ...database, db: trx };
      await setMessageStatus(store, messageId, 'mapped', { rows, valid: rows - rowErrors.length }, at);
      const summary = {
        rows,
        applied: outcome.applied,
        unchanged: outcome.unchanged,
        rowIssues: rowErrors.length + outcome.problems.length,
        mismatchesRaised: outcome.mismatchesRaised,
        recalculationsRequested: outcome.recalculationsRequested,
        errors: [
          ...summarise(rowErrors),
          ...outcome.problems
            .slice(0, MAX_LISTED)
            .map((p) => ({ kind: p.kind, file, row: p.rowNo, field: p.field, message: p.message })),
        ],
      };
      await setMessageStatus(store, messageId, 'applied', summary, at);
      finishMs = performance.now() - finishStarted;
      return { ...summary, mapMs };
    });
    const { mapMs, ...summary } = result;
    const timings = { readMs, mapMs, applyMs, finishMs };
    deps.logger?.info({ messageId, file, ...summary, errors: undefined, timings }, 'message applied');
    return report(message, 'applied', { ...summary, timings });
  } catch (error) {
    if (error instanceof ClaimedElsewhere) return report(message, 'skipped', { skippedBecause: 'in-hand' });
    if (error instanceof FileRefused) return quarantine(deps, message, error.errors, rows, waiting);
    if (isExchangeError(error)) return quarantine(deps, message, [error], rows, waiting);
    const reason = storable((error as Error)?.message ?? String(error)).slice(0, 2000);
    // Marked failed only while this process can claim it: a message another process applied or
    // holds meanwhile keeps its status (applied never becomes failed).
    const marked = await database.db
      .transaction()
      .execute(async (trx) => {
        if (!(await claimMessage(trx, messageId, waiting))) return false;
        await setMessageStatus({ ...database, db: trx }, messageId, 'failed', {
          errors: [{ kind: 'internal', file, row: null, field: null, message: reason }],
        });
        return true;
      })
      .catch((markError: unknown) => {
        deps.logger?.error({ messageId, err: markError }, 'could not mark the message failed');
        return false;
      });
    deps.logger?.error({ messageId, file, err: error, markedFailed: marked }, 'message processing failed');
    throw error;
  }
}

/**
 * Replays a stored message: a new record of the same bytes, pointing at the original, processed
 * from the start without asking the insurer again. Applying is idempotent, so the core ends as one
 * clean run would leave it.
 */
export async function replayMessage(
  deps: ExchangeDeps,
  messageId: number,
  options: ProcessOptions = {},
): Promise<ProcessReport> {
  const original = await findMessage(deps.database, messageId);
  if (!original) throw new RangeError(`no stored message ${messageId}`);
  if (original.direction !== 'inbound')
    throw new RangeError(`message ${messageId} is outbound: it cannot be replayed into the core`);
  const replays = await deps.database.db
    .selectFrom('exchange_message')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('replay_of_id', '=', messageId)
    .executeTakeFirstOrThrow();
  const { message } = await storeMessage(deps.database, {
    insurerCode: original.insurerCode!,
    channel: original.channel,
    direction: 'inbound',
    messageType: original.messageType,
    externalName: original.externalName,
    externalId: original.externalId,
    payload: { copyOf: messageId },
    contentType: original.contentType,
    replayOfId: messageId,
    idempotencyKey: `${original.idempotencyKey}:replay:${Number(replays.n) + 1}`,
  });
  return processMessage(deps, message.id, options);
}
