/**
 * The header of a CSV or XLSX file against the columns its mapping expects. When most expected
 * columns are missing the file is of another kind than the message type it was taken for (a
 * contracts file mapped as payments): the error says so and names the columns, and blames the
 * encoding only when the names, re-read in the other encoding, are the expected ones.
 */
import iconv from 'iconv-lite';
import { ExchangeError } from '../errors';

export interface HeaderCheck {
  file: string;
  /** Row of the header (1 for CSV). */
  row: number;
  found: readonly string[];
  expected: readonly string[];
  /** The encoding the text was decoded with (CSV); lets a garbled header be told from a wrong file. */
  encoding?: 'windows-1251' | 'utf-8';
  /** What the file was taken for, e.g. `payments`; named in the message. */
  messageType?: string | null;
  /** XLSX: other columns may be there and the order does not matter. */
  allowExtra?: boolean;
}

const quoted = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');

/** Names as they would read had the bytes been decoded in the other encoding. */
function reread(names: readonly string[], encoding: 'windows-1251' | 'utf-8'): string[] {
  const [from, to] = encoding === 'windows-1251' ? ['win1251', 'utf8'] : ['utf8', 'win1251'];
  return names.map((n) => iconv.decode(iconv.encode(n, from), to));
}

/** Null when the header is what the mapping expects, else the error to refuse the file with. */
export function headerProblem(check: HeaderCheck): ExchangeError | null {
  const { found, expected } = check;
  const missing = expected.filter((name) => !found.includes(name));
  const extra = check.allowExtra ? [] : found.filter((name) => !expected.includes(name));
  const inOrder = check.allowExtra || found.every((name, i) => name === expected[i]);
  if (missing.length === 0 && extra.length === 0 && inOrder) return null;
  const error = (message: string) =>
    new ExchangeError({
      kind: 'parse',
      file: check.file,
      row: check.row,
      field: missing[0] ?? null,
      message,
    });
  if (check.encoding) {
    const matchesNow = found.filter((n) => expected.includes(n)).length;
    const matchesReread = reread(found, check.encoding).filter((n) => expected.includes(n)).length;
    if (matchesReread > matchesNow) {
      const other = check.encoding === 'windows-1251' ? 'UTF-8' : 'Windows-1251';
      return error(
        `wrong encoding: the header names are garbled; read as ${other} they are the expected ones (the adapter declares ${check.encoding === 'windows-1251' ? 'Windows-1251' : 'UTF-8'})`,
      );
    }
  }
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${quoted(missing)}`);
  if (extra.length) parts.push(`unexpected ${quoted(extra)}`);
  if (!parts.length) parts.push(`the columns are in a different order (expected ${quoted(expected)})`);
  if (missing.length * 2 > expected.length) {
    const what = check.messageType ? `a '${check.messageType}' file` : 'the file this mapping reads';
    return error(
      `the file does not look like ${what}: its header lacks ${missing.length} of the ${expected.length} expected columns (${parts.join('; ')})`,
    );
  }
  return error(`header does not match the mapping: ${parts.join('; ')}`);
}
