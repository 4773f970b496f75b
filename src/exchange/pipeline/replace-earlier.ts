/**
 * A message that replaces an earlier one for the same period (`mail.replaces`: a corrected
 * bordereau for a month): what the earlier messages of that period added and this one lacks is
 * reversed, inside this message's transaction, with the trail of both messages naming the other.
 *
 * - payments: each earlier payment this message does not repeat (same policy, day, amount and
 *   policy year, counted as often as it occurs) gets a reversal by reference, its exact negative;
 * - commission lines: each earlier line not repeated gets a storno line (negative premium and
 *   commission at the same rate) in the same statement month;
 * - contracts: a contract is never un-made by a file; one the earlier message had and this one lacks
 *   is a row issue for a person, naming both messages.
 */
import type { ApplyContext, ApplyOutcome } from '../apply';
import { emptyOutcome } from '../apply/context';
import type { CanonicalCommissionLine, CanonicalPremiumPayment, CanonicalPolicy } from '../canonical';
import { decimalFromKopiyky, kopiykyFromDecimal } from '../../db';
import type { MailFact, ResolvedMessage } from '../mapping';
import { insertPremiumPayments } from '../../policy-records';

/** The records this message carried, per canonical type. */
export type CarriedRecords = {
  contracts: CanonicalPolicy[];
  payments: CanonicalPremiumPayment[];
  commission: CanonicalCommissionLine[];
};

/** The period a subject names, by the message type's `mail.subject` groups and `mail.replaces` template. */
export function replacementKey(resolved: ResolvedMessage, subject: string | null): string | null {
  const { mail } = resolved.config;
  if (!mail?.replaces || !mail.subject || subject === null) return null;
  const m = new RegExp(mail.subject).exec(subject);
  return m ? mail.replaces.replace(/\$(\d)/g, (_, i: string) => m[Number(i)] ?? '') : null;
}

class Counter {
  private readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  /** True (and one fewer left) when the key is still there. */
  take(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (!n) return false;
    this.counts.set(key, n - 1);
    return true;
  }
}

export async function replaceEarlier(
  ctx: ApplyContext,
  resolved: ResolvedMessage,
  mail: Record<MailFact, string | null>,
  carried: CarriedRecords,
): Promise<ApplyOutcome> {
  const outcome = emptyOutcome();
  const key = replacementKey(resolved, mail.subject);
  if (key === null || ctx.messageId === null) return outcome;
  const candidates = await ctx.trx
    .selectFrom('exchange_message')
    .select(['id', 'external_name'])
    .where('insurer_id', '=', ctx.insurerId)
    .where('message_type', '=', resolved.name)
    .where('direction', '=', 'inbound')
    .where('status', '=', 'applied')
    .where('id', '<>', ctx.messageId)
    .orderBy('id')
    .execute();
  const earlier = candidates
    .filter((c) => replacementKey(resolved, c.external_name) === key)
    .map((c) => Number(c.id));
  if (!earlier.length) return outcome;
  const self = `message ${ctx.messageId} (${mail.subject})`;

  // Payments the earlier messages added, not reversed yet.
  const kept = new Counter();
  for (const p of carried.payments) kept.add(`${p.policyNumber}|${p.paidOn}|${p.amountKop}|${p.policyYear}`);
  const payments = await ctx.trx
    .selectFrom('premium_payment as p')
    .innerJoin('policy as pol', 'pol.id', 'p.policy_id')
    .leftJoin('premium_payment as r', 'r.reverses_payment_id', 'p.id')
    .select([
      'p.id',
      'p.policy_id',
      'p.paid_on',
      'p.amount',
      'p.policy_year',
      'p.external_key',
      'p.source_message_id',
      'pol.number as policy_number',
    ])
    .where('p.source_message_id', 'in', earlier)
    .where('p.reverses_payment_id', 'is', null)
    .where('r.id', 'is', null)
    .orderBy('p.id')
    .execute();
  const reversals = [];
  for (const p of payments) {
    const kop = kopiykyFromDecimal(String(p.amount));
    if (kept.take(`${p.policy_number}|${p.paid_on}|${kop}|${p.policy_year}`)) continue;
    reversals.push({
      policy_id: Number(p.policy_id),
      paid_on: p.paid_on,
      amount: decimalFromKopiyky(-kop),
      cover_from: null,
      cover_to: null,
      policy_year: Number(p.policy_year),
      external_key: `${p.external_key}:replaced:${ctx.messageId}`,
      source_message_id: ctx.messageId,
      source_row: null,
      recorded_at: ctx.recordedAt,
      insurer_payment_id: null,
      reverses_payment_id: Number(p.id),
    });
  }
  if (reversals.length) await insertPremiumPayments(ctx, reversals);

  // Commission lines the earlier messages added, not reversed yet.
  const keptLines = new Counter();
  const lineKey = (policy: string, month: string, premium: number, rate: string, commission: number) =>
    `${policy}|${month}|${premium}|${Number(rate)}|${commission}`;
  for (const l of carried.commission)
    keptLines.add(lineKey(l.policyNumber, l.statementMonth, l.premiumKop, l.ratePct, l.commissionKop));
  const lines = await ctx.trx
    .selectFrom('commission_statement_line')
    .selectAll()
    .where('source_message_id', 'in', earlier)
    .where('insurer_id', '=', ctx.insurerId)
    .where('external_key', 'not like', '%:replaced:%')
    .orderBy('id')
    .execute();
  const reversedLines = new Set(
    (
      await ctx.trx
        .selectFrom('commission_statement_line')
        .select('external_key')
        .where('insurer_id', '=', ctx.insurerId)
        .where('external_key', 'like', '%:replaced:%')
        .execute()
    ).map((r) => r.external_key.replace(/:replaced:\d+$/, '')),
  );
  let stornoLines = 0;
  for (const l of lines) {
    const premium = kopiykyFromDecimal(String(l.premium));
    const commission = kopiykyFromDecimal(String(l.commission));
    if (reversedLines.has(l.external_key)) continue;
    if (keptLines.take(lineKey(l.policy_number, l.statement_month, premium, String(l.rate_pct), commission)))
      continue;
    await ctx.trx
      .insertInto('commission_statement_line')
      .values({
        insurer_id: ctx.insurerId,
        statement_month: l.statement_month,
        policy_number: l.policy_number,
        policy_id: l.policy_id,
        paid_on: l.paid_on,
        premium: decimalFromKopiyky(-premium),
        rate_pct: l.rate_pct,
        commission: decimalFromKopiyky(-commission),
        external_key: `${l.external_key}:replaced:${ctx.messageId}`,
        source_message_id: ctx.messageId,
        source_row: null,
        recorded_at: ctx.recordedAt,
      })
      .execute();
    stornoLines++;
  }

  // Contracts the earlier messages named and this one does not: for a person.
  const carriedPolicies = new Set(carried.contracts.map((c) => c.policyNumber));
  const earlierPolicies = await ctx.trx
    .selectFrom('policy_version as v')
    .innerJoin('policy as p', 'p.id', 'v.policy_id')
    .select(['p.number', 'v.source_message_id'])
    .where('v.source_message_id', 'in', earlier)
    .where('p.insurer_id', '=', ctx.insurerId)
    .execute()
    .catch(() => [] as { number: string; source_message_id: number | null }[]);
  for (const number of new Set(earlierPolicies.map((p) => p.number))) {
    if (carriedPolicies.has(number)) continue;
    outcome.problems.push({
      rowNo: 0,
      field: 'Номер договору',
      kind: 'reference',
      message: `contract ${number} was in the earlier message ${earlier.join(', ')} for ${key} but is not in ${self}, which replaces it; a contract is not undone by a file: check it with ${ctx.insurerCode}`,
    });
  }

  const summary = `${reversals.length} payment(s) reversed, ${stornoLines} commission line(s) reversed`;
  const at = ctx.recordedAt;
  for (const id of earlier)
    await ctx.trx
      .insertInto('exchange_message_event')
      .values({
        message_id: id,
        occurred_at: at,
        status: 'replaced',
        detail: `replaced for ${key} by ${self}: ${summary}`.slice(0, 2000),
      })
      .execute();
  await ctx.trx
    .insertInto('exchange_message_event')
    .values({
      message_id: ctx.messageId,
      occurred_at: at,
      status: 'replaces',
      detail: `replaces message ${earlier.join(', ')} for ${key}: ${summary}`.slice(0, 2000),
    })
    .execute();
  outcome.applied += reversals.length + stornoLines;
  return outcome;
}
