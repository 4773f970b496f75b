/**
 * PostgreSQL's COPY … FROM STDIN through Kysely. Kysely hands a statement to the pg client of the
 * connection (or transaction) it runs on; a statement marked as a copy is turned, on that same
 * client, into a pg-copy-streams upload of its one parameter (rows in COPY's text format). So a bulk
 * insert joins the caller's transaction like any other statement, and the rows travel as plain text
 * that the server reads without building a JSON document or binding values one by one.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export const COPY_MARK = '/* ecspert:copy-from-stdin */ ';
const DATA_PLACEHOLDER = ' -- $1';

/** Makes a pooled pg client carry out statements marked with COPY_MARK as COPY FROM STDIN. */
export function enableCopyFromStdin(client: pg.PoolClient | pg.Client): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
    config: unknown,
    values?: unknown,
    callback?: unknown,
  ) => {
    const copy = typeof config === 'string' && Array.isArray(values) ? copyFromStdin(config, values) : null;
    if (copy) return copyIn(query, copy.statement, copy.data);
    return query(config, values, callback);
  };
}

/** COPY data: the whole text, or pieces of it produced as the server takes them. */
export type CopyData = string | Iterable<string>;

/** The COPY statement and its data when Kysely's statement is a marked copy; otherwise null. */
export function copyFromStdin(
  text: string,
  parameters: readonly unknown[],
): { statement: string; data: CopyData } | null {
  if (!text.startsWith(COPY_MARK) || !text.endsWith(DATA_PLACEHOLDER)) return null;
  const data = parameters[0];
  return {
    statement: text.slice(COPY_MARK.length, text.length - DATA_PLACEHOLDER.length),
    data: typeof data === 'string' ? data : (data as Iterable<string>),
  };
}

async function copyIn(query: (...args: unknown[]) => unknown, statement: string, data: CopyData) {
  const stream = query(copyFrom(statement)) as ReturnType<typeof copyFrom>;
  // The pipeline below reports the stream's error to the caller; a second 'error' the stream may
  // emit once the pipeline has settled (a connection lost while the COPY is being failed) must not
  // become an unhandled event that ends the process. The client's own 'error' is heard in database.ts.
  stream.on('error', () => undefined);
  // An iterable is read only as fast as the server takes it (the stream's back-pressure), so a
  // large upload never exists as one string.
  await pipeline(Readable.from(typeof data === 'string' ? [data] : data), stream);
  return { command: 'COPY', rowCount: stream.rowCount, rows: [] };
}

/**
 * The statement text Kysely sends, up to its one parameter (the data), which Kysely appends as $1:
 * the mark, the COPY and a comment holding the placeholder.
 */
export function copyStatement(table: string, columns: string[]): string {
  const quoted = columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ');
  return `${COPY_MARK}copy "${table.replace(/"/g, '""')}" (${quoted}) from stdin${DATA_PLACEHOLDER.slice(0, -2)}`;
}

/**
 * One value in COPY's text format: \N for null, backslash escapes for the separators. A calculation
 * writes millions of values, nearly all numbers and plain text with nothing to escape: numbers go
 * out as they are, text is scanned once by character code and copied only when it holds a
 * backslash, tab, newline or carriage return.
 */
export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  switch (typeof value) {
    case 'string':
      return copyText(value);
    case 'number':
    case 'bigint':
      return String(value); // digits, sign, point, exponent, Infinity, NaN: nothing to escape
    case 'boolean':
      return value ? 't' : 'f';
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`; // bytea hex, its backslash escaped
  return copyText(String(JSON.stringify(value))); // a function or symbol gives "undefined", as it did
}

/** Text with COPY's separators escaped; the text itself when there is nothing to escape. */
function copyText(text: string): string {
  const n = text.length;
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 || c === 9 || c === 10 || c === 13) break;
  }
  if (i === n) return text;
  let out = text.slice(0, i);
  let from = i;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== 92 && c !== 9 && c !== 10 && c !== 13) continue;
    out += text.slice(from, i) + (c === 92 ? '\\\\' : c === 9 ? '\\t' : c === 10 ? '\\n' : '\\r');
    from = i + 1;
  }
  return out + text.slice(from);
}

/** Rows in COPY's text format, produced `perPiece` rows at a time from any iterable of rows. */
export function* copyPieces(
  rows: Iterable<Record<string, unknown>>,
  columns: string[],
  perPiece = 1000,
): Generator<string> {
  let piece: Record<string, unknown>[] = [];
  for (const row of rows) {
    piece.push(row);
    if (piece.length === perPiece) {
      yield copyRows(piece, columns);
      piece = [];
    }
  }
  if (piece.length) yield copyRows(piece, columns);
}

/** Rows in COPY's text format, one line each, the columns in the given order. */
export function copyRows(rows: readonly Record<string, unknown>[], columns: string[]): string {
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    let line = '';
    for (let c = 0; c < columns.length; c++) line += (c ? '\t' : '') + copyValue(row[columns[c]]);
    lines[i] = line;
  }
  return lines.join('\n') + '\n';
}
