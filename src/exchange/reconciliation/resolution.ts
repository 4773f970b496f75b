/**
 * Closing mismatches with what a person decided, one or many at once, all or none. Each move is a
 * checked transition made in the update itself (`where status = 'open'`), so of two people resolving
 * the same mismatch at once exactly one succeeds and the other is refused (409); what the decision
 * changes in the core (a policy's new version, an application linked, a consultant set) goes through
 * the owning module's service in the same transaction, and the decision goes to the mismatch's trail
 * (the audit log) with the person's comment.
 */
import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit';
import type { Database, DB, MismatchTable } from '../../db';
import { decimalFromKopiyky, kopiykyFromDecimal } from '../../db';
import {
  insertPolicyVersions,
  linkPolicyToApplication,
  recordApplicationOutcome,
} from '../../policy-records';
import { addAgentCodeAlias } from './aliases';
import { MismatchResolutionError } from './errors';

export { MismatchResolutionError };
import { draftLetter, type LetterDraft } from './letter';

export type MismatchStatus = MismatchTable['status'];

/** The moves a mismatch may make; a closed mismatch stays closed. */
export const MISMATCH_TRANSITIONS: Readonly<Record<MismatchStatus, readonly MismatchStatus[]>> = {
  open: ['resolved', 'ignored'],
  resolved: [],
  ignored: [],
};

/** What a person may do with an open mismatch. */
export const MISMATCH_ACTIONS = [
  'accept_insurer',
  'keep_ours',
  'link_application',
  'link_consultant',
  'add_alias',
  'ignore',
  // Closed with words only (the earlier `status: resolved` of the API).
  'resolve',
] as const;
export type MismatchAction = (typeof MISMATCH_ACTIONS)[number];

export interface ResolutionRequest {
  action: MismatchAction;
  /** Why, in the person's words (kept in the trail). */
  comment: string;
  /** Who decided. */
  by: string;
  /** link_application: the application (our number) the policy came from. */
  applicationNumber?: string;
  /** link_consultant, add_alias: our consultant's code. */
  consultantCode?: string;
}

export interface ResolutionResult {
  id: number;
  status: 'resolved' | 'ignored';
  action: MismatchAction;
  /** What changed in the core, in words. */
  changes: string[];
  /** keep_ours: the letter to the insurer a person can send through correspondence. */
  letter: LetterDraft | null;
}

/** The earlier single decision (status and words), kept for callers that close with words only. */
export interface MismatchDecision {
  status: 'resolved' | 'ignored';
  resolution: string;
  by: string;
}

type Row = Awaited<ReturnType<typeof loadRow>>;

async function loadRow(trx: Kysely<DB>, id: number) {
  return trx
    .selectFrom('mismatch as m')
    .innerJoin('insurer as i', 'i.id', 'm.insurer_id')
    .selectAll('m')
    .select(['i.code as insurer_code', 'i.name as insurer_name'])
    .where('m.id', '=', id)
    .executeTakeFirst();
}

/** Policy facts an insurer's value can replace (a new version from the day of the decision). */
const VERSION_FIELDS: Record<string, 'status' | 'annual_premium' | 'sum_insured' | 'payment_frequency'> = {
  status: 'status',
  annual_premium: 'annual_premium',
  premium: 'annual_premium',
  sum_insured: 'sum_insured',
  payment_frequency: 'payment_frequency',
};

async function newVersion(
  trx: Kysely<DB>,
  database: Database,
  policyId: number,
  at: Date,
  change: Partial<{
    status: string;
    annual_premium: string;
    sum_insured: string;
    payment_frequency: number;
    consultant_id: number;
    agent_code: string;
  }>,
): Promise<void> {
  const latest = await trx
    .selectFrom('policy_version')
    .selectAll()
    .where('policy_id', '=', policyId)
    .orderBy('version_no', 'desc')
    .executeTakeFirst();
  if (!latest) throw new MismatchResolutionError(`policy ${policyId} has no version to change`, 409);
  const day = at.toISOString().slice(0, 10);
  const { id: _id, ...rest } = latest;
  void _id;
  await insertPolicyVersions({ trx, dialect: database.dialect }, [
    {
      ...rest,
      ...(change as object),
      version_no: Number(latest.version_no) + 1,
      valid_from: day > latest.valid_from ? day : latest.valid_from,
      recorded_at: at,
      amendment_id: null,
      source_message_id: null,
    } as never,
  ]);
}

async function consultantByCode(
  trx: Kysely<DB>,
  code: string | undefined,
): Promise<{ id: number; code: string }> {
  if (!code) throw new MismatchResolutionError('say which consultant (consultantCode)', 400);
  const row = await trx
    .selectFrom('consultant')
    .select(['id', 'code'])
    .where('code', '=', code)
    .executeTakeFirst();
  if (!row) throw new MismatchResolutionError(`no consultant ${code}`, 404);
  return { id: Number(row.id), code: row.code };
}

/** What one decision does to one mismatch, in the transaction; answers the changes in words. */
async function apply(
  trx: Kysely<DB>,
  database: Database,
  m: NonNullable<Row>,
  request: ResolutionRequest,
  at: Date,
): Promise<{ changes: string[]; letter: LetterDraft | null; applicationId?: number; consultantId?: number }> {
  const policyId = m.policy_id === null ? null : Number(m.policy_id);
  const changes: string[] = [];
  switch (request.action) {
    case 'accept_insurer': {
      const field = m.field ? VERSION_FIELDS[m.field] : undefined;
      if (policyId !== null && field && m.insurer_value !== null && m.kind !== 'commission_rate_differs') {
        const value =
          field === 'payment_frequency'
            ? Number(m.insurer_value)
            : field === 'status'
              ? m.insurer_value
              : decimalFromKopiyky(kopiykyFromDecimal(m.insurer_value));
        await newVersion(trx, database, policyId, at, { [field]: value });
        changes.push(
          `policy ${m.policy_number}: ${field} is now ${m.insurer_value} (was ${m.our_value ?? 'unknown'})`,
        );
      } else if (policyId !== null && m.kind === 'application_rejected_but_issued') {
        const application = await trx
          .selectFrom('application')
          .select(['id', 'number'])
          .where('insurer_id', '=', m.insurer_id)
          .where('number', '=', (m.our_value ?? '').replace(/^application (\S+).*$/, '$1'))
          .executeTakeFirst();
        if (application) {
          await linkPolicyToApplication({ trx, dialect: database.dialect }, policyId, Number(application.id));
          changes.push(`policy ${m.policy_number} is linked to application ${application.number} as issued`);
          return { changes, letter: null, applicationId: Number(application.id) };
        }
      } else {
        changes.push(`${m.insurer_code}'s value ${m.insurer_value ?? ''} is accepted as it stands`);
      }
      return { changes, letter: null };
    }
    case 'keep_ours':
      return { changes: [`our value ${m.our_value ?? ''} is kept`], letter: draftLetter(m) };
    case 'link_application': {
      if (!request.applicationNumber)
        throw new MismatchResolutionError('say which application (applicationNumber)', 400);
      const application = await trx
        .selectFrom('application')
        .select(['id', 'number', 'status', 'policy_id'])
        .where('insurer_id', '=', m.insurer_id)
        .where('number', '=', request.applicationNumber)
        .executeTakeFirst();
      if (!application)
        throw new MismatchResolutionError(
          `no application ${request.applicationNumber} to ${m.insurer_code}`,
          404,
        );
      const applicationId = Number(application.id);
      if (policyId !== null) {
        await linkPolicyToApplication({ trx, dialect: database.dialect }, policyId, applicationId);
        if (application.policy_id === null && application.status !== 'rejected')
          await recordApplicationOutcome(
            { trx, dialect: database.dialect },
            applicationId,
            { status: 'issued', policyId },
            at,
          );
        changes.push(`policy ${m.policy_number} is linked to application ${application.number}`);
      } else changes.push(`linked to application ${application.number}`);
      return { changes, letter: null, applicationId };
    }
    case 'link_consultant':
    case 'add_alias': {
      const consultant = await consultantByCode(trx, request.consultantCode);
      if (request.action === 'add_alias') {
        const code = m.kind === 'consultant_code_unknown' ? m.insurer_value : null;
        if (!code)
          throw new MismatchResolutionError('an alias is added from an unknown consultant code', 400);
        await addAgentCodeAlias(trx, database, {
          insurerId: Number(m.insurer_id),
          agentCode: code,
          consultantId: consultant.id,
          by: request.by,
          at,
          mismatchId: Number(m.id),
        });
        changes.push(`${m.insurer_code}'s agent code ${code} now means consultant ${consultant.code}`);
      }
      if (policyId !== null) {
        await newVersion(trx, database, policyId, at, { consultant_id: consultant.id });
        changes.push(`policy ${m.policy_number} is now consultant ${consultant.code}'s`);
      }
      return { changes, letter: null, consultantId: consultant.id };
    }
    case 'ignore':
    case 'resolve':
      return { changes, letter: null };
  }
}

/**
 * Resolves the mismatches with one decision, all or none: one that is not open, or a decision that
 * cannot be carried out for one of them, refuses the whole request and changes nothing.
 */
export async function resolveMismatches(
  database: Database,
  ids: number[],
  request: ResolutionRequest,
  at: Date = new Date(),
): Promise<ResolutionResult[]> {
  const unique = [...new Set(ids)];
  const status: 'resolved' | 'ignored' = request.action === 'ignore' ? 'ignored' : 'resolved';
  return database.db.transaction().execute(async (trx) => {
    const results: ResolutionResult[] = [];
    for (const id of unique) {
      // Claim first: of two people at once, the second waits for the first and then finds it closed.
      const claimed = await trx
        .updateTable('mismatch')
        .set({
          status,
          action: request.action,
          resolution: request.comment.slice(0, 2000),
          resolved_by: request.by,
          resolved_at: at,
        })
        .where('id', '=', id)
        .where('status', 'in', ['open'])
        .executeTakeFirst();
      const row = await loadRow(trx, id);
      if (!row) throw new MismatchResolutionError(`no mismatch ${id}`, 404);
      if (Number(claimed.numUpdatedRows) !== 1)
        throw new MismatchResolutionError(
          `mismatch ${id} is already ${row.status}${row.resolved_by ? ` by ${row.resolved_by}` : ''}`,
          409,
        );
      const done = await apply(trx, database, row, request, at);
      if (done.applicationId !== undefined || done.consultantId !== undefined)
        await trx
          .updateTable('mismatch')
          .set({
            ...(done.applicationId !== undefined ? { application_id: done.applicationId } : {}),
            ...(done.consultantId !== undefined ? { consultant_id: done.consultantId } : {}),
          })
          .where('id', '=', id)
          .execute();
      await recordAudit(trx, database, {
        at,
        actor: request.by,
        action:
          request.action === 'resolve'
            ? 'mismatch.resolved'
            : request.action === 'ignore'
              ? 'mismatch.ignored'
              : `mismatch.${request.action}`,
        entityKind: 'mismatch',
        entityId: String(id),
        before: { status: 'open', insurerValue: row.insurer_value, ourValue: row.our_value },
        after: { status, action: request.action, changes: done.changes },
        reason: request.comment.slice(0, 1000),
      });
      results.push({ id, status, action: request.action, changes: done.changes, letter: done.letter });
    }
    return results;
  });
}

/** Closes one mismatch with words only (resolved) or ignores it; see resolveMismatches. */
export async function resolveMismatch(
  database: Database,
  mismatchId: number,
  decision: MismatchDecision,
  at: Date = new Date(),
): Promise<void> {
  await resolveMismatches(
    database,
    [mismatchId],
    {
      action: decision.status === 'ignored' ? 'ignore' : 'resolve',
      comment: decision.resolution,
      by: decision.by,
    },
    at,
  );
}

/** The letter to the insurer about one mismatch (keeping our value), drafted again on demand. */
export async function letterFor(database: Database, id: number): Promise<LetterDraft | null> {
  const row = await loadRow(database.db, id);
  return row ? draftLetter(row) : null;
}
