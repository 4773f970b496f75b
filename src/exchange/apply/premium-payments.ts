/**
 * Premium payments the insurer received. Each row is kept once, whatever file or replay brings it
 * again: its key is the insurer, the payment's facts and which occurrence of identical rows it is in
 * its file. A negative row corrects an earlier one and is kept as its own row. A payment for a day in
 * a calculated or closed period asks for that period's recalculation (a late payment).
 */
import { createHash } from 'node:crypto';
import { decimalFromKopiyky } from '../../db';
import type { CanonicalPremiumPayment } from '../canonical';
import { type ApplyContext, type ApplyOutcome, chunks, emptyOutcome, type Located } from './context';
import { policiesByNumber } from './lookups';
import { type MismatchInput, raiseMismatches } from '../reconciliation';
import { requestRecalculation } from './recalculation';

export function paymentKey(insurerCode: string, p: CanonicalPremiumPayment, occurrence: number): string {
  const facts = [
    p.policyNumber,
    p.paidOn,
    p.amountKop,
    p.coverFrom ?? '',
    p.coverTo ?? '',
    p.policyYear,
    occurrence,
  ].join('|');
  return `${insurerCode}:pay:${createHash('sha256').update(facts).digest('hex')}`;
}

export async function applyPremiumPayments(
  ctx: ApplyContext,
  items: Located<CanonicalPremiumPayment>[],
): Promise<ApplyOutcome> {
  const outcome = emptyOutcome();
  const occurrences = new Map<string, number>();
  const keyed = items.map((item) => {
    const base = paymentKey(ctx.insurerCode, item.record, 0);
    const n = occurrences.get(base) ?? 0;
    occurrences.set(base, n + 1);
    return { ...item, key: n === 0 ? base : paymentKey(ctx.insurerCode, item.record, n) };
  });
  const latePeriods = new Map<string, string>();
  const mismatches: MismatchInput[] = [];
  const closedFrom = await ctx.trx
    .selectFrom('production_period')
    .select(['code', 'starts_on', 'ends_on'])
    .where('status', 'in', ['calculated', 'closed'])
    .execute();
  for (const part of chunks(keyed, 2000)) {
    const policies = await policiesByNumber(
      ctx,
      part.map((p) => p.record.policyNumber),
    );
    const existing = new Set(
      (
        await ctx.trx
          .selectFrom('premium_payment')
          .select('external_key')
          .where(
            'external_key',
            'in',
            part.map((p) => p.key),
          )
          .execute()
      ).map((r) => r.external_key),
    );
    const rows = [];
    for (const { rowNo, record, key } of part) {
      const policy = policies.get(record.policyNumber);
      if (!policy) {
        outcome.problems.push({
          rowNo,
          field: 'policyNumber',
          kind: 'reference',
          message: `payment of ${decimalFromKopiyky(record.amountKop)} on ${record.paidOn} is for policy ${record.policyNumber}, which the hub does not know; replay this message once the contract has arrived`,
        });
        mismatches.push({
          kind: 'unknown_policy',
          policyNumber: record.policyNumber,
          field: 'policy_number',
          insurerValue: record.policyNumber,
          details: `premium payment of ${decimalFromKopiyky(record.amountKop)} UAH on ${record.paidOn} for a policy that matches no contract`,
          rowNo,
          identity: key,
        });
        continue;
      }
      if (existing.has(key)) {
        outcome.unchanged++;
        continue;
      }
      existing.add(key);
      rows.push({
        policy_id: policy.id,
        paid_on: record.paidOn,
        amount: decimalFromKopiyky(record.amountKop),
        cover_from: record.coverFrom,
        cover_to: record.coverTo,
        policy_year: record.policyYear,
        external_key: key,
        source_message_id: ctx.messageId,
        source_row: rowNo,
        recorded_at: ctx.recordedAt,
      });
      const late = closedFrom.find((p) => p.starts_on <= record.paidOn && record.paidOn <= p.ends_on);
      if (late)
        latePeriods.set(
          late.code,
          record.paidOn < (latePeriods.get(late.code) ?? '9999')
            ? record.paidOn
            : latePeriods.get(late.code)!,
        );
    }
    // The one bulk path (COPY FROM STDIN on PostgreSQL, multi-row inserts elsewhere), in the message's transaction.
    await ctx.dialect.bulkInsert(ctx.trx, 'premium_payment', rows);
    outcome.applied += rows.length;
  }
  for (const [period, firstDay] of latePeriods) {
    outcome.recalculationsRequested += await requestRecalculation(ctx, {
      effectiveOn: firstDay,
      causeKind: 'late_payment',
      causeRef: `message:${ctx.messageId ?? 'manual'}:payments:${period}`,
      description: `${ctx.insurerCode} reported premium payments dated in ${period} after that period was calculated`,
    });
  }
  outcome.mismatchesRaised += await raiseMismatches(ctx, mismatches);
  return outcome;
}
