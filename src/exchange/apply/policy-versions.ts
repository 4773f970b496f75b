/** Building policy versions: the facts a version holds, comparing them, and writing a new one. */
import { decimalFromKopiyky, kopiykyFromDecimal, type PolicyStatus } from '../../db';
import { insertPolicyVersions } from '../../policy-records';
import type { ApplyContext } from './context';
import type { VersionRow } from './lookups';

/** The facts of a policy version that a change can touch. */
export interface VersionFacts {
  consultant_id: number | null;
  agent_code: string;
  policyholder_id: number;
  insured_person_id: number | null;
  issued_on: string;
  cover_start: string;
  cover_end: string;
  sum_insured: string;
  annual_premium: string;
  payment_frequency: number;
  status: PolicyStatus;
  status_date: string;
}

const FACT_KEYS: (keyof VersionFacts)[] = [
  'consultant_id',
  'agent_code',
  'policyholder_id',
  'insured_person_id',
  'issued_on',
  'cover_start',
  'cover_end',
  'sum_insured',
  'annual_premium',
  'payment_frequency',
  'status',
  'status_date',
];

/** Money columns come back as '650000.00'; compare them as amounts, not text. */
function same(key: keyof VersionFacts, a: unknown, b: unknown): boolean {
  if (key === 'sum_insured' || key === 'annual_premium')
    return kopiykyFromDecimal(String(a)) === kopiykyFromDecimal(String(b));
  if (
    key === 'consultant_id' ||
    key === 'policyholder_id' ||
    key === 'insured_person_id' ||
    key === 'payment_frequency'
  ) {
    return (a === null ? null : Number(a)) === (b === null ? null : Number(b));
  }
  return a === b;
}

export function factsOf(version: VersionRow): VersionFacts {
  const facts = {} as Record<string, unknown>;
  for (const key of FACT_KEYS) facts[key] = version[key];
  return facts as unknown as VersionFacts;
}

/** Names of the facts that differ, for explanations ("sum_insured, status"). */
export function changedFacts(before: VersionFacts, after: VersionFacts): (keyof VersionFacts)[] {
  return FACT_KEYS.filter((key) => !same(key, before[key], after[key]));
}

export function moneyText(kopiyky: number): string {
  return decimalFromKopiyky(kopiyky);
}

export interface NewVersion {
  policyId: number;
  validFrom: string;
  facts: VersionFacts;
  amendmentId: number | null;
}

/** Writes versions, numbering each after the policy's highest version so far. */
export async function insertVersions(
  ctx: ApplyContext,
  versions: NewVersion[],
  highest: Map<number, number>,
): Promise<void> {
  if (!versions.length) return;
  const rows = versions.map((v) => {
    const versionNo = (highest.get(v.policyId) ?? 0) + 1;
    highest.set(v.policyId, versionNo);
    return {
      policy_id: v.policyId,
      version_no: versionNo,
      valid_from: v.validFrom,
      recorded_at: ctx.recordedAt,
      ...v.facts,
      amendment_id: v.amendmentId,
      source_message_id: ctx.messageId,
    };
  });
  await insertPolicyVersions(ctx, rows);
}
