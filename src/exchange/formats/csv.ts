/**
 * Streaming CSV reader for insurer files (Dnipro Life spec v3.2 "Common conventions"): raw bytes ->
 * encoding sniff -> iconv-lite decode -> csv-parse, one row at a time, so memory does not grow with
 * the file. Checks the header exactly, the trailer (`Всього;<count>;<sum>`) and the encoding.
 *
 * Row numbers: the header is row 1, the first data row is row 2 (the record's ordinal; equal to the
 * physical line when no quoted field spans lines).
 */
import { createReadStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { ExchangeError } from '../errors';
import { headerProblem } from './header';
import { emptyFile } from './limits';
import { kopiykyFromDecimalComma, kopiykyFromDecimalPoint } from './values';

export type TextEncoding = 'windows-1251' | 'utf-8';

export interface CsvTrailerRule {
  /** First field of the trailer line, e.g. `Всього`. */
  label: string;
  /** Column whose amounts the trailer sums (third trailer field), e.g. `Страховий платіж`. */
  sumColumn?: string | null;
  /** How the sum is written: `comma` (`20 230,50`, default) or `point`. */
  decimal?: 'comma' | 'point';
  /**
   * Whether the file must end with the trailer; default true. `false` for messages whose spec does not
   * promise one (Dnipro Life v3.2 §2, the ACK): a trailer that is there is still checked.
   */
  required?: boolean;
}

export interface CsvReadOptions {
  /** Name used in errors, e.g. `CONTRACTS_20261002.csv`. */
  file: string;
  encoding: TextEncoding;
  /** Default `;`. */
  delimiter?: string;
  /** Whether the first line is the header; default true. */
  header?: boolean;
  /** The header names the mapping expects, exactly and in order. */
  expectedColumns?: readonly string[] | null;
  /** The message type the file is read as, e.g. `payments`, for a header that does not fit. */
  messageType?: string | null;
  /** When set, the last line must be this trailer (unless `required: false`) and must match the rows. */
  trailer?: CsvTrailerRule | null;
  /** Called every `progressEvery` rows (default 1000) and at the end. */
  onProgress?: (progress: { rows: number; bytes: number; done: boolean }) => void;
  progressEvery?: number;
}

export type CsvRow =
  | { rowNo: number; values: string[]; fields: Record<string, string>; error?: undefined }
  /** A row that cannot be read as a record (wrong column count); the rest of the file goes on. */
  | { rowNo: number; values: string[]; fields?: undefined; error: ExchangeError };

export type CsvSource = string | Buffer | Readable;

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Looks at the raw bytes of the first line before decoding: a file declared Windows-1251 that is valid
 * UTF-8 with Cyrillic in it (or the reverse) would otherwise decode into mojibake and fail later with a
 * confusing header error.
 */
class EncodingSniffer extends Transform {
  private head: Buffer[] = [];
  private headLength = 0;
  private checked = false;
  bytes = 0;

  constructor(
    private readonly file: string,
    private readonly encoding: TextEncoding,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.checked) return done(null, chunk);
    this.head.push(chunk);
    this.headLength += chunk.length;
    const joined = Buffer.concat(this.head, this.headLength);
    if (joined.indexOf(0x0a) === -1 && joined.length < 65536) return done();
    this.release(joined, done);
  }

  override _flush(done: TransformCallback): void {
    if (!this.checked) return this.release(Buffer.concat(this.head, this.headLength), done);
    done();
  }

  private release(joined: Buffer, done: TransformCallback): void {
    this.checked = true;
    this.head = [];
    const newline = joined.indexOf(0x0a);
    const firstLine = newline === -1 ? joined : joined.subarray(0, newline);
    const problem = encodingProblem(firstLine, this.encoding);
    if (problem) return done(new ExchangeError({ kind: 'parse', file: this.file, row: 1, message: problem }));
    done(null, joined);
  }
}

/** Why bytes do not look like the declared encoding, or null when they do. */
export function encodingProblem(bytes: Buffer, declared: TextEncoding): string | null {
  const hasHighBytes = bytes.some((b) => b >= 0x80);
  const validUtf8 = isValidUtf8(bytes);
  if (declared === 'windows-1251') {
    if (bytes.subarray(0, 3).equals(UTF8_BOM) || (hasHighBytes && validUtf8)) {
      return 'wrong encoding: the file is declared Windows-1251 but its bytes are UTF-8 (re-save it as Windows-1251 or change the adapter)';
    }
    return null;
  }
  if (!validUtf8) {
    return 'wrong encoding: the file is declared UTF-8 but its bytes are not valid UTF-8 (it looks like Windows-1251)';
  }
  return null;
}

function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Views (not copies) of 64 KB: fed whole, a 150 MB payload would be decoded and parsed in one go,
 * every record held at once, before the first one is read. */
function* slices(bytes: Buffer): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
}

function toStream(source: CsvSource): Readable {
  if (typeof source === 'string') return createReadStream(source);
  if (Buffer.isBuffer(source)) return Readable.from(slices(source), { objectMode: false });
  return source;
}

/** Reads a CSV file as an async iterator of rows; throws ExchangeError for file-level faults. */
export async function* readCsv(source: CsvSource, options: CsvReadOptions): AsyncGenerator<CsvRow> {
  const { file } = options;
  const delimiter = options.delimiter ?? ';';
  const hasHeader = options.header ?? true;
  const progressEvery = options.progressEvery ?? 1000;
  const sniffer = new EncodingSniffer(file, options.encoding);
  const input = toStream(source);
  let parsedRecords = 0;
  const parser = parse({
    delimiter,
    relax_column_count: true,
    bom: options.encoding === 'utf-8',
    skip_empty_lines: true,
    // Counted as parsed (not as consumed): an unclosed quote surfaces before buffered rows reach us.
    on_record: (record: string[]) => {
      parsedRecords += 1;
      return record;
    },
  });
  // Errors from any stage surface through the parser the loop below iterates.
  const fail = (err: Error) => parser.destroy(err);
  input.on('error', fail);
  sniffer.on('error', fail);
  const decoder = iconv.decodeStream(options.encoding === 'utf-8' ? 'utf8' : 'win1251');
  decoder.on('error', fail);
  input.pipe(sniffer).pipe(decoder).pipe(parser);

  let header: string[] | null = null;
  let recordNo = 0;
  let dataRows = 0;
  let sumKop = 0;
  let trailer: { rowNo: number; values: string[] } | null = null;
  const trailerRule = options.trailer ?? null;

  try {
    for await (const values of parser as AsyncIterable<string[]>) {
      recordNo += 1;
      const rowNo = recordNo;
      if (values.some((v) => v.includes('\ufffd'))) {
        throw new ExchangeError({
          kind: 'parse',
          file,
          row: rowNo,
          message: `wrong encoding: row ${rowNo} has bytes that are not ${options.encoding}`,
        });
      }
      if (hasHeader && header === null) {
        header = values.map((v) => v.trim());
        const problem = options.expectedColumns
          ? headerProblem({
              file,
              row: rowNo,
              found: header,
              expected: options.expectedColumns,
              encoding: options.encoding,
              messageType: options.messageType,
            })
          : null;
        if (problem) throw problem;
        continue;
      }
      if (trailer !== null) {
        throw new ExchangeError({
          kind: 'validation',
          file,
          row: trailer.rowNo,
          field: trailerRule?.label ?? null,
          message: `the trailer '${trailer.values.join(delimiter)}' is not the last line (row ${rowNo} follows it)`,
        });
      }
      if (trailerRule && values[0]?.trim() === trailerRule.label) {
        trailer = { rowNo, values };
        continue;
      }
      dataRows += 1;
      const columns = header ?? values.map((_, i) => String(i + 1));
      if (values.length !== columns.length) {
        yield {
          rowNo,
          values,
          error: new ExchangeError({
            kind: 'parse',
            file,
            row: rowNo,
            message: `row has ${values.length} fields, the header has ${columns.length}`,
          }),
        };
        continue;
      }
      const fields: Record<string, string> = {};
      columns.forEach((name, i) => (fields[name] = values[i]));
      if (trailerRule?.sumColumn) sumKop += amountOrZero(fields[trailerRule.sumColumn], trailerRule.decimal);
      if (options.onProgress && dataRows % progressEvery === 0) {
        options.onProgress({ rows: dataRows, bytes: sniffer.bytes, done: false });
      }
      yield { rowNo, values, fields };
    }
  } catch (err) {
    throw asParseError(file, parsedRecords, err);
  } finally {
    input.destroy();
  }
  if (sniffer.bytes === 0) throw emptyFile(file);
  if (hasHeader && header === null) {
    throw new ExchangeError({ kind: 'parse', file, message: 'the file is empty: no header line' });
  }
  if (trailerRule) checkTrailer(file, trailerRule, trailer, dataRows, sumKop);
  options.onProgress?.({ rows: dataRows, bytes: sniffer.bytes, done: true });
}

function amountOrZero(text: string | undefined, decimal: 'comma' | 'point' | undefined): number {
  if (text === undefined) return 0;
  const kop = decimal === 'point' ? kopiykyFromDecimalPoint(text) : kopiykyFromDecimalComma(text);
  return kop ?? 0;
}

function checkTrailer(
  file: string,
  rule: CsvTrailerRule,
  trailer: { rowNo: number; values: string[] } | null,
  dataRows: number,
  sumKop: number,
): void {
  if (!trailer) {
    if (rule.required === false) return;
    throw new ExchangeError({
      kind: 'validation',
      file,
      field: rule.label,
      message: `the trailer line '${rule.label};<count>;<sum>' is missing`,
    });
  }
  const [, countText = '', sumText = ''] = trailer.values;
  const count = /^\d+$/.test(countText.trim()) ? Number(countText.trim()) : NaN;
  if (count !== dataRows) {
    throw new ExchangeError({
      kind: 'validation',
      file,
      row: trailer.rowNo,
      field: rule.label,
      message: `the trailer says ${countText} rows, the file has ${dataRows}`,
    });
  }
  if (rule.sumColumn) {
    const declared =
      rule.decimal === 'point' ? kopiykyFromDecimalPoint(sumText) : kopiykyFromDecimalComma(sumText);
    if (declared !== sumKop) {
      throw new ExchangeError({
        kind: 'validation',
        file,
        row: trailer.rowNo,
        field: rule.sumColumn,
        message: `the trailer sum '${sumText}' does not match the sum of '${rule.sumColumn}' (${(sumKop / 100).toFixed(2)} by the rows)`,
      });
    }
  }
}

function asParseError(file: string, recordNo: number, err: unknown): ExchangeError {
  if (err instanceof ExchangeError) return err;
  const e = err as { code?: string; message?: string; lines?: number };
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    // csv-parse counts the line where the open quote starts; buffered records may not have reached us.
    const row = recordNo + 1;
    return new ExchangeError({
      kind: 'parse',
      file,
      row,
      message: `a quoted field is not closed (it starts in row ${row} and runs to the end of the file)`,
      cause: err,
    });
  }
  if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
    return new ExchangeError({
      kind: 'parse',
      file,
      row: recordNo + 1,
      message: e.message ?? e.code,
      cause: err,
    });
  }
  return new ExchangeError({
    kind: 'parse',
    file,
    message: `cannot read the file: ${e.message ?? String(err)}`,
    cause: err,
  });
}

/** The text of one CSV field as written: quoted only when it must be, quotes doubled. */
export function csvField(value: string, delimiter = ';'): string {
  return /["\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV file as bytes: rows joined with CRLF (every line ends with CRLF), encoded. */
export function writeCsv(
  rows: readonly (readonly string[])[],
  options: { encoding: TextEncoding; delimiter?: string },
): Buffer {
  const delimiter = options.delimiter ?? ';';
  const text = rows.map((row) => row.map((v) => csvField(v, delimiter)).join(delimiter) + '\r\n').join('');
  return iconv.encode(text, options.encoding === 'utf-8' ? 'utf8' : 'win1251');
}
