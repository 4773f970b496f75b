/**
 * Mismatches between the insurer's view and ours, and requests to recalculate closed periods.
 * Both are idempotent: the same difference found again (a re-delivery, a replay) is not raised twice.
 */
import type { MismatchKind } from '../../db';
import { type ApplyContext, inList, LOOKUP_BATCH } from './context';

export interface MismatchInput {
  kind: MismatchKind;
  policyNumber: string | null;
  policyId?: number | null;
  field?: string | null;
  insurerValue?: string | null;
  ourValue?: string | null;
  details: string;
  rowNo?: number | null;
  /** What makes this difference the same difference when it is found again. */
  identity: string;
}

/** Raises the mismatches not raised before; answers how many are new. */
export async function raiseMismatches(ctx: ApplyContext, inputs: MismatchInput[]): Promise<number> {
  if (!inputs.length) return 0;
  const keyed = new Map(inputs.map((m) => [`${ctx.insurerCode}:${m.kind}:${m.identity}`.slice(0, 300), m]));
  const existing = new Set<string>();
  const keys = [...keyed.keys()];
  for (let i = 0; i < keys.length; i += LOOKUP_BATCH) {
    const part = keys.slice(i, i + LOOKUP_BATCH);
    const rows = await ctx.trx
      .selectFrom('mismatch')
      .select('dedupe_key')
      .where((eb) => inList(eb, 'dedupe_key', part))
      .execute();
    for (const r of rows) existing.add(r.dedupe_key);
  }
  const fresh = [...keyed].filter(([key]) => !existing.has(key));
  if (!fresh.length) return 0;
  await ctx.dialect.bulkInsert(
    ctx.trx,
    'mismatch',
    fresh.map(([key, m]) => ({
      insurer_id: ctx.insurerId,
      kind: m.kind,
      policy_number: m.policyNumber,
      policy_id: m.policyId ?? null,
      field: m.field ?? null,
      insurer_value: m.insurerValue ?? null,
      our_value: m.ourValue ?? null,
      details: m.details.slice(0, 2000),
      source_message_id: ctx.messageId,
      source_row: m.rowNo ?? null,
      dedupe_key: key,
      status: 'open' as const,
      resolution: null,
      resolved_by: null,
      resolved_at: null,
      created_at: ctx.recordedAt,
    })),
  );
  return fresh.length;
}

export interface RecalculationCause {
  /** The first day the change affects. */
  effectiveOn: string;
  causeKind: string;
  causeRef: string;
  description: string;
}

/**
 * Asks for recalculation of every calculated or closed production period the change reaches into
 * (its effective day or later). Open periods need nothing: they will be calculated with the change.
 */
export async function requestRecalculation(ctx: ApplyContext, cause: RecalculationCause): Promise<number> {
  const periods = await ctx.trx
    .selectFrom('production_period')
    .select(['code'])
    .where('status', 'in', ['calculated', 'closed'])
    .where('ends_on', '>=', cause.effectiveOn)
    .orderBy('code')
    .execute();
  let requested = 0;
  for (const { code } of periods) {
    const dedupeKey = `${code}:${cause.causeRef}`.slice(0, 300);
    const exists = await ctx.trx
      .selectFrom('recalculation_request')
      .select('id')
      .where('dedupe_key', '=', dedupeKey)
      .executeTakeFirst();
    if (exists) continue;
    await ctx.trx
      .insertInto('recalculation_request')
      .values({
        period_code: code,
        effective_on: cause.effectiveOn,
        cause_kind: cause.causeKind,
        cause_ref: cause.causeRef,
        description: cause.description.slice(0, 1000),
        dedupe_key: dedupeKey,
        status: 'pending',
        created_at: ctx.recordedAt,
        processed_at: null,
      })
      .execute();
    requested++;
  }
  return requested;
}
