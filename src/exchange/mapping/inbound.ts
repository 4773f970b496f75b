/**
 * Inbound mapping: insurer rows/elements -> canonical records, each validated against its canonical
 * JSON Schema. Works as an async iterator so a long file never sits in memory (CSV); XML pages are
 * small and parsed whole. Row problems come back per row; file problems (header, trailer, encoding,
 * hostile XML) are thrown as one ExchangeError.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { CanonicalMessageType, CanonicalRecordByMessage } from '../canonical';
import { ExchangeError } from '../errors';
import { readCsv, type CsvTrailerRule, type TextEncoding } from '../formats/csv';
import { parseJson } from '../formats/json';
import { readXlsx } from '../formats/xlsx';
import { parseXml, selectXml, xmlNodeText, type XmlElement } from '../formats/xml';
import { toCanonical } from './convert';
import type { MailFact } from './types';
import { CANONICAL_SCHEMA, describeSchemaErrors, schemaValidator } from './json-schemas';
import type { Condition, FieldSpec, FieldSpecOrAlternatives, GroupSpec, LoadedMapping } from './types';

/** The caller's answer for a lookup value: anything non-null (e.g. the consultant id) means known. */
export type LookupFunction = (value: string) => unknown;

/** Something a person should review although the record itself is valid (e.g. an unknown agent code). */
export interface MappingFinding {
  /** From the mapping's lookup declaration, e.g. `consultant-unknown`. */
  kind: string;
  file: string;
  row: number;
  /** Insurer field, e.g. `Код агента`. */
  field: string;
  value: string;
  message: string;
  /** Policy or application number of the record, to find it again. */
  recordKey: string | null;
}

export interface MappedRow<T> {
  rowNo: number;
  /** The canonical record; null when the row has errors. */
  record: T | null;
  /** Lookup answers by canonical field, e.g. { agentCode: <consultant id> }. */
  resolved: Record<string, unknown>;
  findings: MappingFinding[];
  errors: ExchangeError[];
}

export interface FormatOptions {
  encoding?: TextEncoding;
  delimiter?: string;
  header?: boolean;
  trailer?: CsvTrailerRule | null;
  sheet?: string | null;
  headerRow?: number;
}

export interface MapInboundOptions {
  /** Name for errors and for `fromFileName` fields, e.g. `CONTRACTS_20261002.csv`. */
  fileName: string;
  /** The e-mail the file was attached to, for `fromMail` fields. */
  mail?: Partial<Record<MailFact, string | null>>;
  format?: FormatOptions;
  lookups?: Record<string, LookupFunction>;
  onProgress?: (progress: { rows: number; bytes?: number; done: boolean }) => void;
}

/** How a field's source is read in one record, whatever the format. */
interface SourceContext {
  /** CSV/XLSX: the row this context reads (a line of a group names its own row in errors). */
  readonly rowNo?: number;
  /** Text values a path selects (CSV: the column's value). */
  select(path: string): string[];
  /** Child contexts for `each`. */
  children(path: string): SourceContext[];
  /** CSV: the column is not empty; XML: the path selects something. */
  exists(path: string): boolean;
}

class RowContext implements SourceContext {
  constructor(
    readonly fields: Record<string, string>,
    readonly rowNo?: number,
    /** A grouped mapping: the rows of the group (this context reads its first). */
    private readonly rows: RowContext[] | null = null,
  ) {}
  select(path: string): string[] {
    const value = this.fields[path];
    if (value === undefined) throw new Error(`column '${path}' is not in the file`);
    return [value];
  }
  children(path: string): SourceContext[] {
    if (path === 'rows' && this.rows) return this.rows;
    return [this];
  }
  exists(path: string): boolean {
    return (this.fields[path] ?? '').trim() !== '';
  }
}

class XmlContext implements SourceContext {
  constructor(
    private readonly element: XmlElement,
    private readonly root: XmlElement,
    private readonly parent: XmlContext | null,
  ) {}
  private resolve(path: string): { ctx: XmlContext; rest: string } {
    if (path.startsWith('/')) return { ctx: new XmlContext(this.root, this.root, null), rest: path.slice(1) };
    if (!path.startsWith('../')) return { ctx: this, rest: path };
    if (!this.parent) throw new Error(`'${path}' goes above the document`);
    return this.parent.resolve(path.slice(3));
  }
  select(path: string): string[] {
    const { ctx, rest } = this.resolve(path);
    return selectXml(ctx.element, rest).map(xmlNodeText);
  }
  children(path: string): SourceContext[] {
    const { ctx, rest } = this.resolve(path);
    return selectXml(ctx.element, rest)
      .filter((n): n is XmlElement => typeof n !== 'string')
      .map((el) => new XmlContext(el, this.root, this));
  }
  exists(path: string): boolean {
    const { ctx, rest } = this.resolve(path);
    return selectXml(ctx.element, rest).length > 0;
  }
}

class JsonContext implements SourceContext {
  constructor(private readonly value: unknown) {}
  private walk(path: string): unknown[] {
    let current: unknown[] = [this.value];
    for (const key of path.split('/').filter((s) => s && s !== '.')) {
      current = current.flatMap((v) => {
        const next = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
        return next === undefined || next === null ? [] : Array.isArray(next) ? next : [next];
      });
    }
    return current;
  }
  select(path: string): string[] {
    return this.walk(path).map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
  }
  children(path: string): SourceContext[] {
    return this.walk(path).map((v) => new JsonContext(v));
  }
  exists(path: string): boolean {
    return this.walk(path).length > 0;
  }
}

interface RowState {
  rowNo: number;
  errors: ExchangeError[];
  findings: MappingFinding[];
  resolved: Record<string, unknown>;
  /** Canonical path (without array indexes) -> insurer field, to name fields in schema errors. */
  labels: Map<string, string>;
  /** Lookups whose answer is a promise, settled after the record is built, in field order. */
  pending: (() => Promise<void>)[];
  /** `/lines/2` -> the row that line came from (a grouped mapping), to name it in schema errors. */
  itemRows: Map<string, number>;
}

/** A data row read from a CSV or XLSX file, or the error that row gave. */
interface SourceRow {
  rowNo: number;
  fields?: Record<string, string>;
  error?: ExchangeError;
}

/** Rows of a grouped mapping collected into one group. */
interface RowGroup {
  key: string | null;
  rows: { rowNo: number; fields: Record<string, string> }[];
  errors: ExchangeError[];
}

/** `'Тип' = 'П'`, for error messages. */
export function describeCondition(condition: Condition): string {
  if ('exists' in condition) return `'${condition.exists}' is not empty`;
  if ('in' in condition)
    return `'${condition.from}' is one of ${condition.in.map((v) => `'${v}'`).join(', ')}`;
  return `'${condition.from}' is '${condition.equals}'`;
}

/** One field of a `fields` block, prepared once per mapping: its key path and its alternatives. */
interface CompiledField {
  /** `policyholder.fullName` -> ['policyholder', 'fullName']. */
  keys: string[];
  canonicalPath: string;
  alternatives: FieldSpec[];
  /** The only alternative, when it has no condition (the common case): no search per row. */
  only: FieldSpec | null;
  /** Source paths of a plain `from`, read as a list. */
  paths: string[][];
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The mapping engine for one mapping; reusable across files. */
export class InboundMapper<M extends CanonicalMessageType = CanonicalMessageType> {
  private readonly validate;
  /** Compiled `fields` blocks by block and prefix: a long file maps every row with the same plan. */
  private readonly compiled = new Map<
    Record<string, FieldSpecOrAlternatives>,
    Map<string, CompiledField[]>
  >();

  constructor(readonly mapping: LoadedMapping) {
    this.validate = schemaValidator(CANONICAL_SCHEMA[mapping.message]);
  }

  private plan(fields: Record<string, FieldSpecOrAlternatives>, prefix: string): CompiledField[] {
    let byPrefix = this.compiled.get(fields);
    if (!byPrefix) this.compiled.set(fields, (byPrefix = new Map()));
    let plan = byPrefix.get(prefix);
    if (!plan) {
      plan = Object.entries(fields).map(([name, specOrList]) => {
        const alternatives = Array.isArray(specOrList) ? specOrList : [specOrList];
        return {
          keys: name.split('.'),
          canonicalPath: `${prefix}${name}`,
          alternatives,
          only: alternatives.length === 1 && !alternatives[0].when ? alternatives[0] : null,
          paths: alternatives.map((s) =>
            s.from === undefined ? [] : Array.isArray(s.from) ? s.from : [s.from],
          ),
        };
      });
      byPrefix.set(prefix, plan);
    }
    return plan;
  }

  /** Maps every record of a file; yields one result per row/record element. */
  async *map(
    source: string | Buffer | Readable,
    options: MapInboundOptions,
  ): AsyncGenerator<MappedRow<CanonicalRecordByMessage[M]>> {
    const { mapping } = this;
    const file = options.fileName;
    if (!mapping.fields)
      throw new ExchangeError({
        kind: 'mapping',
        file: mapping.path,
        message: 'this mapping has no inbound fields',
      });
    if (mapping.format === 'csv' || mapping.format === 'xlsx') {
      let count = 0;
      for await (const mapped of this.mapRows(this.sourceRows(source, options), options)) {
        count += 1;
        yield mapped;
      }
      if (mapping.format === 'xlsx') options.onProgress?.({ rows: count, done: true });
      return;
    }
    if (typeof source !== 'string' && !Buffer.isBuffer(source)) {
      throw new ExchangeError({
        kind: 'parse',
        file,
        message: `${mapping.format} is read from a file or bytes, not a stream`,
      });
    }
    const payload = typeof source === 'string' ? await readFile(source) : source;
    let contexts: SourceContext[];
    if (mapping.format === 'xml') {
      const doc = parseXml(payload, file);
      if (mapping.root && doc.rootName !== mapping.root) {
        throw new ExchangeError({
          kind: 'parse',
          file,
          message: `the file does not look like a '${mapping.message}' document: its document element is <${doc.rootName}>, and a '${mapping.message}' document is a <${mapping.root}>`,
        });
      }
      contexts = new XmlContext(doc.root, doc.root, null).children(mapping.records ?? '.');
    } else {
      contexts = new JsonContext(parseJson(payload, file)).children(mapping.records ?? '.');
    }
    for (let i = 0; i < contexts.length; i += 1) {
      yield await this.mapOne(contexts[i], i + 1, options);
      if ((i + 1) % 1000 === 0) options.onProgress?.({ rows: i + 1, done: false });
    }
    options.onProgress?.({ rows: contexts.length, done: true });
  }

  /** The data rows of a CSV or XLSX file, in order; a row that cannot be read comes with its error. */
  private async *sourceRows(
    source: string | Buffer | Readable,
    options: MapInboundOptions,
  ): AsyncGenerator<SourceRow> {
    const { mapping } = this;
    const file = options.fileName;
    if (mapping.format === 'csv') {
      let rows = 0;
      for await (const row of readCsv(source, {
        file,
        encoding: options.format?.encoding ?? 'utf-8',
        delimiter: options.format?.delimiter,
        header: options.format?.header,
        trailer: options.format?.trailer ?? null,
        expectedColumns: mapping.columns ?? null,
        messageType: mapping.message,
        onProgress: options.onProgress,
      })) {
        rows += 1;
        yield row.error ? { rowNo: row.rowNo, error: row.error } : { rowNo: row.rowNo, fields: row.fields };
      }
      options.onProgress?.({ rows, done: true });
      return;
    }
    if (typeof source !== 'string' && !Buffer.isBuffer(source)) {
      throw new ExchangeError({
        kind: 'parse',
        file,
        message: `${mapping.format} is read from a file or bytes, not a stream`,
      });
    }
    const rows = await readXlsx(source, {
      file,
      sheet: options.format?.sheet ?? null,
      headerRow: options.format?.headerRow,
      expectedColumns: mapping.columns ?? null,
      messageType: mapping.message,
    });
    for (const row of rows) yield { rowNo: row.rowNo, fields: row.fields };
  }

  /** Maps rows one by one, or, with a `group` section, groups of rows. */
  private async *mapRows(
    rows: AsyncIterable<SourceRow>,
    options: MapInboundOptions,
  ): AsyncGenerator<MappedRow<CanonicalRecordByMessage[M]>> {
    const group = this.mapping.group;
    if (!group) {
      for await (const row of rows) {
        if (row.error) {
          yield { rowNo: row.rowNo, record: null, resolved: {}, findings: [], errors: [row.error] };
          continue;
        }
        const mapped = this.mapOne(new RowContext(row.fields!, row.rowNo), row.rowNo, options);
        yield isThenable(mapped) ? await mapped : mapped;
      }
      return;
    }
    const file = options.fileName;
    const inherit = group.inherit ?? [];
    const keyOf = (fields: Record<string, string>) =>
      group.by ? JSON.stringify(group.by.map((c) => (fields[c] ?? '').trim())) : null;
    /** `by`: where each finished group's rows were, to refuse a document whose lines are apart. */
    const finished = new Map<string, { first: number; last: number }>();
    let current: RowGroup | null = null;

    for await (const row of rows) {
      if (row.error) {
        yield { rowNo: row.rowNo, record: null, resolved: {}, findings: [], errors: [row.error] };
        if (current && group.startWhen)
          current.errors.push(
            this.groupError(file, current.rows[0].rowNo, null, `its row ${row.rowNo} could not be read`),
          );
        continue;
      }
      const fields = { ...row.fields! };
      const parent = current?.rows[0].fields ?? null;
      let continues: boolean;
      if (group.by) {
        const candidate = { ...fields };
        if (parent) for (const c of inherit) if ((candidate[c] ?? '').trim() === '') candidate[c] = parent[c];
        continues = current !== null && keyOf(candidate) === current.key;
      } else {
        continues = !this.holds(group.startWhen, new RowContext(fields, row.rowNo));
        if (continues && !current) {
          const column = 'exists' in group.startWhen! ? group.startWhen!.exists : group.startWhen!.from;
          yield {
            rowNo: row.rowNo,
            record: null,
            resolved: {},
            findings: [],
            errors: [
              new ExchangeError({
                kind: 'mapping',
                file,
                row: row.rowNo,
                field: column,
                message: `this row belongs to a row above it (a row where ${describeCondition(group.startWhen!)}), but no row above starts a record`,
              }),
            ],
          };
          continue;
        }
      }
      if (continues && parent) {
        for (const c of inherit) if ((fields[c] ?? '').trim() === '') fields[c] = parent[c];
        current!.rows.push({ rowNo: row.rowNo, fields });
        continue;
      }
      if (current) yield* this.mapGroup(current, group, finished, options);
      current = { key: keyOf(fields), rows: [{ rowNo: row.rowNo, fields }], errors: [] };
      const earlier = current.key === null ? undefined : finished.get(current.key);
      if (earlier && (group.record ?? 'group') === 'group') {
        current.errors.push(
          this.groupError(
            file,
            row.rowNo,
            group.by![0],
            `the lines of ${group.by!.map((c) => `'${c}' '${fields[c]}'`).join(', ')} are not together: some are in rows ${earlier.first}–${earlier.last} and more start here; one record's rows must follow each other`,
          ),
        );
      }
    }
    if (current) yield* this.mapGroup(current, group, finished, options);
  }

  private groupError(file: string, row: number, field: string | null, message: string): ExchangeError {
    return new ExchangeError({ kind: 'mapping', file, row, field, message });
  }

  private async *mapGroup(
    current: RowGroup,
    group: GroupSpec,
    finished: Map<string, { first: number; last: number }>,
    options: MapInboundOptions,
  ): AsyncGenerator<MappedRow<CanonicalRecordByMessage[M]>> {
    const first = current.rows[0];
    // Kept for `by` groups read as one record each, to refuse a document whose lines are apart.
    if (current.key !== null && group.record !== 'row' && !finished.has(current.key))
      finished.set(current.key, { first: first.rowNo, last: current.rows[current.rows.length - 1].rowNo });
    const contexts = current.rows.map((r) => new RowContext(r.fields, r.rowNo));
    if (group.record === 'row') {
      for (const ctx of contexts) {
        if (!this.holds(group.recordWhen, ctx)) continue;
        const mapped = this.mapOne(ctx, ctx.rowNo!, options);
        yield isThenable(mapped) ? await mapped : mapped;
      }
      return;
    }
    const ctx = new RowContext(first.fields, first.rowNo, contexts);
    const mapped = this.mapOne(ctx, first.rowNo, options, current.errors);
    yield isThenable(mapped) ? await mapped : mapped;
  }

  /** Synchronous unless a lookup answers with a promise (the pipeline's lookups answer at once). */
  private mapOne(
    ctx: SourceContext,
    rowNo: number,
    options: MapInboundOptions,
    errors: ExchangeError[] = [],
  ): MappedRow<CanonicalRecordByMessage[M]> | Promise<MappedRow<CanonicalRecordByMessage[M]>> {
    const state: RowState = {
      rowNo,
      errors: [...errors],
      findings: [],
      resolved: {},
      labels: new Map(),
      pending: [],
      itemRows: new Map(),
    };
    const record = this.buildObject(this.mapping.fields!, ctx, state, options, '');
    if (state.pending.length) {
      return (async () => {
        for (const settle of state.pending) await settle();
        return this.finish(record, state, rowNo, options);
      })();
    }
    return this.finish(record, state, rowNo, options);
  }

  private finish(
    record: Record<string, unknown>,
    state: RowState,
    rowNo: number,
    options: MapInboundOptions,
  ): MappedRow<CanonicalRecordByMessage[M]> {
    const recordKey = (record.policyNumber ?? record.applicationNumber ?? null) as string | null;
    for (const finding of state.findings) finding.recordKey = recordKey;
    if (state.errors.length === 0 && !this.validate(record)) {
      for (const problem of describeSchemaErrors(this.validate.errors)) {
        const canonicalPath = problem.path
          .split('/')
          .filter((s) => s && !/^\d+$/.test(s))
          .join('.');
        const value = problem.path
          .split('/')
          .filter(Boolean)
          .reduce<unknown>((v, k) => (v as Record<string, unknown> | null)?.[k], record);
        let row = rowNo;
        for (const [prefix, itemRow] of state.itemRows)
          if (problem.path === prefix || problem.path.startsWith(`${prefix}/`)) row = itemRow;
        state.errors.push(
          new ExchangeError({
            kind: 'validation',
            file: options.fileName,
            row,
            field: state.labels.get(canonicalPath) ?? canonicalPath,
            message: `${canonicalPath || 'record'} ${value === undefined ? '' : `'${String(value)}' `}${problem.message}`,
          }),
        );
      }
    }
    const ok = state.errors.length === 0;
    return {
      rowNo,
      record: ok ? (record as unknown as CanonicalRecordByMessage[M]) : null,
      resolved: state.resolved,
      findings: state.findings,
      errors: state.errors,
    };
  }

  private buildObject(
    fields: Record<string, FieldSpecOrAlternatives>,
    ctx: SourceContext,
    state: RowState,
    options: MapInboundOptions,
    prefix: string,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of this.plan(fields, prefix)) {
      const value = this.fieldValue(field, ctx, state, options);
      const { keys } = field;
      if (keys.length === 1) {
        out[keys[0]] = value;
        continue;
      }
      let node = out;
      for (let i = 0; i < keys.length - 1; i++) {
        const key = keys[i];
        if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
        node = node[key] as Record<string, unknown>;
      }
      node[keys[keys.length - 1]] = value;
    }
    return out;
  }

  private holds(condition: Condition | undefined, ctx: SourceContext): boolean {
    if (!condition) return true;
    if ('exists' in condition) return ctx.exists(condition.exists);
    const value = (ctx.select(condition.from)[0] ?? '').trim();
    return 'in' in condition ? condition.in.includes(value) : value === condition.equals;
  }

  private fieldValue(
    field: CompiledField,
    ctx: SourceContext,
    state: RowState,
    options: MapInboundOptions,
  ): unknown {
    const { canonicalPath } = field;
    let spec = field.only;
    let paths = field.paths[0];
    if (!spec) {
      const index = field.alternatives.findIndex((s) => this.holds(s.when, ctx));
      if (index === -1) return null;
      spec = field.alternatives[index];
      paths = field.paths[index];
    }
    const label = paths[0] ?? (spec.each ? spec.each : null);
    if (label && !state.labels.has(canonicalPath)) state.labels.set(canonicalPath, label);
    if ('const' in spec) return spec.const;
    if (spec.fromFileName) {
      const m = new RegExp(spec.fromFileName.pattern).exec(options.fileName);
      if (!m) {
        state.errors.push(
          new ExchangeError({
            kind: 'mapping',
            file: options.fileName,
            row: state.rowNo,
            field: 'file name',
            message: `the file name does not match ${spec.fromFileName.pattern}`,
          }),
        );
        return null;
      }
      return spec.fromFileName.template.replace(/\$(\d)/g, (_, i: string) => m[Number(i)] ?? '');
    }
    if (spec.fromMail) {
      const value = options.mail?.[spec.fromMail.value] ?? null;
      if (!spec.fromMail.pattern) return value;
      const m = value === null ? null : new RegExp(spec.fromMail.pattern).exec(value);
      if (!m) {
        state.errors.push(
          new ExchangeError({
            kind: 'mapping',
            file: options.fileName,
            row: state.rowNo,
            field: `mail ${spec.fromMail.value}`,
            message: `the mail's ${spec.fromMail.value} ${value === null ? 'is missing' : `'${value}' does not match ${spec.fromMail.pattern}`}`,
          }),
        );
        return null;
      }
      return (spec.fromMail.template ?? '$0').replace(/\$(\d)/g, (_, i: string) => m[Number(i)] ?? '');
    }
    if (spec.fields && spec.each) {
      const items: unknown[] = [];
      for (const child of ctx.children(spec.each)) {
        if (!this.holds(spec.eachWhen, child)) continue;
        if (child.rowNo !== undefined && child !== ctx)
          state.itemRows.set(`/${field.keys.join('/')}/${items.length}`, child.rowNo);
        items.push(this.buildObject(spec.fields, child, state, options, `${canonicalPath}.`));
      }
      return items;
    }
    if (spec.fields) return this.buildObject(spec.fields, ctx, state, options, `${canonicalPath}.`);
    return this.convertSource(spec, paths, ctx, state, options, canonicalPath);
  }

  private convertSource(
    spec: FieldSpec,
    paths: string[],
    ctx: SourceContext,
    state: RowState,
    options: MapInboundOptions,
    canonicalPath: string,
  ): unknown {
    let raw = '';
    let field = paths[0] ?? canonicalPath;
    for (const path of paths) {
      const values = ctx.select(path);
      const picked = (spec.pick === 'last' ? values[values.length - 1] : values[0])?.trim();
      if (picked !== undefined && picked !== '') {
        raw = picked;
        field = path;
        break;
      }
    }
    if (raw === '') return spec.default ?? null;
    const row = ctx.rowNo ?? state.rowNo;
    let value: unknown;
    if (spec.code) {
      const table = this.mapping.codeTables![spec.code];
      if (!Object.prototype.hasOwnProperty.call(table, raw)) {
        this.rowError(
          state,
          options,
          field,
          `unknown code '${raw}' (expected one of ${Object.keys(table).join(', ')})`,
          row,
        );
        return null;
      }
      value = table[raw];
      if (spec.type && typeof value === 'string') {
        const converted = toCanonical(value, spec, this.mapping.defaults);
        value = converted.ok ? converted.value : value;
      }
    } else {
      const converted = toCanonical(raw, spec, this.mapping.defaults);
      if (!converted.ok) {
        this.rowError(state, options, field, converted.message, row);
        return null;
      }
      value = converted.value;
    }
    if (spec.negateWhen && typeof value === 'number' && this.holds(spec.negateWhen, ctx)) value = -value || 0;
    if (
      spec.negateWhen &&
      typeof value === 'string' &&
      /^-?\d/.test(value) &&
      this.holds(spec.negateWhen, ctx)
    )
      value = value.startsWith('-') ? value.slice(1) : `-${value}`;
    if (spec.lookup) {
      const lookup = options.lookups?.[spec.lookup];
      if (lookup) {
        const answer = lookup(String(value));
        const where = { lookupName: spec.lookup, raw, field, canonicalPath };
        if (isThenable(answer))
          state.pending.push(async () => this.judgeLookup(await answer, where, state, options));
        else this.judgeLookup(answer, where, state, options);
      }
    }
    return value;
  }

  private rowError(
    state: RowState,
    options: MapInboundOptions,
    field: string,
    message: string,
    row = state.rowNo,
  ): void {
    state.errors.push(new ExchangeError({ kind: 'mapping', file: options.fileName, row, field, message }));
  }

  /** An unknown value is a row error or a finding for review, as the mapping's lookup declares. */
  private judgeLookup(
    answer: unknown,
    where: { lookupName: string; raw: string; field: string; canonicalPath: string },
    state: RowState,
    options: MapInboundOptions,
  ): void {
    const { lookupName, raw, field } = where;
    if (answer === null || answer === undefined || answer === false) {
      const declaration = this.mapping.lookups![lookupName];
      const message = `${lookupName} '${raw}' is not known`;
      if (declaration.onUnknown === 'error') this.rowError(state, options, field, message);
      else
        state.findings.push({
          kind: declaration.finding ?? `${lookupName}-unknown`,
          file: options.fileName,
          row: state.rowNo,
          field,
          value: raw,
          message,
          recordKey: null,
        });
    } else {
      state.resolved[where.canonicalPath] = answer;
    }
  }
}

export interface CollectedMapping<T> {
  records: { rowNo: number; record: T; resolved: Record<string, unknown> }[];
  findings: MappingFinding[];
  /** Row errors and, at most one, a file error (row null) that stopped the file. */
  errors: ExchangeError[];
  /** Rows read (data rows or record elements). */
  rows: number;
  /** A file-level fault: the whole file is refused whatever the bad-row policy. */
  fileError: ExchangeError | null;
}

/** Runs a mapper to the end and collects everything (dry runs, tests, small files). */
export async function collectMapping<T>(rows: AsyncIterable<MappedRow<T>>): Promise<CollectedMapping<T>> {
  const out: CollectedMapping<T> = { records: [], findings: [], errors: [], rows: 0, fileError: null };
  try {
    for await (const row of rows) {
      out.rows += 1;
      out.findings.push(...row.findings);
      out.errors.push(...row.errors);
      if (row.record) out.records.push({ rowNo: row.rowNo, record: row.record, resolved: row.resolved });
    }
  } catch (err) {
    const error =
      err instanceof ExchangeError
        ? err
        : new ExchangeError({ kind: 'parse', message: (err as Error).message, cause: err });
    out.errors.push(error);
    out.fileError = error;
  }
  return out;
}
