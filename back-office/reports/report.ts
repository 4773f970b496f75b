/**
 * The shape every report answers: Ukrainian headings, typed columns (money in kopiyky), rows, totals
 * and a few summary figures. The API returns it as JSON; exports.ts renders it as XLSX and PDF.
 */
import type { IsoDate } from '../../src/db';

export type ColumnKind = 'text' | 'int' | 'money' | 'pct';

export interface ReportColumn {
  key: string;
  /** The heading, in Ukrainian. */
  label: string;
  kind: ColumnKind;
}

export type ReportRow = Record<string, string | number | null>;

export interface Report {
  /** Machine name, e.g. sales. */
  name: string;
  /** The title, in Ukrainian. */
  title: string;
  /** The filters applied, as they were understood (dates resolved). */
  filters: ResolvedFilters;
  columns: ReportColumn[];
  rows: ReportRow[];
  /** The sums of the money and count columns over all rows (percentages recomputed where they can be). */
  totals: ReportRow;
  /** Figures that are not per row (tree depth and width …), label → value. */
  summary: { label: string; value: string | number }[];
  /** A series for a chart (e.g. per period), when the report has one: labelKey and valueKeys of `rows`. */
  chart?: { title: string; labelKey: string; valueKeys: string[]; rows: ReportRow[] };
}

export interface ReportFilters {
  /** First production period, yyyy-mm (default: twelve periods ending with `to`). */
  from?: string;
  /** Last production period, yyyy-mm (default: the period of `asOf`). */
  to?: string;
  /** A unit's code: the unit and its sub-units. */
  unit?: string;
  /** An insurer's code. */
  insurer?: string;
  /** A product's code. */
  product?: string;
  /** A career level's code: consultants at that level on `asOf`. */
  level?: string;
  /** "As it was on" date D (yyyy-mm-dd; default: today). */
  asOf?: IsoDate;
  /** "As known on" moment K (default: now). */
  knownAt?: Date;
}

export interface ResolvedFilters {
  from: string;
  to: string;
  fromDate: IsoDate;
  toDate: IsoDate;
  unit: string | null;
  insurer: string | null;
  product: string | null;
  level: string | null;
  asOf: IsoDate;
  knownAt: string;
}

export class ReportError extends Error {
  constructor(
    readonly kind: 'not_found' | 'forbidden' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'ReportError';
  }
}

/** The last day of a period yyyy-mm. */
export function periodEndDate(period: string): IsoDate {
  const [y, m] = period.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** The period `n` months after `period` (n may be negative). */
export function shiftPeriod(period: string, n: number): string {
  const [y, m] = period.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

/** The periods from..to inclusive. */
export function periodsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let p = from; p <= to && out.length < 1200; p = shiftPeriod(p, 1)) out.push(p);
  return out;
}

export function resolveFilters(filters: ReportFilters, now: Date = new Date()): ResolvedFilters {
  const knownAt = filters.knownAt ?? now;
  const asOf = filters.asOf ?? now.toISOString().slice(0, 10);
  const to = filters.to ?? asOf.slice(0, 7);
  const from = filters.from ?? shiftPeriod(to, -11);
  if (from > to) throw new ReportError('invalid', `the range starts (${from}) after it ends (${to})`);
  if (periodsBetween(from, to).length > 120)
    throw new ReportError('invalid', `a report covers at most 120 periods (${from}..${to})`);
  return {
    from,
    to,
    fromDate: `${from}-01`,
    toDate: periodEndDate(to),
    unit: filters.unit ?? null,
    insurer: filters.insurer ?? null,
    product: filters.product ?? null,
    level: filters.level ?? null,
    asOf,
    knownAt: knownAt.toISOString(),
  };
}

/** Sums the int and money columns of `rows`. */
export function sumColumns(columns: ReportColumn[], rows: ReportRow[], label = 'Разом'): ReportRow {
  const totals: ReportRow = {};
  let labelled = false;
  for (const c of columns) {
    if (c.kind === 'int' || c.kind === 'money')
      totals[c.key] = rows.reduce((s, r) => s + (typeof r[c.key] === 'number' ? (r[c.key] as number) : 0), 0);
    else if (c.kind === 'text' && !labelled) {
      totals[c.key] = label;
      labelled = true;
    } else totals[c.key] = null;
  }
  return totals;
}

/** A share as a percentage with one decimal, or null when there is nothing to divide by. */
export function pct(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part * 1000) / whole) / 10 : null;
}
