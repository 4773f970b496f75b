/**
 * What a thread concerns: the subject keys `Договір №<policy number>` and `Заява №<application
 * number>` (Polissia's spec; any insurer writing this way threads the same), and the policy,
 * application and consultant they name, looked up through the core's reads (back-office/policies,
 * back-office/network), never their tables.
 */
import type { Database } from '../../src/db';
import { findConsultantByCode } from '../network';
import { getApplication, getPolicy, PolicyRecordError } from '../policies';

export interface SubjectKey {
  kind: 'policy' | 'application';
  number: string;
  /** `policy:<number>` or `application:<number>`, what threads are matched by. */
  key: string;
}

const NUMBER = String.raw`([\p{L}\p{N}](?:[\p{L}\p{N}/._-]*[\p{L}\p{N}])?)`;
const POLICY = new RegExp(String.raw`Договір\s*№\s*${NUMBER}`, 'u');
const APPLICATION = new RegExp(String.raw`Заява\s*№\s*${NUMBER}`, 'u');

/** The policy or application a subject names (a policy first when it names both), or null. */
export function subjectKey(subject: string): SubjectKey | null {
  const policy = POLICY.exec(subject);
  if (policy) return { kind: 'policy', number: policy[1], key: `policy:${policy[1]}` };
  const application = APPLICATION.exec(subject);
  if (application)
    return { kind: 'application', number: application[1], key: `application:${application[1]}` };
  return null;
}

export interface ThreadLinks {
  policyId: number | null;
  policyNumber: string | null;
  applicationId: number | null;
  applicationNumber: string | null;
  consultantId: number | null;
  consultantCode: string | null;
}

export const NO_LINKS: ThreadLinks = {
  policyId: null,
  policyNumber: null,
  applicationId: null,
  applicationNumber: null,
  consultantId: null,
  consultantCode: null,
};

function missing(error: unknown): boolean {
  return error instanceof PolicyRecordError && error.kind === 'not_found';
}

/** A policy of this insurer by number, with its application and consultant; null when there is none. */
export async function policyLinks(
  database: Database,
  insurerCode: string,
  number: string,
): Promise<ThreadLinks | null> {
  try {
    const card = await getPolicy(database, { insurer: insurerCode, number });
    return {
      policyId: card.id,
      policyNumber: card.number,
      applicationId: card.applicationId,
      applicationNumber: card.applicationNumber,
      consultantId: card.consultant?.id ?? null,
      consultantCode: card.consultant?.code ?? null,
    };
  } catch (error) {
    if (missing(error)) return null;
    throw error;
  }
}

/** An application by number, with its policy and consultant; null when there is none. */
export async function applicationLinks(database: Database, number: string): Promise<ThreadLinks | null> {
  try {
    const card = await getApplication(database, number);
    const consultant = card.consultant ? await consultantLinks(database, card.consultant) : null;
    return {
      policyId: card.policyId,
      policyNumber: null,
      applicationId: card.id,
      applicationNumber: card.number,
      consultantId: consultant?.consultantId ?? null,
      consultantCode: consultant?.consultantCode ?? null,
    };
  } catch (error) {
    if (missing(error)) return null;
    throw error;
  }
}

export async function consultantLinks(
  database: Database,
  code: string,
): Promise<{ consultantId: number; consultantCode: string } | null> {
  const row = await findConsultantByCode(database, code);
  return row ? { consultantId: Number(row.id), consultantCode: row.code } : null;
}

/** What a subject key names, for a thread of this insurer (null insurer: nothing is looked up). */
export async function linksOf(
  database: Database,
  insurerCode: string | null,
  key: SubjectKey | null,
): Promise<ThreadLinks> {
  if (!key || !insurerCode) return NO_LINKS;
  const found =
    key.kind === 'policy'
      ? await policyLinks(database, insurerCode, key.number)
      : await applicationLinks(database, key.number);
  return found ?? NO_LINKS;
}
