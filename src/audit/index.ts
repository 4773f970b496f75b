/**
 * The audit trail: who changed what, when, from what to what, and why. The one writer of audit_log:
 * the network, policies, catalogue and compensation modules, users and credentials (src/auth) and the
 * exchange's mismatch review all record their changes here. It sits in the core layer so that the
 * exchange, which may not import the back office, can use it too.
 */
import type { Kysely } from 'kysely';
import type { DB, SqlDialect } from '../db';

export interface AuditEntry {
  /** Who made the change: a login, or system:<what> for the hub itself. */
  actor: string;
  /** What was done, e.g. consultant.hired or mismatch.resolved. */
  action: string;
  /** What kind of thing changed (consultant, unit, mismatch, user …) and which one. */
  entityKind: string;
  entityId: string;
  /** The state before and after, as JSON. */
  before: unknown;
  after: unknown;
  /** Why, in the person's words. */
  reason: string | null;
  at?: Date;
}

/** Appends one entry, in the caller's transaction (`trx`); `database` gives the dialect's JSON. */
export async function recordAudit<D extends DB>(
  trx: Kysely<D>,
  database: { dialect: SqlDialect },
  entry: AuditEntry,
): Promise<void> {
  await (trx as unknown as Kysely<DB>)
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
