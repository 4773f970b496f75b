/** Ledger reads and exact arithmetic the period scenarios check against. */
import { sql } from 'kysely';
import type { Database } from '../../../src/db';
import { kopiykyFromDecimal } from '../../../src/db/money';
import { ledgerExplanation } from '../../../back-office/compensation';

export interface Line {
  id: number;
  runId: number;
  runKind: string;
  runStatus: string;
  periodCode: string;
  consultantId: number;
  consultantCode: string;
  kind: string;
  rule: string;
  sourceKind: string;
  sourceId: number;
  policyId: number | null;
  baseKop: number;
  rate: string;
  amountKop: number;
  correctsPeriod: string | null;
  stornoOf: number | null;
  cause: string | null;
  explanation: string;
}

/** Every ledger line of posted runs (the whole ledger of the small demo). */
export async function ledger(database: Database): Promise<Line[]> {
  const rows = await (database.db as any)
    .selectFrom('accrual as a')
    .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
    .innerJoin('consultant as c', 'c.id', 'a.consultant_id')
    .select([
      'a.id',
      'a.run_id',
      'r.run_kind',
      'r.status',
      'a.period_code',
      'a.consultant_id',
      'c.code',
      'a.kind',
      'a.rule',
      'a.source_kind',
      'a.source_id',
      'a.policy_id',
      'a.base',
      'a.rate',
      'a.amount',
      'a.corrects_period',
      'a.storno_of_accrual_id',
      'a.cause',
      'a.explanation',
      'a.explanation_data',
    ])
    .where('r.status', '=', 'posted')
    .orderBy('a.id')
    .execute();
  return rows.map((r: any) => ({
    id: Number(r.id),
    runId: Number(r.run_id),
    runKind: r.run_kind,
    runStatus: r.status,
    periodCode: r.period_code,
    consultantId: Number(r.consultant_id),
    consultantCode: r.code,
    kind: r.kind,
    rule: r.rule,
    sourceKind: r.source_kind,
    sourceId: Number(r.source_id),
    policyId: r.policy_id === null ? null : Number(r.policy_id),
    baseKop: kopiykyFromDecimal(r.base),
    rate: String(r.rate),
    amountKop: kopiykyFromDecimal(r.amount),
    correctsPeriod: r.corrects_period,
    stornoOf: r.storno_of_accrual_id === null ? null : Number(r.storno_of_accrual_id),
    cause: r.cause,
    explanation: ledgerExplanation(r.explanation, r.explanation_data),
  }));
}

/** A fingerprint of a period's own posted lines: ids, keys and amounts. */
export async function ownLines(database: Database, period: string): Promise<string> {
  const rows = await sql<{ id: string; amount: string; rule: string }>`
    select a.id, a.amount, a.rule from accrual a join calculation_run r on r.id = a.run_id
    where a.period_code = ${period} and r.run_kind = 'period' and r.status = 'posted' order by a.id`.execute(
    database.db,
  );
  return rows.rows.map((r) => `${r.id}:${r.rule}:${r.amount}`).join('\n');
}

/** Percent text with 6 decimals ('7.500000') in millionths of a percent. */
export function micro(rate: string): bigint {
  const [whole, fraction = ''] = rate.replace('-', '').split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt((fraction + '000000').slice(0, 6));
  return rate.startsWith('-') ? -value : value;
}

/** base x rateMicro / 1e8 (percent of millionths), rounded half away from zero, exactly. */
export function percentOfKop(baseKop: number, rateMicro: bigint): number {
  const num = BigInt(baseKop) * rateMicro;
  const den = 100_000_000n;
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (a * 2n + den) / (2n * den);
  return Number(neg ? -q : q);
}

/** Net per (consultant, rule, source) key of what is posted for a period: its own lines and corrections naming it. */
export function netByKey(lines: Line[], period: string): Map<string, number> {
  const net = new Map<string, number>();
  for (const l of lines) {
    const mine = (l.periodCode === period && l.runKind === 'period') || l.correctsPeriod === period;
    if (!mine) continue;
    const k = `${l.consultantId}|${l.rule}|${l.sourceKind}|${l.sourceId}`;
    net.set(k, (net.get(k) ?? 0) + l.amountKop);
  }
  for (const [k, v] of net) if (v === 0) net.delete(k);
  return net;
}
