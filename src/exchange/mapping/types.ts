/**
 * The shape of a mapping file (mappings/<insurer>/<message>.yaml), as checked by
 * schemas/mapping.schema.json. A mapping says, per canonical field, where the value comes from in the
 * insurer's message and how it converts; its `outbound` part says how canonical records are written
 * in the insurer's format.
 */
import type { CanonicalMessageType } from '../canonical';

/** `fraction`: a rate written as a fraction of one (0.35), canonical as percent text ('35'). */
export type ValueType = 'text' | 'int' | 'kopiyky' | 'decimal' | 'date' | 'percent' | 'fraction';

/** What a field may read of the e-mail a file came in (see FieldSpec.fromMail). */
export type MailFact = 'subject' | 'messageId' | 'inReplyTo' | 'from' | 'date';
export type DecimalStyle = 'comma' | 'point';
/**
 * `timestamp`: a date and time with or without an offset (`2026-03-01T23:30:00+02:00`,
 * `2026-03-01 23:30:00 +0200`, `…Z`) read as the calendar date as written, or in `timeZone` when one
 * is given (see dateOfTimestamp in formats/values.ts); never shifted to UTC.
 */
export type DateStyle = 'dd.mm.yyyy' | 'iso' | 'timestamp';

export type Condition =
  /** Holds when the source value is one of the listed insurer values. */
  | { from: string; in: string[] }
  | { from: string; equals: string }
  /** Holds when the path selects something (XML) or the column is not empty (CSV). */
  | { exists: string };

export interface FieldSpec {
  /** Insurer column (CSV) or XML path; a list means the first non-empty one. `/…` starts at the
   * document element, `../` at the enclosing record. */
  from?: string | string[];
  /** A constant canonical value, e.g. the insurer code. */
  const?: unknown;
  /** Taken from the file name: a regex and a template with $1, $2… */
  fromFileName?: { pattern: string; template: string };
  /**
   * Taken from the e-mail the file was attached to: its subject, Message-ID, In-Reply-To (the reply
   * key: the Message-ID of the message we sent that it answers), sender or date (yyyy-mm-dd); with
   * `pattern` and `template` like fromFileName.
   */
  fromMail?: { value: MailFact; pattern?: string; template?: string };
  type?: ValueType;
  decimal?: DecimalStyle;
  dateFormat?: DateStyle;
  /** With `dateFormat: timestamp`: the IANA zone (e.g. `Europe/Kyiv`) whose calendar date is meant. */
  timeZone?: string;
  /** Amounts: the value's sign is turned over when this holds (an insurer writing reversals positive). */
  negateWhen?: Condition;
  /** Name of a code table in `codeTables`: insurer code -> canonical value. */
  code?: string;
  /** Name of a lookup in `lookups`; the engine calls the caller's function of that name. */
  lookup?: string;
  /** Value when the source is empty. */
  default?: unknown;
  /** Only this alternative applies when the condition holds. */
  when?: Condition;
  /** With several matches in XML: which one (default first). */
  pick?: 'first' | 'last';
  /** Nested object (without `each`) or array of objects (with `each`, an XML path). */
  fields?: Record<string, FieldSpecOrAlternatives>;
  /** XML/JSON: a path; a grouped CSV/XLSX mapping: `rows`, one item per row of the group. */
  each?: string;
  /** With `each`: only the items where this holds (e.g. the endorsement rows of a group). */
  eachWhen?: Condition;
}

/**
 * CSV/XLSX: how consecutive rows make one record. `by` groups consecutive rows with the same values in
 * those columns (lines of one document); `startWhen` starts a group at each row where it holds (the
 * parent row) and the rows below belong to it until the next one. `inherit` fills a row's empty cells
 * in those columns from the group's first row. `record: group` (default) maps a group to one record:
 * fields read the first row, `each: rows` the lines; `record: row` maps every row (where `recordWhen`
 * holds) to its own record after inheritance.
 */
export interface GroupSpec {
  by?: string[];
  startWhen?: Condition;
  inherit?: string[];
  record?: 'group' | 'row';
  recordWhen?: Condition;
}

export type FieldSpecOrAlternatives = FieldSpec | FieldSpec[];

export interface LookupSpec {
  /** `finding`: the record stays valid and a finding goes to review; `error`: the row is refused. */
  onUnknown: 'finding' | 'error';
  /** Kind of the finding, e.g. `consultant-unknown`. */
  finding?: string;
  description?: string;
}

export interface OutboundColumn {
  column: string;
  /** Numbers the rows from 1 (`№ з/п`). */
  rowNumber?: boolean;
  from?: string | string[];
  const?: string;
  type?: ValueType;
  decimal?: DecimalStyle;
  dateFormat?: DateStyle;
  code?: string;
}

/** Value of an attribute, text or leaf element in an outbound XML template. */
export interface OutboundValue {
  from?: string | string[];
  const?: string;
  /** A parameter of the render call, e.g. partnerCode, createdAt. */
  param?: string;
  type?: ValueType;
  decimal?: DecimalStyle;
  dateFormat?: DateStyle;
  code?: string;
}

export type OutboundTemplate = { [key: string]: OutboundTemplate | OutboundValue | string | undefined };

export interface OutboundSpec {
  /** CSV: the columns in order. */
  columns?: OutboundColumn[];
  /** XML: the document element, its namespace and attributes, and one element per record. */
  root?: string;
  namespace?: string;
  attributes?: Record<string, OutboundValue>;
  record?: string;
  template?: OutboundTemplate;
}

export interface MappingFile {
  /** Format version of the insurer's message this mapping reads (contracts.v2.yaml has version 2). */
  version: number;
  /** A shared file this one extends (path relative to this file); its settings are the defaults. */
  extends?: string;
  description?: string;
  insurer?: string;
  message: CanonicalMessageType;
  format: 'csv' | 'xml' | 'xlsx' | 'json';
  /** CSV/XLSX: the header names, exactly and in order. */
  columns?: string[];
  /** XML: the document element expected. */
  root?: string;
  /** XML: path below the document element of the repeated record element. */
  records?: string;
  defaults?: { decimal?: DecimalStyle; dateFormat?: DateStyle; thousands?: string; timeZone?: string };
  /** CSV/XLSX: rows grouped into records (see GroupSpec). */
  group?: GroupSpec;
  codeTables?: Record<string, Record<string, string | number | null>>;
  lookups?: Record<string, LookupSpec>;
  fields?: Record<string, FieldSpecOrAlternatives>;
  outbound?: OutboundSpec;
}

/** A mapping file after `extends` is resolved and it has passed its schema. */
export interface LoadedMapping extends MappingFile {
  /** Absolute path of the file. */
  path: string;
  /** Files merged into it, most general first. */
  chain: string[];
}
