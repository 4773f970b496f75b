/**
 * A stored inbound message's parsed records, for the message browser: its payload read again with
 * the adapter's mapping (signature checked first, as processing does), each row's canonical record
 * and its row issues with row and field. Nothing is applied or stored; a page of rows is kept while
 * the rest are only counted, so memory stays flat whatever the file's size.
 */
import { ExchangeError, isExchangeError } from '../errors';
import { mapMessage, resolveMessage, type ResolvedMessage } from '../mapping';
import { findMessage, readPayload } from '../message-store';
import { columnErrors } from './column-limits';
import type { ExchangeDeps } from './deps';
import { verifiedPayload } from './process-message';

export interface RecordIssue {
  kind: string;
  row: number | null;
  field: string | null;
  message: string;
}

export interface ParsedRecord {
  /** The row of the file (1-based, as the row issues count it). */
  rowNo: number;
  /** The canonical record type, e.g. `policy`, `premiumPayment`. */
  type: string;
  /** The canonical fields; null when the row could not be mapped. */
  record: Record<string, unknown> | null;
  issues: RecordIssue[];
}

export interface ParsedRecordsPage {
  items: ParsedRecord[];
  page: number;
  pageSize: number;
  /** Rows in the file. */
  total: number;
  /** The canonical type of the message's records; null when its type is not configured. */
  recordType: string | null;
  /** Rows with at least one issue, over the whole file. */
  rowsWithIssues: number;
  /** Why the file as a whole could not be read (unknown type, bad signature, not a CSV …); null when it could. */
  fileError: RecordIssue | null;
}

/** The message is not one that is parsed into records (an outbound one). */
export class NotParsedError extends Error {
  readonly statusCode = 409;
}

const issueOf = (error: ExchangeError): RecordIssue => ({
  kind: error.kind,
  row: error.row,
  field: error.field,
  message: error.detail,
});

/**
 * One page of the records the message's payload maps to now (with the adapter and mapping in force:
 * the same ones a replay would use). Null when there is no such message.
 */
export async function messageRecords(
  deps: ExchangeDeps,
  messageId: number,
  page: { page: number; pageSize: number },
): Promise<ParsedRecordsPage | null> {
  const message = await findMessage(deps.database, messageId);
  if (!message) return null;
  if (message.direction !== 'inbound')
    throw new NotParsedError(
      `message ${messageId} is outbound: only inbound messages are parsed into records`,
    );
  const file = message.externalName ?? `message-${messageId}`;
  const first = (page.page - 1) * page.pageSize;
  const answer: ParsedRecordsPage = {
    items: [],
    page: page.page,
    pageSize: page.pageSize,
    total: 0,
    recordType: null,
    rowsWithIssues: 0,
    fileError: null,
  };
  let resolved: ResolvedMessage;
  try {
    if (!message.insurerCode)
      throw new ExchangeError({ kind: 'mapping', file, message: 'the message names no insurer' });
    resolved = resolveMessage(message.insurerCode, message.messageType, { adaptersDir: deps.adaptersDir });
    answer.recordType = resolved.recordType;
    if (resolved.config.direction !== 'in')
      throw new ExchangeError({
        kind: 'mapping',
        file,
        message: `message type ${resolved.name} is not an inbound one`,
      });
    const payload = verifiedPayload(deps, resolved, await readPayload(deps.database, messageId), file);
    // The same look-ups processing uses, so a row's issues read as they did then.
    const codes = new Set(
      (await deps.database.db.selectFrom('consultant').select('code').execute()).map((r) => r.code),
    );
    for await (const row of mapMessage(resolved, payload, {
      fileName: file,
      lookups: { consultant: (code: string) => (codes.has(code) ? code : null) },
    })) {
      const index = answer.total++;
      const errors = row.errors.length
        ? row.errors
        : row.record
          ? columnErrors(resolved, row.record, { file, row: row.rowNo })
          : [];
      if (errors.length) answer.rowsWithIssues++;
      if (index >= first && index < first + page.pageSize)
        answer.items.push({
          rowNo: row.rowNo,
          type: resolved.recordType,
          record: (row.record as Record<string, unknown> | null) ?? null,
          issues: errors.map(issueOf),
        });
    }
  } catch (error) {
    if (!isExchangeError(error)) throw error;
    answer.fileError = issueOf(error);
  }
  return answer;
}
