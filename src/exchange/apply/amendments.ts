/**
 * Amendments (supplementary agreements, endorsements). Each becomes an amendment row and new policy
 * versions from its effective day. An amendment may take effect in the past: the versions already
 * recorded for later days get corrected successors (never edits), and the calculated or closed
 * production periods it reaches are marked for recalculation.
 */
import { kopiykyFromDecimal } from '../../db';
import type { CanonicalAmendment } from '../canonical';
import { type ApplyContext, type ApplyOutcome, emptyOutcome, type Located } from './context';
import { consultantsByCode, policiesByNumber, versionInForce, versionsOf } from './lookups';
import { factsOf, insertVersions, moneyText, type NewVersion, type VersionFacts } from './policy-versions';
import { type MismatchInput, raiseMismatches } from '../reconciliation';
import { requestRecalculation } from './recalculation';
import { insertAmendment } from '../../policy-records';

/** Kinds that change what consultants earn, so a past effective day means recalculation. */
const AFFECTS_REMUNERATION = new Set([
  'agent_change',
  'termination',
  'cancellation',
  'premium_change',
  'reinstatement',
]);

function amountFrom(kop: number | null, text: string | null): string | null {
  if (kop !== null && kop !== undefined) return moneyText(kop);
  if (!text) return null;
  const normalised = text.replace(/[\s\u00a0]/g, '').replace(',', '.');
  return moneyText(kopiykyFromDecimal(normalised));
}

function applyChange(facts: VersionFacts, a: CanonicalAmendment, consultantId: number | null): VersionFacts {
  const next = { ...facts };
  switch (a.changeKind) {
    case 'sum_change':
      next.sum_insured = amountFrom(a.sumInsuredKop, a.newValue) ?? next.sum_insured;
      if (a.annualPremiumKop !== null && a.annualPremiumKop !== undefined)
        next.annual_premium = moneyText(a.annualPremiumKop);
      break;
    case 'premium_change':
      next.annual_premium = amountFrom(a.annualPremiumKop, a.newValue) ?? next.annual_premium;
      break;
    case 'frequency_change':
      next.payment_frequency = Number(a.newValue);
      break;
    case 'agent_change':
      next.agent_code = a.newValue ?? next.agent_code;
      next.consultant_id = consultantId;
      break;
    case 'termination':
      next.status = 'terminated';
      next.status_date = a.effectiveOn;
      break;
    case 'cancellation':
      next.status = 'cancelled';
      next.status_date = a.effectiveOn;
      break;
    case 'reinstatement':
      next.status = 'in_force';
      next.status_date = a.effectiveOn;
      break;
  }
  return next;
}

export async function applyAmendments(
  ctx: ApplyContext,
  items: Located<CanonicalAmendment>[],
): Promise<ApplyOutcome> {
  const outcome = emptyOutcome();
  if (!items.length) return outcome;
  const policies = await policiesByNumber(
    ctx,
    items.map((i) => i.record.policyNumber),
  );
  const agentCodes = items
    .filter((i) => i.record.changeKind === 'agent_change' && i.record.newValue)
    .map((i) => i.record.newValue!);
  const consultants = await consultantsByCode(ctx, agentCodes);
  const mismatches: MismatchInput[] = [];
  // Amendments of one policy apply in the order they took effect, whatever order the file lists them.
  const ordered = [...items].sort(
    (x, y) => x.record.effectiveOn.localeCompare(y.record.effectiveOn) || x.rowNo - y.rowNo,
  );
  for (const { rowNo, record } of ordered) {
    const policy = policies.get(record.policyNumber);
    if (!policy) {
      outcome.problems.push({
        rowNo,
        field: 'policyNumber',
        kind: 'reference',
        message: `amendment ${record.amendmentNo} refers to policy ${record.policyNumber}, which the hub does not know`,
      });
      mismatches.push({
        kind: 'unknown_policy',
        policyNumber: record.policyNumber,
        details: `amendment ${record.amendmentNo} (${record.changeKind}, effective ${record.effectiveOn}) for an unknown policy`,
        rowNo,
        identity: `${record.policyNumber}:amendment:${record.amendmentNo}`,
      });
      continue;
    }
    const already = await ctx.trx
      .selectFrom('amendment')
      .select('id')
      .where('policy_id', '=', policy.id)
      .where('amendment_no', '=', record.amendmentNo)
      .executeTakeFirst();
    if (already) {
      outcome.unchanged++;
      continue;
    }
    let consultantId: number | null = null;
    if (record.changeKind === 'agent_change') {
      consultantId = consultants.get(record.newValue ?? '') ?? null;
      if (consultantId === null) {
        mismatches.push({
          kind: 'consultant_code_unknown',
          policyNumber: record.policyNumber,
          policyId: policy.id,
          field: 'agent_code',
          insurerValue: record.newValue,
          details: `amendment ${record.amendmentNo} moves policy ${record.policyNumber} to consultant code ${record.newValue}, unknown to the hub`,
          rowNo,
          identity: `${record.policyNumber}:${record.newValue}`,
        });
      }
    }
    const amendmentId = await insertAmendment(ctx, {
      policy_id: policy.id,
      amendment_no: record.amendmentNo,
      signed_on: record.signedOn,
      effective_on: record.effectiveOn,
      change_kind: record.changeKind,
      new_value: record.newValue,
      details: ctx.dialect.json({
        sumInsuredKop: record.sumInsuredKop,
        annualPremiumKop: record.annualPremiumKop,
        rowNo,
      }),
      source_message_id: ctx.messageId,
      recorded_at: ctx.recordedAt,
    });
    const versions = (await versionsOf(ctx, [policy.id])).get(policy.id) ?? [];
    if (!versions.length) continue;
    const highest = new Map([[policy.id, Math.max(...versions.map((v) => v.version_no))]]);
    const base = versionInForce(versions, record.effectiveOn) ?? versions[0];
    const fresh: NewVersion[] = [
      {
        policyId: policy.id,
        validFrom: record.effectiveOn,
        facts: applyChange(factsOf(base), record, consultantId),
        amendmentId,
      },
    ];
    // Later states already recorded are corrected too, so the change holds from its day onwards.
    const laterDays = [
      ...new Set(versions.filter((v) => v.valid_from > record.effectiveOn).map((v) => v.valid_from)),
    ].sort();
    for (const day of laterDays) {
      const inForce = versionInForce(versions, day)!;
      fresh.push({
        policyId: policy.id,
        validFrom: day,
        facts: applyChange(factsOf(inForce), record, consultantId),
        amendmentId,
      });
    }
    await insertVersions(ctx, fresh, highest);
    outcome.applied++;
    if (AFFECTS_REMUNERATION.has(record.changeKind)) {
      outcome.recalculationsRequested += await requestRecalculation(ctx, {
        effectiveOn: record.effectiveOn,
        causeKind: record.changeKind === 'agent_change' ? 'agent_change' : 'amendment',
        causeRef: `amendment:${amendmentId}`,
        description: `${ctx.insurerCode} amendment ${record.amendmentNo} to policy ${record.policyNumber}: ${record.changeKind}${
          record.newValue ? ` → ${record.newValue}` : ''
        }, effective ${record.effectiveOn}`,
      });
    }
  }
  outcome.mismatchesRaised += await raiseMismatches(ctx, mismatches);
  return outcome;
}
