/**
 * The period lifecycle: open → calculated (re-runnable, previewable) → closed (final). Closing is
 * refused, with every reason, while blocking items are open: the period is not calculated or its
 * calculation is stale (a pending recalculation request for it), an earlier period is still open,
 * unresolved mismatches of the configured kinds, quarantined messages of the period
 * (closing-rules.json, or the options). Each attempt is recorded with its reasons.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { type Database, inTransaction, type MismatchKind } from '../../src/db';
import {
  type CompensationDB,
  ensurePeriodLocks,
  lockPeriods,
  markPeriodClosed,
  periodRef,
} from '../compensation';

export interface ClosingRules {
  blockingMismatchKinds: MismatchKind[];
  quarantinedMessagesBlock: boolean;
  quarantineWindowDays: number;
  pendingRecalculationBlocks: boolean;
}

export const CLOSING_RULES_PATH = path.join(__dirname, 'closing-rules.json');

export function loadClosingRules(file = CLOSING_RULES_PATH): ClosingRules {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ClosingRules>;
  const where = (field: string) => `${file}: ${field}`;
  if (!Array.isArray(raw.blockingMismatchKinds))
    throw new Error(`${where('blockingMismatchKinds')} is not a list`);
  if (typeof raw.quarantinedMessagesBlock !== 'boolean')
    throw new Error(`${where('quarantinedMessagesBlock')} is not true/false`);
  if (!Number.isInteger(raw.quarantineWindowDays) || raw.quarantineWindowDays! < 0)
    throw new Error(`${where('quarantineWindowDays')} is not a whole number of days`);
  return {
    blockingMismatchKinds: raw.blockingMismatchKinds,
    quarantinedMessagesBlock: raw.quarantinedMessagesBlock,
    quarantineWindowDays: raw.quarantineWindowDays!,
    pendingRecalculationBlocks: raw.pendingRecalculationBlocks ?? true,
  };
}

export interface ClosingBlocker {
  kind:
    | 'not_calculated'
    | 'earlier_period_open'
    | 'recalculation_pending'
    | 'mismatch'
    | 'quarantined_message'
    | 'already_closed';
  /** What blocks, for a person: which item, why. */
  message: string;
  /** The blocking item's id (mismatch, message, request), when there is one. */
  ref?: number | string;
  /**
   * The same facts as `message`, as values, so that a screen can say them in its own language
   * (period codes, statuses, kinds, names; a moment as ISO 8601).
   */
  facts: Record<string, string | null>;
}

export class PeriodCloseRefusedError extends Error {
  readonly statusCode = 409;
  constructor(
    readonly period: string,
    readonly blockers: ClosingBlocker[],
  ) {
    super(
      `period ${period} cannot be closed: ${blockers.length} blocking item(s): ${blockers
        .slice(0, 5)
        .map((b) => b.message)
        .join('; ')}${blockers.length > 5 ? '; …' : ''}`,
    );
    this.name = 'PeriodCloseRefusedError';
  }
}

const cdb = (database: Database) => database.db as unknown as Kysely<CompensationDB>;

function addDays(date: string, days: number): Date {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d;
}

/** Everything that keeps the period from closing now (empty: it may close). */
export async function closingBlockers(
  database: Database,
  periodCode: string,
  rules: ClosingRules = loadClosingRules(),
): Promise<ClosingBlocker[]> {
  const db = cdb(database);
  const ref = await periodRef(db, periodCode);
  const blockers: ClosingBlocker[] = [];
  const row = await db
    .selectFrom('production_period')
    .selectAll()
    .where('code', '=', periodCode)
    .executeTakeFirst();
  if (row?.status === 'closed')
    return [
      {
        kind: 'already_closed',
        message: `period ${periodCode} was closed at ${new Date(row.closed_at!).toISOString()} by ${row.closed_by}`,
        facts: {
          period: periodCode,
          closedAt: new Date(row.closed_at!).toISOString(),
          closedBy: row.closed_by ?? null,
        },
      },
    ];
  if (row?.status !== 'calculated')
    blockers.push({
      kind: 'not_calculated',
      message: `period ${periodCode} is ${row?.status ?? 'not started'}: calculate it first`,
      facts: { period: periodCode, status: row?.status ?? null },
    });
  const earlier = await db
    .selectFrom('production_period')
    .select(['code', 'status'])
    .where('code', '<', periodCode)
    .where('status', '!=', 'closed')
    .orderBy('code')
    .execute();
  for (const e of earlier)
    blockers.push({
      kind: 'earlier_period_open',
      message: `earlier period ${e.code} is ${e.status}: close it first`,
      ref: e.code,
      facts: { period: e.code, status: e.status },
    });
  if (rules.pendingRecalculationBlocks) {
    const pending = await db
      .selectFrom('recalculation_request')
      .select(['id', 'period_code', 'description'])
      .where('status', '=', 'pending')
      .where('period_code', '<=', periodCode)
      .orderBy('id')
      .execute();
    for (const p of pending)
      blockers.push({
        kind: 'recalculation_pending',
        message: `recalculation request ${p.id} for ${p.period_code} is pending (${p.description}): post the corrections first`,
        ref: Number(p.id),
        facts: { request: String(p.id), period: p.period_code, description: p.description },
      });
  }
  if (rules.blockingMismatchKinds.length) {
    const mismatches = await db
      .selectFrom('mismatch')
      .select(['id', 'kind', 'policy_number', 'details'])
      .where('status', '=', 'open')
      .where('kind', 'in', rules.blockingMismatchKinds)
      .where('created_at', '<', addDays(ref.endsOn, 1 + rules.quarantineWindowDays))
      .orderBy('id')
      .execute();
    for (const m of mismatches)
      blockers.push({
        kind: 'mismatch',
        message: `mismatch ${m.id} (${m.kind}${m.policy_number ? `, policy ${m.policy_number}` : ''}) is unresolved`,
        ref: Number(m.id),
        facts: { mismatch: String(m.id), mismatchKind: m.kind, policy: m.policy_number ?? null },
      });
  }
  if (rules.quarantinedMessagesBlock) {
    const messages = await db
      .selectFrom('exchange_message')
      .select(['id', 'external_name', 'message_type'])
      .where('status', '=', 'quarantined')
      .where('direction', '=', 'inbound')
      .where('received_at', '>=', new Date(`${ref.startsOn}T00:00:00Z`))
      .where('received_at', '<', addDays(ref.endsOn, 1 + rules.quarantineWindowDays))
      .orderBy('id')
      .execute();
    for (const m of messages)
      blockers.push({
        kind: 'quarantined_message',
        message: `message ${m.id} (${m.message_type}${m.external_name ? `, ${m.external_name}` : ''}) is quarantined`,
        ref: Number(m.id),
        facts: { message: String(m.id), messageType: m.message_type, file: m.external_name ?? null },
      });
  }
  return blockers;
}

export interface ClosedPeriod {
  period: string;
  closedAt: Date;
  closedBy: string;
}

/** Closes a calculated period for good, or refuses with every blocking item (PeriodCloseRefusedError). */
export async function closePeriod(
  database: Database,
  periodCode: string,
  options: {
    closedBy: string;
    rules?: ClosingRules;
    at?: Date;
    /** Hears that another operation holds the period, before the close waits for it to finish. */
    onWait?: (period: string) => void;
  },
): Promise<ClosedPeriod> {
  if (!options.closedBy?.trim()) throw new Error('closing a period needs who closes it (closedBy)');
  let at = options.at ?? new Date();
  await ensurePeriodLocks(database, [periodCode]);
  const outcome = await inTransaction(database, async (tx) => {
    const db = cdb(tx);
    // Hold the period so a calculation, recalculation or close of it waits for this one (and this
    // one for them): the blockers are read once whatever ran before has committed.
    await lockPeriods(tx, [periodCode], options.onWait);
    at = options.at ?? new Date(); // the moment it closes, not when it started waiting
    const blockers = await closingBlockers(tx, periodCode, options.rules);
    await db
      .insertInto('period_close_attempt')
      .values({
        period_code: periodCode,
        attempted_at: at,
        attempted_by: options.closedBy,
        outcome: blockers.length ? 'refused' : 'closed',
        reasons: tx.dialect.json(blockers.length ? blockers : null),
      })
      .execute();
    if (blockers.length) return blockers;
    // Under the lock the blockers saw a calculated period; never report "closed" for anything else.
    if (!(await markPeriodClosed(db, periodCode, at, options.closedBy)))
      throw new Error(`period ${periodCode} changed while it was being closed; nothing was closed`);
    return null;
  });
  if (outcome) throw new PeriodCloseRefusedError(periodCode, outcome);
  return { period: periodCode, closedAt: at, closedBy: options.closedBy };
}

export interface PeriodSummary {
  code: string;
  startsOn: string;
  endsOn: string;
  status: 'open' | 'calculated' | 'closed';
  calculatedAt: Date | null;
  closedAt: Date | null;
  closedBy: string | null;
  pendingRequests: number;
}

export async function listPeriods(database: Database): Promise<PeriodSummary[]> {
  const db = cdb(database);
  const rows = await db.selectFrom('production_period').selectAll().orderBy('code').execute();
  const pending = await db
    .selectFrom('recalculation_request')
    .select(['period_code', (eb) => eb.fn.countAll<string>().as('n')])
    .where('status', '=', 'pending')
    .groupBy('period_code')
    .execute();
  const byPeriod = new Map(pending.map((p) => [p.period_code, Number(p.n)]));
  return rows.map((r) => ({
    code: r.code,
    startsOn: r.starts_on,
    endsOn: r.ends_on,
    status: r.status,
    calculatedAt: r.calculated_at ? new Date(r.calculated_at) : null,
    closedAt: r.closed_at ? new Date(r.closed_at) : null,
    closedBy: r.closed_by,
    pendingRequests: byPeriod.get(r.code) ?? 0,
  }));
}
