/**
 * Premium payments the insurer received. Each row is kept once, whatever file or replay brings it
 * again. Its key is the insurer's payment id when the insurer sends one (the same id is the same
 * payment; the same id with other facts is refused, not changed in place); otherwise the payment's
 * facts and which occurrence of identical rows it is in its file. A negative row corrects an earlier
 * one and is kept as its own row. A reversal by reference names the payment it reverses: it is kept
 * linked to it and must net to zero against it; a reversal of a payment the hub has not received is
 * quarantined as a row issue saying what to do. A payment for a day in a calculated or closed period
 * asks for that period's recalculation (a late payment).
 */
import { createHash } from 'node:crypto';
import { decimalFromKopiyky, kopiykyFromDecimal } from '../../db';
import type { CanonicalPremiumPayment } from '../canonical';
import { type ApplyContext, type ApplyOutcome, chunks, emptyOutcome, inList, type Located } from './context';
import { policiesByNumber } from './lookups';
import { type MismatchClearing, type MismatchInput, raiseMismatches } from '../reconciliation';
import { requestRecalculation } from './recalculation';
import { insertPremiumPayments } from '../../policy-records';

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

/** The key of a payment the insurer identifies: its id, per insurer. */
export function paymentIdKey(insurerCode: string, paymentId: string): string {
  return `${insurerCode}:payid:${paymentId}`;
}

type Keyed = Located<CanonicalPremiumPayment> & { key: string };

const money = (kop: number) => decimalFromKopiyky(kop);

function describe(p: CanonicalPremiumPayment): string {
  return `${money(p.amountKop)} on ${p.paidOn} for policy ${p.policyNumber}`;
}

function sameFacts(a: CanonicalPremiumPayment, b: CanonicalPremiumPayment): boolean {
  return (
    a.policyNumber === b.policyNumber &&
    a.paidOn === b.paidOn &&
    a.amountKop === b.amountKop &&
    (a.coverFrom ?? null) === (b.coverFrom ?? null) &&
    (a.coverTo ?? null) === (b.coverTo ?? null) &&
    a.policyYear === b.policyYear &&
    (a.reversesPaymentId ?? null) === (b.reversesPaymentId ?? null)
  );
}

/** How the rows of one message are keyed; a payment id twice with other facts is a row problem. */
function keyRows(
  insurerCode: string,
  items: Located<CanonicalPremiumPayment>[],
  outcome: ApplyOutcome,
): Keyed[] {
  const occurrences = new Map<string, number>();
  const byId = new Map<string, Keyed>();
  const keyed: Keyed[] = [];
  for (const item of items) {
    const { record, rowNo } = item;
    const id = record.paymentId ?? null;
    if (id !== null) {
      if (record.reversesPaymentId === id) {
        outcome.problems.push({
          rowNo,
          field: 'reversesPaymentId',
          kind: 'validation',
          message: `payment ${id} says it reverses itself; ask ${insurerCode} which payment it reverses`,
        });
        continue;
      }
      const key = paymentIdKey(insurerCode, id);
      const earlier = byId.get(key);
      if (earlier) {
        if (sameFacts(earlier.record, record)) outcome.unchanged++;
        else
          outcome.problems.push({
            rowNo,
            field: 'paymentId',
            kind: 'validation',
            message: `payment id ${id} is in this file twice with different facts (row ${earlier.rowNo}: ${describe(earlier.record)}; this row: ${describe(record)}); one id is one payment, so ask ${insurerCode} which is right`,
          });
        continue;
      }
      const entry = { ...item, key };
      byId.set(key, entry);
      keyed.push(entry);
      continue;
    }
    const base = paymentKey(insurerCode, record, 0);
    const n = occurrences.get(base) ?? 0;
    occurrences.set(base, n + 1);
    keyed.push({ ...item, key: n === 0 ? base : paymentKey(insurerCode, record, n) });
  }
  return keyed;
}

export async function applyPremiumPayments(
  ctx: ApplyContext,
  items: Located<CanonicalPremiumPayment>[],
): Promise<ApplyOutcome> {
  const outcome = emptyOutcome();
  const keyed = keyRows(ctx.insurerCode, items, outcome);
  const latePeriods = new Map<string, string>();
  const mismatches: MismatchInput[] = [];
  const cleared: MismatchClearing[] = [];
  const closedFrom = await ctx.trx
    .selectFrom('production_period')
    .select(['code', 'starts_on', 'ends_on'])
    .where('status', 'in', ['calculated', 'closed'])
    .execute();
  /** Payments this message reversed so far (their row ids), so a second reversal of one is refused. */
  const reversedNow = new Map<number, number>();

  // Payments first, then the reversals, so that a reversal finds a payment of the same file.
  const plain = keyed.filter((k) => !k.record.reversesPaymentId);
  const reversals = keyed.filter((k) => k.record.reversesPaymentId);
  for (const [list, isReversal] of [
    [plain, false],
    [reversals, true],
  ] as const) {
    for (const part of chunks(list, 1000)) {
      const policies = await policiesByNumber(
        ctx,
        part.map((p) => p.record.policyNumber),
      );
      const existing = new Map(
        (
          await ctx.trx
            .selectFrom('premium_payment')
            .select(['external_key', 'policy_id', 'paid_on', 'amount', 'source_message_id', 'source_row'])
            .where((eb) =>
              inList(
                eb,
                'external_key',
                part.map((p) => p.key),
              ),
            )
            .execute()
        ).map((r) => [r.external_key, r]),
      );
      const originals = isReversal ? await reversedPayments(ctx, part) : new Map<string, OriginalPayment>();
      const rows = [];
      for (const { rowNo, record, key } of part) {
        const policy = policies.get(record.policyNumber);
        if (!policy) {
          outcome.problems.push({
            rowNo,
            field: 'policyNumber',
            kind: 'reference',
            message: `payment of ${money(record.amountKop)} on ${record.paidOn} is for policy ${record.policyNumber}, which the hub does not know; replay this message once the contract has arrived`,
          });
          mismatches.push({
            kind: 'payment_unknown_policy',
            policyNumber: record.policyNumber,
            field: 'policy_number',
            insurerValue: record.policyNumber,
            details: `premium payment of ${money(record.amountKop)} UAH on ${record.paidOn} for a policy that matches no contract`,
            rowNo,
            identity: key,
          });
          continue;
        }
        // The contract is known now: a payment once raised for an unknown policy resolves itself.
        cleared.push({ kind: 'payment_unknown_policy', identityPrefix: key });
        const held = existing.get(key);
        if (held) {
          const sameAsHeld =
            Number(held.policy_id) === policy.id &&
            held.paid_on === record.paidOn &&
            kopiykyFromDecimal(held.amount) === record.amountKop;
          if (record.paymentId && !sameAsHeld) {
            outcome.problems.push({
              rowNo,
              field: 'paymentId',
              kind: 'validation',
              message: `payment ${record.paymentId} was received before (message ${held.source_message_id ?? 'entered by hand'}, row ${held.source_row ?? '-'}: ${money(kopiykyFromDecimal(held.amount))} on ${held.paid_on}) and this row says ${describe(record)}; a payment is not changed in place, so ask ${ctx.insurerCode} to reverse it and send the right one`,
            });
          } else outcome.unchanged++;
          continue;
        }
        let reverses: number | null = null;
        if (isReversal) {
          const target = record.reversesPaymentId!;
          const original = originals.get(target);
          const problem = original
            ? reversalProblem(ctx, record, policy.id, original, reversedNow)
            : `reversal of ${money(record.amountKop)} on ${record.paidOn} for policy ${record.policyNumber} refers to payment ${target}, which the hub has not received from ${ctx.insurerCode}; replay this message once that payment has arrived, or ask ${ctx.insurerCode} which payment it reverses`;
          if (problem) {
            outcome.problems.push({
              rowNo,
              field: 'reversesPaymentId',
              kind: original ? 'validation' : 'reference',
              message: problem,
            });
            continue;
          }
          reverses = original!.id;
          reversedNow.set(original!.id, rowNo);
        }
        existing.set(key, {
          external_key: key,
          policy_id: policy.id,
          paid_on: record.paidOn,
          amount: money(record.amountKop),
          source_message_id: ctx.messageId,
          source_row: rowNo,
        });
        rows.push({
          policy_id: policy.id,
          paid_on: record.paidOn,
          amount: money(record.amountKop),
          cover_from: record.coverFrom,
          cover_to: record.coverTo,
          policy_year: record.policyYear,
          external_key: key,
          source_message_id: ctx.messageId,
          source_row: rowNo,
          recorded_at: ctx.recordedAt,
          insurer_payment_id: record.paymentId ?? null,
          reverses_payment_id: reverses,
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
      // The one bulk path (COPY FROM STDIN on PostgreSQL, multi-row inserts elsewhere), in the
      // message's transaction: the reversals that follow find these payments.
      await insertPremiumPayments(ctx, rows);
      outcome.applied += rows.length;
    }
  }
  for (const [period, firstDay] of latePeriods) {
    outcome.recalculationsRequested += await requestRecalculation(ctx, {
      effectiveOn: firstDay,
      causeKind: 'late_payment',
      causeRef: `message:${ctx.messageId ?? 'manual'}:payments:${period}`,
      description: `${ctx.insurerCode} reported premium payments dated in ${period} after that period was calculated`,
    });
  }
  outcome.mismatchesRaised += await raiseMismatches(ctx, mismatches, cleared);
  // Reversals are applied after payments; the problems read in the file's order all the same.
  outcome.problems.sort((a, b) => a.rowNo - b.rowNo);
  return outcome;
}

interface OriginalPayment {
  id: number;
  policyId: number;
  amountKop: number;
  paidOn: string;
  /** The insurer's id of the reversal that already reverses it, or the row id when it has none. */
  reversedBy: string | null;
}

/** The payments the reversals of a chunk refer to, by the insurer's payment id. */
async function reversedPayments(ctx: ApplyContext, part: Keyed[]): Promise<Map<string, OriginalPayment>> {
  const targets = [...new Set(part.map((p) => p.record.reversesPaymentId!))];
  const keys = targets.map((t) => paymentIdKey(ctx.insurerCode, t));
  // Locks the payments being reversed until the message's transaction ends: a reversal of the same
  // payment in another message, applied at the same moment, waits and then finds this one.
  await ctx.trx
    .selectFrom('premium_payment')
    .select('id')
    .where((eb) => inList(eb, 'external_key', keys))
    .forUpdate()
    .execute();
  const rows = await ctx.trx
    .selectFrom('premium_payment as p')
    .leftJoin('premium_payment as r', 'r.reverses_payment_id', 'p.id')
    .select([
      'p.id',
      'p.policy_id',
      'p.amount',
      'p.paid_on',
      'p.insurer_payment_id',
      'r.id as reversal_id',
      'r.insurer_payment_id as reversal_payment_id',
    ])
    .where((eb) => inList(eb, 'p.external_key', keys))
    .execute();
  return new Map(
    rows.map((r) => [
      r.insurer_payment_id!,
      {
        id: Number(r.id),
        policyId: Number(r.policy_id),
        amountKop: kopiykyFromDecimal(r.amount),
        paidOn: r.paid_on,
        reversedBy:
          r.reversal_id === null ? null : (r.reversal_payment_id ?? `the hub's payment row ${r.reversal_id}`),
      },
    ]),
  );
}

/** Why a reversal cannot be applied against the payment it names, or null when it nets to zero. */
function reversalProblem(
  ctx: ApplyContext,
  record: CanonicalPremiumPayment,
  policyId: number,
  original: OriginalPayment,
  reversedNow: Map<number, number>,
): string | null {
  const target = record.reversesPaymentId!;
  const self = record.paymentId ? `reversal ${record.paymentId}` : 'this reversal';
  if (original.reversedBy !== null)
    return `payment ${target} is already reversed by ${original.reversedBy}; a payment is reversed once, so ask ${ctx.insurerCode} which reversal stands`;
  const earlierRow = reversedNow.get(original.id);
  if (earlierRow !== undefined)
    return `payment ${target} is already reversed by row ${earlierRow} of this file; a payment is reversed once, so ask ${ctx.insurerCode} which reversal stands`;
  if (original.policyId !== policyId)
    return `${self} is for policy ${record.policyNumber}, but payment ${target} it reverses is for another policy; ask ${ctx.insurerCode} which payment it reverses`;
  if (record.amountKop !== -original.amountKop)
    return `${self} of ${money(record.amountKop)} does not net to zero against payment ${target} of ${money(original.amountKop)} (paid on ${original.paidOn}); a reversal is the exact negative of the payment it reverses, so ask ${ctx.insurerCode} for the right amount`;
  return null;
}
