/**
 * Outbound mapping: canonical records -> the insurer's file. CSV registers (Dnipro Life spec v3.2 §1:
 * numbered rows, trailer `Всього;<count>;<sum>`, Windows-1251, CRLF) and XML documents built from a
 * declarative template (Karpaty `<ApplicationBatch>`). Code tables are used in reverse.
 */
import ExcelJS from 'exceljs';
import { XMLBuilder } from 'fast-xml-parser';
import { ExchangeError } from '../errors';
import { writeCsv, type CsvTrailerRule, type TextEncoding } from '../formats/csv';
import { formatDecimalComma, formatDecimalPoint } from '../formats/values';
import { toInsurer } from './convert';
import type { LoadedMapping, OutboundTemplate, OutboundValue } from './types';

export interface RenderOptions {
  /** Name for errors, e.g. the register's file name. */
  fileName: string;
  encoding?: TextEncoding;
  delimiter?: string;
  trailer?: CsvTrailerRule | null;
  /** Values for `param:` references in an XML template, e.g. { partnerCode, createdAt }. */
  params?: Record<string, string>;
  /** XLSX: the sheet's name (formatOptions.sheet); default the message name. */
  sheet?: string;
}

function getPath(record: unknown, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      record,
    );
}

function sourceValue(record: unknown, from: string | string[] | undefined): unknown {
  for (const path of from === undefined ? [] : Array.isArray(from) ? from : [from]) {
    const v = getPath(record, path);
    if (v !== null && v !== undefined && v !== '') return v;
  }
  return null;
}

function reverseCode(
  mapping: LoadedMapping,
  table: string,
  value: unknown,
  fileName: string,
  row: number,
  field: string,
): string {
  const entries = Object.entries(mapping.codeTables?.[table] ?? {});
  const hit = entries.find(([, canonical]) => canonical === value || String(canonical) === String(value));
  if (!hit) {
    throw new ExchangeError({
      kind: 'mapping',
      file: fileName,
      row,
      field,
      message: `no ${table} code for '${String(value)}'`,
    });
  }
  return hit[0];
}

function outValue(
  mapping: LoadedMapping,
  spec: OutboundValue,
  record: unknown,
  options: RenderOptions,
  row: number,
  field: string,
): string | null {
  if (spec.const !== undefined) return spec.const;
  if (spec.param !== undefined) {
    const v = options.params?.[spec.param];
    if (v === undefined)
      throw new ExchangeError({
        kind: 'mapping',
        file: options.fileName,
        field,
        message: `parameter '${spec.param}' not given`,
      });
    return v;
  }
  const value = sourceValue(record, spec.from);
  if (value === null) return null;
  if (spec.code) return reverseCode(mapping, spec.code, value, options.fileName, row, field);
  return toInsurer(value, spec, mapping.defaults);
}

/** CSV bytes of a register: header, one row per record, the trailer, every line CRLF. */
export function renderCsv(
  mapping: LoadedMapping,
  records: readonly unknown[],
  options: RenderOptions,
): Buffer {
  const columns = mapping.outbound?.columns;
  if (!columns)
    throw new ExchangeError({
      kind: 'mapping',
      file: mapping.path,
      message: 'this mapping has no outbound columns',
    });
  const rows: string[][] = [columns.map((c) => c.column)];
  let sumKop = 0;
  const trailer = options.trailer ?? null;
  const sumColumn = trailer?.sumColumn ? columns.find((c) => c.column === trailer.sumColumn) : undefined;
  if (trailer?.sumColumn && !sumColumn) {
    throw new ExchangeError({
      kind: 'mapping',
      file: mapping.path,
      field: trailer.sumColumn,
      message: 'the trailer sums a column the mapping does not write',
    });
  }
  records.forEach((record, index) => {
    const rowNo = index + 2;
    rows.push(
      columns.map((column) => {
        if (column.rowNumber) return String(index + 1);
        return outValue(mapping, column, record, options, rowNo, column.column) ?? '';
      }),
    );
    if (sumColumn) {
      const kop = sourceValue(record, sumColumn.from);
      if (!Number.isSafeInteger(kop)) {
        throw new ExchangeError({
          kind: 'mapping',
          file: options.fileName,
          row: rowNo,
          field: sumColumn.column,
          message: 'the trailer sums a column that is not an amount in kopiyky',
        });
      }
      sumKop += kop as number;
    }
  });
  if (trailer) {
    const sum =
      trailer.decimal === 'point'
        ? formatDecimalPoint(sumKop)
        : formatDecimalComma(sumKop, mapping.defaults?.thousands ?? ' ');
    rows.push(
      trailer.sumColumn
        ? [trailer.label, String(records.length), sum]
        : [trailer.label, String(records.length)],
    );
  }
  return writeCsv(rows, { encoding: options.encoding ?? 'windows-1251', delimiter: options.delimiter });
}

function isValueSpec(node: unknown): node is OutboundValue {
  return typeof node === 'object' && node !== null && ('from' in node || 'const' in node || 'param' in node);
}

/** Builds one element from a template; null when a `$when` path is empty. */
function buildElement(
  mapping: LoadedMapping,
  template: OutboundTemplate,
  record: unknown,
  options: RenderOptions,
  row: number,
  path: string,
): Record<string, unknown> | null {
  const when = template.$when;
  if (typeof when === 'string' && sourceValue(record, when) === null) return null;
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(template)) {
    if (key === '$when' || node === undefined) continue;
    const field = `${path}/${key}`;
    if (typeof node === 'string') {
      out[key] = node;
    } else if (isValueSpec(node)) {
      const v = outValue(mapping, node, record, options, row, field);
      if (v !== null) out[key] = v;
    } else {
      const child = buildElement(mapping, node as OutboundTemplate, record, options, row, field);
      if (child !== null) out[key] = child;
    }
  }
  return out;
}

/** An XML document: the root with its attributes and one record element per canonical record. */
export function renderXml(
  mapping: LoadedMapping,
  records: readonly unknown[],
  options: RenderOptions,
): Buffer {
  const spec = mapping.outbound;
  if (!spec?.root || !spec.record || !spec.template) {
    throw new ExchangeError({
      kind: 'mapping',
      file: mapping.path,
      message: 'this mapping has no outbound XML template (root, record, template)',
    });
  }
  const root: Record<string, unknown> = {};
  if (spec.namespace) root['@xmlns'] = spec.namespace;
  for (const [name, value] of Object.entries(spec.attributes ?? {})) {
    const v = outValue(mapping, value, {}, options, 0, `@${name}`);
    if (v !== null) root[`@${name}`] = v;
  }
  root[spec.record] = records.map((record, i) =>
    buildElement(mapping, spec.template!, record, options, i + 1, spec.record!),
  );
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
  });
  const body = builder.build({ [spec.root]: root }) as string;
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, 'utf8');
}

/** Renders records in the mapping's format. */
export function renderOutbound(
  mapping: LoadedMapping,
  records: readonly unknown[],
  options: RenderOptions,
): Buffer {
  if (mapping.format === 'csv') return renderCsv(mapping, records, options);
  if (mapping.format === 'xml') return renderXml(mapping, records, options);
  throw new ExchangeError({
    kind: 'mapping',
    file: mapping.path,
    message: `outbound ${mapping.format} is not supported`,
  });
}

/**
 * XLSX bytes of a register: a header row, then one row per record with real cell types: dates as
 * dates (shown dd.mm.yyyy), amounts and whole numbers as numbers, everything else as text.
 */
export async function renderXlsx(
  mapping: LoadedMapping,
  records: readonly unknown[],
  options: RenderOptions,
): Promise<Buffer> {
  const columns = mapping.outbound?.columns;
  if (!columns)
    throw new ExchangeError({
      kind: 'mapping',
      file: mapping.path,
      message: 'this mapping has no outbound columns',
    });
  const workbook = new ExcelJS.Workbook();
  // A fixed creation time: the same register renders to the same bytes' content.
  workbook.created = new Date(0);
  workbook.modified = new Date(0);
  const sheet = workbook.addWorksheet(options.sheet ?? mapping.message);
  sheet.addRow(columns.map((c) => c.column));
  records.forEach((record, index) => {
    const rowNo = index + 2;
    const cells = columns.map((column): ExcelJS.CellValue => {
      if (column.rowNumber) return index + 1;
      if (column.const !== undefined) return column.const;
      const value = sourceValue(record, column.from);
      if (value === null) return null;
      if (column.code)
        return reverseCode(mapping, column.code, value, options.fileName, rowNo, column.column);
      switch (column.type) {
        case 'date': {
          const text = String(value);
          if (!/^\d{4}-\d{2}-\d{2}$/.test(text))
            throw new ExchangeError({
              kind: 'mapping',
              file: options.fileName,
              row: rowNo,
              field: column.column,
              message: `'${text}' is not a date`,
            });
          return new Date(`${text}T00:00:00Z`);
        }
        case 'kopiyky':
          // Kopiyky to hryvnias: exact for any amount a register carries (below 2^53 / 100).
          return Number(value) / 100;
        case 'int':
          return Number(value);
        default:
          return toInsurer(value, column, mapping.defaults);
      }
    });
    sheet.addRow(cells);
  });
  columns.forEach((column, i) => {
    const col = sheet.getColumn(i + 1);
    if (column.type === 'date') col.numFmt = 'dd.mm.yyyy';
    if (column.type === 'kopiyky') col.numFmt = '0.00';
    col.width = Math.max(12, column.column.length + 2);
  });
  sheet.getRow(1).numFmt = '@';
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
