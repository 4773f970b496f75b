/**
 * What the database would refuse in a mapped record, found before the record reaches it: a text
 * longer than its column, or a NUL byte (PostgreSQL cannot store one in text). Such a row becomes a
 * row issue naming file, row and field under the adapter's bad-row policy, instead of an error inside
 * the message's transaction that would lose every other row.
 */
import type { CanonicalMessageType } from '../canonical';
import { ExchangeError } from '../errors';
import type { ResolvedMessage } from '../mapping';

type Limits = Record<string, number>;

const person = (prefix: string): Limits => ({ [`${prefix}.fullName`]: 300, [`${prefix}.taxNumber`]: 10 });

/** Column lengths (migrations 0001) of the text each canonical field is stored in. */
const LIMITS: Partial<Record<CanonicalMessageType, Limits>> = {
  contracts: {
    policyNumber: 60,
    applicationNumber: 40,
    productCode: 40,
    agentCode: 40,
    ...person('policyholder'),
    ...person('insured'),
    'amendments.amendmentNo': 40,
    'amendments.newValue': 200,
    'amendments.policyNumber': 60,
  },
  amendments: { policyNumber: 60, amendmentNo: 40, newValue: 200 },
  payments: { policyNumber: 60 },
  commission: { policyNumber: 60, statementMonth: 7, ratePct: 20 },
  'register-answer': { registerRef: 100, applicationNumber: 40, reason: 1000, policyNumber: 60 },
};

/** The insurer's name of a canonical field (its CSV column or XML path), else the canonical path. */
function sourceName(resolved: ResolvedMessage, path: string): string {
  const spec =
    resolved.mapping.fields?.[path.replace(/^amendments\./, '')] ?? resolved.mapping.fields?.[path];
  const first = Array.isArray(spec) ? spec[0] : spec;
  const from = first?.from;
  return typeof from === 'string' ? from : Array.isArray(from) && from.length ? from[0] : path;
}

function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const item of value) yield* strings(item, path);
  else if (value && typeof value === 'object')
    for (const [key, inner] of Object.entries(value)) yield* strings(inner, path ? `${path}.${key}` : key);
}

/** The errors of one mapped record; empty when the database will take it. */
export function columnErrors(
  resolved: ResolvedMessage,
  record: unknown,
  at: { file: string; row: number },
): ExchangeError[] {
  const limits = LIMITS[resolved.recordType] ?? {};
  const errors: ExchangeError[] = [];
  for (const [path, text] of strings(record, '')) {
    const field = sourceName(resolved, path);
    if (text.includes('\u0000')) {
      errors.push(
        new ExchangeError({
          kind: 'validation',
          file: at.file,
          row: at.row,
          field,
          message: `the value contains a NUL byte (character 0), which cannot be stored`,
        }),
      );
      continue;
    }
    const limit = limits[path];
    if (limit !== undefined && text.length > limit) {
      errors.push(
        new ExchangeError({
          kind: 'validation',
          file: at.file,
          row: at.row,
          field,
          message: `the value is ${text.length} characters long; at most ${limit} can be stored`,
        }),
      );
    }
  }
  return errors;
}

/** Text safe to store in a row issue or a status reason: NUL bytes shown as \0. */
export function storable(text: string): string {
  return text.split('\u0000').join('\\0');
}
