/**
 * Agent-code aliases: an insurer's consultant code that means one of our consultants (a typo the
 * insurer keeps making, an old code). Added by a person resolving an unknown-code mismatch; every
 * later import resolves the code through it. Owns the table agent_code_alias.
 */
import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit';
import type { DB, SqlDialect } from '../../db';
import { MismatchResolutionError } from './errors';

export interface NewAlias {
  insurerId: number;
  agentCode: string;
  consultantId: number;
  by: string;
  at: Date;
  mismatchId: number | null;
}

/** Adds an alias; the same code of the same insurer cannot mean two consultants (409). */
export async function addAgentCodeAlias(
  trx: Kysely<DB>,
  database: { dialect: SqlDialect },
  alias: NewAlias,
): Promise<void> {
  const held = await trx
    .selectFrom('agent_code_alias')
    .select(['consultant_id'])
    .where('insurer_id', '=', alias.insurerId)
    .where('agent_code', '=', alias.agentCode)
    .executeTakeFirst();
  if (held) {
    if (Number(held.consultant_id) === alias.consultantId) return;
    throw new MismatchResolutionError(`agent code ${alias.agentCode} already means another consultant`, 409);
  }
  await trx
    .insertInto('agent_code_alias')
    .values({
      insurer_id: alias.insurerId,
      agent_code: alias.agentCode,
      consultant_id: alias.consultantId,
      created_by: alias.by,
      created_at: alias.at,
      mismatch_id: alias.mismatchId,
    })
    .execute();
  await recordAudit(trx, database, {
    at: alias.at,
    actor: alias.by,
    action: 'agent_code_alias.added',
    entityKind: 'agent_code_alias',
    entityId: `${alias.insurerId}:${alias.agentCode}`,
    before: null,
    after: { consultantId: alias.consultantId, mismatchId: alias.mismatchId },
    reason: null,
  });
}

/** The consultants the insurer's aliased codes mean, by code (codes without an alias are absent). */
export async function consultantsByAlias(
  trx: Kysely<DB>,
  insurerId: number,
  codes: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (let i = 0; i < codes.length; i += 1000) {
    const part = codes.slice(i, i + 1000);
    if (!part.length) continue;
    const rows = await trx
      .selectFrom('agent_code_alias')
      .select(['agent_code', 'consultant_id'])
      .where('insurer_id', '=', insurerId)
      .where('agent_code', 'in', part)
      .execute();
    for (const r of rows) found.set(r.agent_code, Number(r.consultant_id));
  }
  return found;
}

/** The aliases of an insurer (or all), for review. */
export async function listAgentCodeAliases(
  db: Kysely<DB>,
  insurerCode?: string,
): Promise<
  { insurerCode: string; agentCode: string; consultantCode: string; createdBy: string; createdAt: Date }[]
> {
  let q = db
    .selectFrom('agent_code_alias as a')
    .innerJoin('insurer as i', 'i.id', 'a.insurer_id')
    .innerJoin('consultant as c', 'c.id', 'a.consultant_id')
    .select([
      'i.code as insurerCode',
      'a.agent_code as agentCode',
      'c.code as consultantCode',
      'a.created_by as createdBy',
      'a.created_at as createdAt',
    ]);
  if (insurerCode) q = q.where('i.code', '=', insurerCode);
  const rows = await q.orderBy('a.id').execute();
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
}
