/**
 * The insurer's answers to an application register (an ACK file, a batch status): each application
 * becomes accepted, rejected with the insurer's reason, or issued with its policy number.
 */
import type { CanonicalRegisterAnswer } from '../canonical';
import { type ApplyContext, type ApplyOutcome, emptyOutcome, type Located } from './context';
import { policiesByNumber } from './lookups';
import { linkPolicyToApplication, recordApplicationOutcome } from '../../policy-records';

const RANK = { queued: 0, sent: 0, accepted: 1, rejected: 1, issued: 2 } as const;

export async function applyRegisterAnswers(
  ctx: ApplyContext,
  items: Located<CanonicalRegisterAnswer>[],
): Promise<ApplyOutcome> {
  const outcome = emptyOutcome();
  const registers = new Map<string, number | null>();
  const policies = await policiesByNumber(
    ctx,
    items.map((i) => i.record.policyNumber).filter((n): n is string => !!n),
  );
  for (const { rowNo, record } of items) {
    if (!registers.has(record.registerRef)) {
      const register = await ctx.trx
        .selectFrom('application_register')
        .select('id')
        .where('insurer_id', '=', ctx.insurerId)
        .where((eb) =>
          eb.or([eb('register_no', '=', record.registerRef), eb('external_id', '=', record.registerRef)]),
        )
        .executeTakeFirst();
      registers.set(record.registerRef, register ? Number(register.id) : null);
    }
    const registerId = registers.get(record.registerRef)!;
    if (registerId === null) {
      outcome.problems.push({
        rowNo,
        field: 'registerRef',
        kind: 'reference',
        message: `no register ${record.registerRef} was sent to ${ctx.insurerCode}`,
      });
      continue;
    }
    const item = await ctx.trx
      .selectFrom('application_register_item as ri')
      .innerJoin('application as a', 'a.id', 'ri.application_id')
      .select([
        'ri.id',
        'ri.status',
        'ri.reason',
        'ri.policy_number',
        'a.id as application_id',
        'a.status as application_status',
      ])
      .where('ri.register_id', '=', registerId)
      .where('a.number', '=', record.applicationNumber)
      .executeTakeFirst();
    if (!item) {
      outcome.problems.push({
        rowNo,
        field: 'applicationNumber',
        kind: 'reference',
        message: `application ${record.applicationNumber} is not in register ${record.registerRef}`,
      });
      continue;
    }
    const outcomeStatus = record.outcome === 'accepted' && record.policyNumber ? 'issued' : record.outcome;
    const unchanged =
      item.status === outcomeStatus &&
      (item.reason ?? null) === (record.reason ?? null) &&
      (item.policy_number ?? null) === (record.policyNumber ?? null);
    // An answer never moves an application back (issued stays issued when an older ACK is replayed).
    if (unchanged || RANK[item.status as keyof typeof RANK] > RANK[outcomeStatus]) {
      outcome.unchanged++;
      continue;
    }
    await ctx.trx
      .updateTable('application_register_item')
      .set({
        status: outcomeStatus,
        reason: record.reason,
        policy_number: record.policyNumber,
        answered_at: ctx.recordedAt,
      })
      .where('id', '=', item.id)
      .execute();
    const policy = record.policyNumber ? policies.get(record.policyNumber) : undefined;
    await recordApplicationOutcome(
      ctx,
      Number(item.application_id),
      {
        status: outcomeStatus,
        statusReason: record.outcome === 'rejected' ? record.reason : null,
        ...(policy ? { policyId: policy.id } : {}),
      },
      ctx.recordedAt,
    );
    if (policy) await linkPolicyToApplication(ctx, policy.id, Number(item.application_id));
    outcome.applied++;
  }
  // A register whose every application has an answer is acknowledged.
  for (const registerId of new Set([...registers.values()].filter((id): id is number => id !== null))) {
    const waiting = await ctx.trx
      .selectFrom('application_register_item')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('register_id', '=', registerId)
      .where('status', '=', 'sent')
      .executeTakeFirstOrThrow();
    if (Number(waiting.n) === 0) {
      await ctx.trx
        .updateTable('application_register')
        .set({ status: 'acknowledged' })
        .where('id', '=', registerId)
        .where('status', '=', 'sent')
        .execute();
    }
  }
  return outcome;
}
