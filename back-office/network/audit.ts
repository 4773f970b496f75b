/** The audit trail: who changed what, when, from what to what, and why. */
import type { Kysely } from 'kysely';
import type { Database, DB } from '../../src/db';

export interface AuditEntry {
  actor: string;
  action: string;
  entityKind: string;
  entityId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  at?: Date;
}

export async function recordAudit(trx: Kysely<DB>, database: Database, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      occurred_at: entry.at ?? new Date(),
      actor: entry.actor,
      action: entry.action,
      entity_kind: entry.entityKind,
      entity_id: entry.entityId,
      before_state: database.dialect.json(entry.before),
      after_state: database.dialect.json(entry.after),
      reason: entry.reason,
    })
    .execute();
}
