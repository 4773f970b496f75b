/**
 * The one error type of the exchange pipeline. Its kind decides what happens next: a transport error
 * is retried, parse/mapping/validation/signature errors quarantine the message or the row for a
 * person, a duplicate is skipped, and rejected-by-insurer goes to review.
 */

export type ExchangeErrorKind =
  'transport' | 'parse' | 'mapping' | 'validation' | 'duplicate' | 'rejected-by-insurer' | 'signature';

export interface ExchangeErrorInfo {
  kind: ExchangeErrorKind;
  /** The file (or message) name the error is about, e.g. `CONTRACTS_20261002.csv`. */
  file: string | null;
  /** Row number in the file, header is row 1; for XML the 1-based index of the record element. */
  row: number | null;
  /** The insurer's field name (CSV column or XML path), e.g. `Дата укладення`. */
  field: string | null;
  message: string;
}

export class ExchangeError extends Error implements ExchangeErrorInfo {
  readonly kind: ExchangeErrorKind;
  readonly file: string | null;
  readonly row: number | null;
  readonly field: string | null;
  /** The message without the file/row/field prefix. */
  readonly detail: string;

  constructor(info: {
    kind: ExchangeErrorKind;
    message: string;
    file?: string | null;
    row?: number | null;
    field?: string | null;
    cause?: unknown;
  }) {
    super(describe(info), info.cause === undefined ? undefined : { cause: info.cause });
    this.name = 'ExchangeError';
    this.kind = info.kind;
    this.file = info.file ?? null;
    this.row = info.row ?? null;
    this.field = info.field ?? null;
    this.detail = info.message;
  }

  /** Plain object for JSON (message store status_reason, API answers). */
  toJSON(): ExchangeErrorInfo {
    return { kind: this.kind, file: this.file, row: this.row, field: this.field, message: this.detail };
  }
}

function describe(info: {
  message: string;
  file?: string | null;
  row?: number | null;
  field?: string | null;
}): string {
  const where = [
    info.file ? info.file : null,
    info.row !== null && info.row !== undefined ? `row ${info.row}` : null,
    info.field ? `field '${info.field}'` : null,
  ].filter(Boolean);
  return where.length ? `${where.join(', ')}: ${info.message}` : info.message;
}

export function isExchangeError(err: unknown): err is ExchangeError {
  return err instanceof ExchangeError;
}
