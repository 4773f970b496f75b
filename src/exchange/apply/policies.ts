/**
 * Contracts (policies) in their latest state as the insurer reports them. A new policy gets its
 * first version; a known one gets a new version only when a fact changed, so a re-delivered file
 * changes nothing. Unknown agent codes and policies issued on rejected applications are mismatches
 * for review; the policy itself is still kept.
 */
import { decimalFromKopiyky } from '../../db';
import type { CanonicalPolicy } from '../canonical';
import { applyAmendments } from './amendments';
import {
  type ApplyContext,
  type ApplyOutcome,
  chunks,
  emptyOutcome,
  inList,
  type Located,
  LOOKUP_BATCH,
  mergeOutcomes,
} from './context';
import {
  consultantsByCode,
  knowledgeTimes,
  policiesByNumber,
  productsOf,
  versionInForce,
  versionsOf,
  type VersionRow,
} from './lookups';
import { changedFacts, factsOf, insertVersions, type NewVersion, type VersionFacts } from './policy-versions';
import {
  type MismatchClearing,
  type MismatchInput,
  raiseMismatches,
  reconciliationConfig,
} from '../reconciliation';
import { requestRecalculation } from './recalculation';
import { ensurePersons, insertPolicies, personKey, recordApplicationOutcome } from '../../policy-records';

const CHUNK = LOOKUP_BATCH;

/** Facts whose change alters what consultants earn. */
const REMUNERATION_FACTS = new Set<keyof VersionFacts>([
  'consultant_id',
  'agent_code',
  'sum_insured',
  'annual_premium',
  'payment_frequency',
  'status',
]);

function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export async function applyPolicies(
  ctx: ApplyContext,
  items: Located<CanonicalPolicy>[],
): Promise<ApplyOutcome> {
  let outcome = emptyOutcome();
  for (const part of chunks(items, CHUNK)) outcome = mergeOutcomes(outcome, await applyChunk(ctx, part));
  return outcome;
}

async function applyChunk(ctx: ApplyContext, items: Located<CanonicalPolicy>[]): Promise<ApplyOutcome> {
  const outcome = emptyOutcome();
  const mismatches: MismatchInput[] = [];
  const cleared: MismatchClearing[] = [];
  const requireApplication = reconciliationConfig(ctx.insurerCode).requireApplication === true;
  const products = await productsOf(ctx);
  const usable = items.filter(({ rowNo, record }) => {
    if (products.has(record.productCode)) return true;
    outcome.problems.push({
      rowNo,
      field: 'productCode',
      kind: 'reference',
      message: `policy ${record.policyNumber}: product ${record.productCode} is not among ${ctx.insurerCode}'s products`,
    });
    return false;
  });
  const consultants = await consultantsByCode(
    ctx,
    usable.map((i) => i.record.agentCode),
  );
  const persons = await ensurePersons(
    ctx,
    usable.flatMap((i) =>
      i.record.insured ? [i.record.policyholder, i.record.insured] : [i.record.policyholder],
    ),
    ctx.recordedAt,
  );
  const applicationNumbers = usable.map((i) => i.record.applicationNumber).filter((n): n is string => !!n);
  const applications = new Map<string, { id: number; status: string; policy_id: number | null }>();
  for (const part of chunks([...new Set(applicationNumbers)], LOOKUP_BATCH)) {
    const rows = await ctx.trx
      .selectFrom('application')
      .select(['id', 'number', 'status', 'policy_id'])
      .where('insurer_id', '=', ctx.insurerId)
      .where((eb) => inList(eb, 'number', part))
      .execute();
    for (const r of rows)
      applications.set(r.number, { id: Number(r.id), status: r.status, policy_id: r.policy_id });
  }

  // New policies first, in one insert, then their ids by number.
  const known = await policiesByNumber(
    ctx,
    usable.map((i) => i.record.policyNumber),
  );
  const newOnes = new Map<string, Located<CanonicalPolicy>>();
  for (const item of usable)
    if (!known.has(item.record.policyNumber)) newOnes.set(item.record.policyNumber, item);
  if (newOnes.size) {
    await insertPolicies(
      ctx,
      [...newOnes.values()].map(({ record }) => ({
        insurer_id: ctx.insurerId,
        number: record.policyNumber,
        product_id: products.get(record.productCode)!.id,
        application_id: record.applicationNumber
          ? (applications.get(record.applicationNumber)?.id ?? null)
          : null,
        created_at: ctx.recordedAt,
      })),
    );
  }
  const policies = newOnes.size
    ? await policiesByNumber(
        ctx,
        usable.map((i) => i.record.policyNumber),
      )
    : known;
  const versions = await versionsOf(
    ctx,
    [...known.values()].map((p) => p.id),
  );
  const knowledge = await knowledgeTimes(
    ctx.trx,
    [...versions.values()]
      .flat()
      .flatMap((v) => (v.source_message_id === null ? [] : [Number(v.source_message_id)])),
  );
  const highest = new Map<number, number>();
  for (const [policyId, list] of versions) highest.set(policyId, Math.max(...list.map((v) => v.version_no)));

  const fresh: NewVersion[] = [];
  const embedded: Located<CanonicalPolicy>[] = [];
  const statusChecks: { item: Located<CanonicalPolicy>; policyId: number }[] = [];
  for (const item of usable) {
    const { rowNo, record } = item;
    const policyId = policies.get(record.policyNumber)!.id;
    const existing = versions.get(policyId);
    const holderId = persons.get(personKey(record.policyholder))!;
    // A policy number we hold under another policyholder is not taken over: a person decides.
    const ourHolder = existing?.length
      ? Number(versionInForce(existing, '9999-12-31')!.policyholder_id)
      : null;
    if (ourHolder !== null && ourHolder !== holderId) {
      const ours = await ctx.trx
        .selectFrom('person')
        .select(['full_name', 'tax_number'])
        .where('id', '=', ourHolder)
        .executeTakeFirstOrThrow();
      const theirs = `${record.policyholder.fullName}${record.policyholder.taxNumber ? ` (${record.policyholder.taxNumber})` : ''}`;
      const held = `${ours.full_name}${ours.tax_number ? ` (${ours.tax_number})` : ''}`;
      outcome.problems.push({
        rowNo,
        field: 'policyholder',
        kind: 'reference',
        message: `policy ${record.policyNumber} is held by ${held}; this row names ${theirs} as its policyholder, so it is not applied until someone checks who holds the policy`,
      });
      mismatches.push({
        kind: 'other',
        policyNumber: record.policyNumber,
        policyId,
        field: 'policyholder',
        insurerValue: theirs.slice(0, 500),
        ourValue: held.slice(0, 500),
        details: `${ctx.insurerCode} sends policy ${record.policyNumber} under policyholder ${theirs}; the hub holds it under ${held}`,
        rowNo,
        identity: `${record.policyNumber}:policyholder:${record.policyholder.taxNumber ?? record.policyholder.fullName}`,
      });
      continue;
    }
    const consultantId = consultants.get(record.agentCode) ?? null;
    if (consultantId === null) {
      mismatches.push({
        kind: 'consultant_code_unknown',
        policyNumber: record.policyNumber,
        policyId,
        field: 'agent_code',
        insurerValue: record.agentCode,
        ourValue: null,
        details: `policy ${record.policyNumber} names consultant code ${record.agentCode}, which the hub does not know; the policy is kept without a consultant until someone decides`,
        rowNo,
        identity: `${record.policyNumber}:${record.agentCode}`,
      });
    } else cleared.push({ kind: 'consultant_code_unknown', identityPrefix: `${record.policyNumber}:` });
    const hasEndorsements = record.amendments.length > 0;
    const facts: VersionFacts = {
      consultant_id: consultantId,
      agent_code: record.agentCode,
      policyholder_id: holderId,
      insured_person_id: record.insured ? persons.get(personKey(record.insured))! : null,
      issued_on: record.issuedOn,
      cover_start: record.coverStart,
      cover_end: record.coverEnd,
      sum_insured: decimalFromKopiyky(record.sumInsuredKop),
      annual_premium: decimalFromKopiyky(record.annualPremiumKop),
      payment_frequency: record.paymentFrequency,
      // With endorsements sent inside the policy, the first version is the policy as issued and the
      // endorsements bring it to its present status.
      status: hasEndorsements ? 'in_force' : record.status,
      status_date: hasEndorsements ? record.coverStart : record.statusDate,
    };
    if (!existing?.length) {
      const validFrom = record.issuedOn < record.coverStart ? record.issuedOn : record.coverStart;
      fresh.push({ policyId, validFrom, facts, amendmentId: null });
      outcome.applied++;
    } else if (hasEndorsements) {
      outcome.unchanged++;
    } else {
      // Effective-dated: the file says how the policy stood when the insurer sent it. Versions known
      // from later messages (a later amendment, when an older message is replayed) are not
      // overwritten; the file is compared with what was known when it was sent.
      const knownAt = ctx.knownAt ?? ctx.recordedAt;
      const isLater = (v: VersionRow) =>
        v.source_message_id !== null &&
        (knowledge.get(Number(v.source_message_id)) ?? knownAt).getTime() > knownAt.getTime();
      const laterKnown = existing.filter(isLater);
      const earlierKnown = existing.filter((v) => !isLater(v));
      const latest = versionInForce(earlierKnown.length ? earlierKnown : existing, '9999-12-31')!;
      const changed = changedFacts(factsOf(latest), facts);
      const statusChanged = changed.includes('status');
      let validFrom = statusChanged ? record.statusDate : isoDay(knownAt);
      if (validFrom < latest.valid_from) validFrom = latest.valid_from;
      if (!changed.length || laterKnown.some((v) => v.valid_from <= validFrom)) {
        // Nothing new, or news older than what later messages already told from that day on.
        outcome.unchanged++;
      } else {
        fresh.push({ policyId, validFrom, facts, amendmentId: null });
        outcome.applied++;
        if (statusChanged && (record.status === 'terminated' || record.status === 'cancelled')) {
          outcome.recalculationsRequested += await requestRecalculation(ctx, {
            effectiveOn: record.statusDate,
            causeKind: 'policy_status',
            causeRef: `policy:${policyId}:status:${record.status}:${record.statusDate}`,
            description: `${ctx.insurerCode} reports policy ${record.policyNumber} ${record.status} from ${record.statusDate}`,
          });
        } else if (changed.some((key) => REMUNERATION_FACTS.has(key))) {
          // A change dated in a calculated or closed period rewrites its history: recalculate it.
          outcome.recalculationsRequested += await requestRecalculation(ctx, {
            effectiveOn: validFrom,
            causeKind: 'policy_change',
            causeRef: `policy:${policyId}:change:${validFrom}:${changed.join(',')}`.slice(0, 200),
            description: `${ctx.insurerCode} reports policy ${record.policyNumber} changed (${changed.join(', ')}) from ${validFrom}`,
          });
        }
      }
    }
    if (hasEndorsements) {
      embedded.push(item);
      statusChecks.push({ item, policyId });
    }
    const cited = record.applicationNumber ? applications.get(record.applicationNumber) : undefined;
    if (cited)
      cleared.push({
        kind: 'contract_without_application',
        identityPrefix: `${record.policyNumber}:application`,
      });
    if (cited?.policy_id === null || cited?.policy_id === policyId)
      cleared.push({
        kind: 'accepted_no_contract',
        identityPrefix: `application:${record.applicationNumber}:`,
      });
    if (!cited && (record.applicationNumber || requireApplication)) {
      mismatches.push({
        kind: 'contract_without_application',
        policyNumber: record.policyNumber,
        policyId,
        field: 'application',
        insurerValue: record.applicationNumber ? `application ${record.applicationNumber}` : 'no application',
        ourValue: null,
        details: record.applicationNumber
          ? `policy ${record.policyNumber} cites application ${record.applicationNumber}, which the hub does not hold for ${ctx.insurerCode}: link it to the right application`
          : `policy ${record.policyNumber} came with no application: link it to one, or keep it as sold without one`,
        rowNo,
        identity: `${record.policyNumber}:application`,
      });
    }
    if (record.applicationNumber) {
      const application = applications.get(record.applicationNumber);
      if (application?.status === 'rejected') {
        mismatches.push({
          kind: 'application_rejected_but_issued',
          policyNumber: record.policyNumber,
          policyId,
          field: 'application',
          insurerValue: `issued as ${record.policyNumber}`,
          ourValue: `application ${record.applicationNumber} rejected`,
          details: `policy ${record.policyNumber} cites application ${record.applicationNumber}, which ${ctx.insurerCode} rejected earlier: check whether the consultant's client accepted the changed terms`,
          rowNo,
          identity: `${record.policyNumber}:${record.applicationNumber}`,
        });
      } else if (application && application.policy_id === null) {
        await recordApplicationOutcome(ctx, application.id, { status: 'issued', policyId }, ctx.recordedAt);
        await ctx.trx
          .updateTable('application_register_item')
          .set({ status: 'issued', policy_number: record.policyNumber, answered_at: ctx.recordedAt })
          .where('application_id', '=', application.id)
          .where('status', 'in', ['sent', 'accepted'])
          .execute();
        application.policy_id = policyId;
      }
    }
  }
  await insertVersions(ctx, fresh, highest);

  // Endorsements inside policies (Karpaty) are amendments like any other.
  let result = outcome;
  if (embedded.length) {
    const endorsementOutcome = await applyAmendments(
      ctx,
      embedded.flatMap(({ rowNo, record }) => record.amendments.map((a) => ({ rowNo, record: a }))),
    );
    result = mergeOutcomes(result, { ...endorsementOutcome, applied: 0, unchanged: 0 });
    // After its endorsements the policy must stand where the insurer says it stands.
    const after = await versionsOf(
      ctx,
      statusChecks.map((s) => s.policyId),
    );
    const corrections: NewVersion[] = [];
    const top = new Map<number, number>();
    for (const { item, policyId } of statusChecks) {
      const list = after.get(policyId) ?? [];
      top.set(policyId, Math.max(...list.map((v) => v.version_no)));
      const latest = versionInForce(list, '9999-12-31')!;
      if (latest.status !== item.record.status) {
        corrections.push({
          policyId,
          validFrom: item.record.statusDate > latest.valid_from ? item.record.statusDate : latest.valid_from,
          facts: { ...factsOf(latest), status: item.record.status, status_date: item.record.statusDate },
          amendmentId: null,
        });
      }
    }
    await insertVersions(ctx, corrections, top);
  }
  result.mismatchesRaised += await raiseMismatches(ctx, mismatches, cleared);
  return result;
}
