/**
 * Requests to recalculate calculated or closed production periods: the one writer of the table
 * recalculation_request. Whatever reaches into such a period asks here: the exchange when an insurer's
 * record does (a late payment, an amendment, a cancellation), the network when a consultant is
 * transferred, back-office/periods for career, sponsor and unit changes; back-office/periods reads the
 * pending requests, recalculates, and marks them done here.
 *
 * It sits in the core layer, under the exchange and the back office, because the exchange raises
 * requests and data flows one way (exchange → core → back office): the exchange may not import
 * back-office/periods, so the owner of the requests cannot live there.
 */
import type { Kysely } from 'kysely';
import type { DB, IsoDate } from '../db';

export interface RecalculationCause {
  /** The first day the change affects. */
  effectiveOn: IsoDate;
  /** late_payment, amendment, cancellation, agent_change, career_change, sponsor_change, unit_change … */
  causeKind: string;
  /** What to look at, e.g. career:12:2026-11-27T10:00:00.000Z or premium_payment:2033. */
  causeRef: string;
  description: string;
}

export interface PendingRequest {
  id: number;
  periodCode: string;
  effectiveOn: IsoDate;
  causeKind: string;
  causeRef: string;
  description: string;
  createdAt: Date;
}

const db = <D extends DB>(k: Kysely<D>) => k as unknown as Kysely<DB>;

/**
 * Raises a request for every calculated or closed period the change reaches (its effective day or
 * later), once per period and cause (the same cause found again, by a replay or a re-delivery, is
 * not raised twice); answers the periods asked for. Open periods need nothing: they will be
 * calculated with the change.
 */
export async function requestRecalculation<D extends DB>(
  trx: Kysely<D>,
  cause: RecalculationCause,
  at: Date = new Date(),
): Promise<string[]> {
  const periods = await db(trx)
    .selectFrom('production_period')
    .select('code')
    .where('status', 'in', ['calculated', 'closed'])
    .where('ends_on', '>=', cause.effectiveOn)
    .orderBy('code')
    .execute();
  const requested: string[] = [];
  for (const { code } of periods) {
    const dedupeKey = `${code}:${cause.causeRef}`.slice(0, 300);
    const exists = await db(trx)
      .selectFrom('recalculation_request')
      .select('id')
      .where('dedupe_key', '=', dedupeKey)
      .executeTakeFirst();
    if (exists) continue;
    await db(trx)
      .insertInto('recalculation_request')
      .values({
        period_code: code,
        effective_on: cause.effectiveOn,
        cause_kind: cause.causeKind,
        cause_ref: cause.causeRef.slice(0, 200),
        description: cause.description.slice(0, 1000),
        dedupe_key: dedupeKey,
        status: 'pending',
        created_at: at,
        processed_at: null,
      })
      .execute();
    requested.push(code);
  }
  return requested;
}

/** The pending requests, oldest period first. */
export async function pendingRequests<D extends DB>(trx: Kysely<D>): Promise<PendingRequest[]> {
  const rows = await db(trx)
    .selectFrom('recalculation_request')
    .selectAll()
    .where('status', '=', 'pending')
    .orderBy('period_code')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    periodCode: r.period_code,
    effectiveOn: r.effective_on,
    causeKind: r.cause_kind,
    causeRef: r.cause_ref,
    description: r.description,
    createdAt: new Date(r.created_at),
  }));
}

/** Marks the requests a recalculation has handled as done, at the recalculation's knowledge time. */
export async function markRequestsDone<D extends DB>(trx: Kysely<D>, ids: number[], at: Date): Promise<void> {
  const BATCH = 500; // Oracle allows at most 1000 expressions in a list
  for (let i = 0; i < ids.length; i += BATCH)
    await db(trx)
      .updateTable('recalculation_request')
      .set({ status: 'done', processed_at: at })
      .where('id', 'in', ids.slice(i, i + BATCH))
      .execute();
}

/** The closed period the day falls in, if any (a change there needs a second person's approval). */
export async function closedPeriodOf<D extends DB>(trx: Kysely<D>, date: IsoDate): Promise<string | null> {
  const row = await db(trx)
    .selectFrom('production_period')
    .select('code')
    .where('status', '=', 'closed')
    .where('starts_on', '<=', date)
    .where('ends_on', '>=', date)
    .executeTakeFirst();
  return row?.code ?? null;
}
