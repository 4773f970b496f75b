/**
 * The insurer's commission statement to the intermediary, kept line by line and reconciled: the
 * rate against the rate agreed for the product and policy year, the commission against premium x
 * rate, and the premium against the payments the hub holds for that policy in that month.
 */
import { createHash } from 'node:crypto';
import { decimalFromKopiyky, kopiykyFromDecimal } from '../../db';
import type { CanonicalCommissionLine } from '../canonical';
import { type ApplyContext, type ApplyOutcome, emptyOutcome, type Located } from './context';
import { policiesByNumber, productsOf } from './lookups';
import { type MismatchClearing, type MismatchInput, raiseMismatches } from '../reconciliation';

/** Percent text to millionths of a percent, exactly: '25' → 25000000, '15.5' → 15500000. */
function ratePpm(text: string): number {
  const m = /^(\d+)(?:[.,](\d{0,6}))?$/.exec(text.trim());
  if (!m) throw new RangeError(`'${text}' is not a rate`);
  return Number(m[1]) * 1_000_000 + Number((m[2] ?? '').padEnd(6, '0'));
}

function sameRate(a: string, b: string): boolean {
  return ratePpm(a) === ratePpm(b);
}

/** premium x rate, rounded half up to the kopiyka, in integers only. */
function commissionAt(premiumKop: number, rate: string): number {
  const scaled = BigInt(premiumKop) * BigInt(ratePpm(rate));
  const divisor = 100_000_000n; // percent (100) x millionths (1,000,000)
  const sign = scaled < 0n ? -1n : 1n;
  const abs = scaled * sign;
  return Number(sign * ((abs + divisor / 2n) / divisor));
}

function lineKey(insurerCode: string, l: CanonicalCommissionLine, occurrence: number): string {
  const facts = [
    l.statementMonth,
    l.policyNumber,
    l.paidOn ?? '',
    l.premiumKop,
    l.ratePct,
    l.commissionKop,
    occurrence,
  ].join('|');
  return `${insurerCode}:com:${createHash('sha256').update(facts).digest('hex')}`;
}

function monthBounds(month: string): [string, string] {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return [`${month}-01`, `${month}-${String(last).padStart(2, '0')}`];
}

export async function applyCommissionLines(
  ctx: ApplyContext,
  items: Located<CanonicalCommissionLine>[],
): Promise<ApplyOutcome> {
  const outcome = emptyOutcome();
  if (!items.length) return outcome;
  const products = await productsOf(ctx);
  const productById = new Map([...products.values()].map((p) => [p.id, p]));
  const policies = await policiesByNumber(
    ctx,
    items.map((i) => i.record.policyNumber),
  );
  const occurrences = new Map<string, number>();
  const mismatches: MismatchInput[] = [];
  const cleared: MismatchClearing[] = [];
  const statementPremium = new Map<
    string,
    { kop: number; rowNo: number; policyId: number; month: string; policyNumber: string }
  >();

  for (const { rowNo, record } of items) {
    const base = lineKey(ctx.insurerCode, record, 0);
    const n = occurrences.get(base) ?? 0;
    occurrences.set(base, n + 1);
    const key = n === 0 ? base : lineKey(ctx.insurerCode, record, n);
    const policy = policies.get(record.policyNumber) ?? null;
    const exists = await ctx.trx
      .selectFrom('commission_statement_line')
      .select('id')
      .where('external_key', '=', key)
      .executeTakeFirst();
    if (exists) outcome.unchanged++;
    else {
      await ctx.trx
        .insertInto('commission_statement_line')
        .values({
          insurer_id: ctx.insurerId,
          statement_month: record.statementMonth,
          policy_number: record.policyNumber,
          policy_id: policy?.id ?? null,
          paid_on: record.paidOn,
          premium: decimalFromKopiyky(record.premiumKop),
          rate_pct: record.ratePct,
          commission: decimalFromKopiyky(record.commissionKop),
          external_key: key,
          source_message_id: ctx.messageId,
          source_row: rowNo,
          recorded_at: ctx.recordedAt,
        })
        .execute();
      outcome.applied++;
    }
    if (!policy) {
      mismatches.push({
        kind: 'unknown_policy',
        policyNumber: record.policyNumber,
        field: 'policy_number',
        insurerValue: record.policyNumber,
        details: `commission statement ${record.statementMonth} pays ${decimalFromKopiyky(record.commissionKop)} UAH for a policy that matches no contract`,
        rowNo,
        identity: `commission:${key}`,
      });
      continue;
    }
    cleared.push({ kind: 'unknown_policy', identityPrefix: `commission:${key}` });
    // The policy year decides the agreed rate: the year of the payment it pays for, else the first.
    let policyYear = 1;
    if (record.paidOn) {
      const payment = await ctx.trx
        .selectFrom('premium_payment')
        .select('policy_year')
        .where('policy_id', '=', policy.id)
        .where('paid_on', '=', record.paidOn)
        .executeTakeFirst();
      if (payment) policyYear = Number(payment.policy_year);
    }
    const product = productById.get(policy.productId);
    const agreed = policyYear === 1 ? product?.firstYearRatePct : product?.renewalRatePct;
    const lineIdentity = `${record.statementMonth}:${record.policyNumber}:${record.paidOn ?? ''}`;
    if (agreed && !sameRate(agreed, record.ratePct)) {
      mismatches.push({
        kind: 'commission_rate_differs',
        policyNumber: record.policyNumber,
        policyId: policy.id,
        field: 'rate_pct',
        insurerValue: record.ratePct,
        ourValue: String(ratePpm(agreed) / 1_000_000),
        details: `${record.statementMonth}: ${ctx.insurerCode} paid ${record.ratePct} % on policy ${record.policyNumber} (policy year ${policyYear}); the agreed rate is ${ratePpm(agreed) / 1_000_000} %`,
        rowNo,
        identity: `${record.statementMonth}:${record.policyNumber}:${record.paidOn ?? ''}:rate`,
      });
    } else if (commissionAt(record.premiumKop, record.ratePct) !== record.commissionKop) {
      cleared.push({ kind: 'commission_rate_differs', identityPrefix: `${lineIdentity}:rate` });
      mismatches.push({
        kind: 'commission_amount_differs',
        policyNumber: record.policyNumber,
        policyId: policy.id,
        field: 'commission',
        insurerValue: decimalFromKopiyky(record.commissionKop),
        ourValue: decimalFromKopiyky(commissionAt(record.premiumKop, record.ratePct)),
        details: `${record.statementMonth}: commission on ${decimalFromKopiyky(record.premiumKop)} at ${record.ratePct} % should be ${decimalFromKopiyky(commissionAt(record.premiumKop, record.ratePct))}`,
        rowNo,
        identity: `${record.statementMonth}:${record.policyNumber}:${record.paidOn ?? ''}:amount`,
      });
    } else {
      // A corrected statement at the agreed rate and the right amount: earlier differences are gone.
      cleared.push({ kind: 'commission_rate_differs', identityPrefix: `${lineIdentity}:rate` });
      cleared.push({ kind: 'commission_amount_differs', identityPrefix: `${lineIdentity}:amount` });
    }
    const monthKey = `${record.statementMonth}:${policy.id}`;
    const sum = statementPremium.get(monthKey);
    statementPremium.set(monthKey, {
      kop: (sum?.kop ?? 0) + record.premiumKop,
      rowNo: sum?.rowNo ?? rowNo,
      policyId: policy.id,
      month: record.statementMonth,
      policyNumber: record.policyNumber,
    });
  }
  // The premium the insurer pays commission on should be what it reported as paid that month.
  for (const s of statementPremium.values()) {
    const [from, to] = monthBounds(s.month);
    const paid = await ctx.trx
      .selectFrom('premium_payment')
      .select('amount')
      .where('policy_id', '=', s.policyId)
      .where('paid_on', '>=', from)
      .where('paid_on', '<=', to)
      .execute();
    const paidKop = paid.reduce((total, p) => total + kopiykyFromDecimal(p.amount), 0);
    if (paidKop === s.kop)
      cleared.push({ kind: 'premium_differs', identityPrefix: `${s.month}:${s.policyNumber}:premium:` });
    else {
      mismatches.push({
        kind: 'premium_differs',
        policyNumber: s.policyNumber,
        policyId: s.policyId,
        field: 'premium',
        insurerValue: decimalFromKopiyky(s.kop),
        ourValue: decimalFromKopiyky(paidKop),
        details: `${s.month}: the commission statement counts ${decimalFromKopiyky(s.kop)} UAH of premium on ${s.policyNumber}; the payments received that month add up to ${decimalFromKopiyky(paidKop)}`,
        rowNo: s.rowNo,
        identity: `${s.month}:${s.policyNumber}:premium:${s.kop}:${paidKop}`,
      });
    }
  }
  outcome.mismatchesRaised += await raiseMismatches(ctx, mismatches, cleared);
  return outcome;
}

export { commissionAt, ratePpm };
