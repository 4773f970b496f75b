/**
 * Loads a mapping file, resolves `extends` (a shared default merged underneath: objects merge, the
 * more specific file wins, lists are replaced), and checks the result against
 * schemas/mapping.schema.json. Errors name the file and the JSON path.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ExchangeError } from '../errors';
import { dateFormatIn } from '../formats/values';
import { describeSchemaErrors, projectRoot, schemaValidator } from './json-schemas';
import type { Condition, LoadedMapping, MappingFile } from './types';

function conditionColumn(condition: Condition | undefined): string[] {
  if (!condition) return [];
  return ['exists' in condition ? condition.exists : condition.from];
}

function knownTimeZone(timeZone: string): boolean {
  try {
    dateFormatIn(timeZone);
    return true;
  } catch {
    return false;
  }
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlain(value) && isPlain(out[key]) ? merge(out[key] as Plain, value) : value;
  }
  return out;
}

function readYaml(file: string): Plain {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ExchangeError({
      kind: 'mapping',
      file,
      message: `not readable YAML: ${(err as Error).message}`,
      cause: err,
    });
  }
  if (!isPlain(doc))
    throw new ExchangeError({
      kind: 'mapping',
      file,
      message: 'a mapping file must be a YAML mapping (key: value)',
    });
  return doc;
}

/**
 * The file to use for a mapping reference and format version: `contracts.yaml` for version 1 (or no
 * version), `contracts.v2.yaml` for version 2 when it exists, so old raw messages still replay with
 * the mapping of their own version.
 */
export function mappingPathFor(ref: string, version?: number | null): string {
  const absolute = path.isAbsolute(ref) ? ref : path.join(projectRoot(), ref);
  if (!version || version === 1) return absolute;
  const versioned = absolute.replace(/\.ya?ml$/, `.v${version}.yaml`);
  if (!existsSync(versioned)) {
    throw new ExchangeError({
      kind: 'mapping',
      file: versioned,
      message: `no mapping for format version ${version}`,
    });
  }
  return versioned;
}

export function loadMapping(ref: string, version?: number | null): LoadedMapping {
  const file = mappingPathFor(ref, version);
  if (!existsSync(file))
    throw new ExchangeError({ kind: 'mapping', file, message: 'mapping file not found' });
  const chain: string[] = [];
  let merged: Plain = {};
  const visit = (current: string, seen: Set<string>): void => {
    if (seen.has(current))
      throw new ExchangeError({ kind: 'mapping', file: current, message: 'extends itself in a cycle' });
    seen.add(current);
    const doc = readYaml(current);
    if (typeof doc.extends === 'string') {
      const parent = path.resolve(path.dirname(current), doc.extends);
      if (!existsSync(parent)) {
        throw new ExchangeError({
          kind: 'mapping',
          file: current,
          field: 'extends',
          message: `extends '${doc.extends}', which does not exist`,
        });
      }
      visit(parent, seen);
    }
    chain.push(current);
    merged = merge(merged, doc);
  };
  visit(file, new Set());
  delete merged.extends;
  const validate = schemaValidator('mapping');
  if (!validate(merged)) {
    const problems = describeSchemaErrors(validate.errors);
    throw new ExchangeError({
      kind: 'mapping',
      file,
      field: problems[0]?.path ?? null,
      message: `mapping does not match schemas/mapping.schema.json: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    });
  }
  const mapping = merged as unknown as MappingFile;
  checkReferences(file, mapping);
  return { ...mapping, path: file, chain };
}

/** Code tables and lookups a field names must exist; the schema cannot see across sections. */
function checkReferences(file: string, mapping: MappingFile): void {
  const problems: string[] = [];
  const walk = (fields: MappingFile['fields'], prefix: string) => {
    for (const [name, specOrList] of Object.entries(fields ?? {})) {
      for (const spec of Array.isArray(specOrList) ? specOrList : [specOrList]) {
        if (spec.code && !mapping.codeTables?.[spec.code])
          problems.push(`/fields/${prefix}${name}: code table '${spec.code}' is not defined`);
        if (spec.lookup && !mapping.lookups?.[spec.lookup])
          problems.push(`/fields/${prefix}${name}: lookup '${spec.lookup}' is not declared`);
        if (spec.timeZone && !knownTimeZone(spec.timeZone))
          problems.push(
            `/fields/${prefix}${name}/timeZone: '${spec.timeZone}' is not a time zone (e.g. Europe/Kyiv)`,
          );
        if (spec.each === 'rows' && !mapping.group && (mapping.format === 'csv' || mapping.format === 'xlsx'))
          problems.push(
            `/fields/${prefix}${name}/each: 'rows' needs a /group section saying which rows belong together`,
          );
        if (spec.fields) walk(spec.fields, `${prefix}${name}.`);
      }
    }
  };
  walk(mapping.fields, '');
  const timeZone = mapping.defaults?.timeZone;
  if (timeZone && !knownTimeZone(timeZone))
    problems.push(`/defaults/timeZone: '${timeZone}' is not a time zone (e.g. Europe/Kyiv)`);
  if (mapping.group && mapping.format !== 'csv' && mapping.format !== 'xlsx')
    problems.push(`/group: only CSV and XLSX rows are grouped (${mapping.format} has its own nesting)`);
  if (mapping.group?.recordWhen && mapping.group.record !== 'row')
    problems.push(`/group/recordWhen: only with record: row`);
  if (mapping.format === 'csv' || mapping.format === 'xlsx') {
    const columns = new Set(mapping.columns ?? []);
    const sources = (fields: MappingFile['fields'], prefix: string) => {
      for (const [name, specOrList] of Object.entries(fields ?? {})) {
        for (const spec of Array.isArray(specOrList) ? specOrList : [specOrList]) {
          const used = [
            ...(spec.from === undefined ? [] : Array.isArray(spec.from) ? spec.from : [spec.from]),
          ];
          used.push(
            ...conditionColumn(spec.when),
            ...conditionColumn(spec.negateWhen),
            ...conditionColumn(spec.eachWhen),
          );
          for (const column of used) {
            if (!columns.has(column))
              problems.push(`/fields/${prefix}${name}: column '${column}' is not among the columns`);
          }
          if (spec.fields) sources(spec.fields, `${prefix}${name}.`);
        }
      }
    };
    sources(mapping.fields, '');
    const group = mapping.group;
    if (group) {
      const used: [string, string][] = [
        ...(group.by ?? []).map((c): [string, string] => ['/group/by', c]),
        ...(group.inherit ?? []).map((c): [string, string] => ['/group/inherit', c]),
        ...conditionColumn(group.startWhen).map((c): [string, string] => ['/group/startWhen', c]),
        ...conditionColumn(group.recordWhen).map((c): [string, string] => ['/group/recordWhen', c]),
      ];
      for (const [where, column] of used)
        if (!columns.has(column)) problems.push(`${where}: column '${column}' is not among the columns`);
    }
  }
  for (const column of mapping.outbound?.columns ?? []) {
    if (column.code && !mapping.codeTables?.[column.code])
      problems.push(`/outbound/columns/${column.column}: code table '${column.code}' is not defined`);
  }
  if (mapping.format === 'csv' && mapping.fields && !mapping.columns)
    problems.push('/columns: a CSV mapping must list the header columns');
  if (mapping.format === 'xml' && mapping.fields && !mapping.records)
    problems.push('/records: an XML mapping must name the record element');
  if (problems.length) {
    throw new ExchangeError({
      kind: 'mapping',
      file,
      field: problems[0].split(':')[0],
      message: problems.join('; '),
    });
  }
}
