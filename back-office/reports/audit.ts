/**
 * The audit log made readable: who changed what, when, from what to what and why, newest first,
 * filtered by the kind of thing and its id, the author and a date range, a page at a time.
 */
import type { Kysely } from 'kysely';
import type { Database, DB } from '../../src/db';

export interface AuditQuery {
  entityKind?: string;
  entityId?: string;
  actor?: string;
  /** First day, yyyy-mm-dd (UTC). */
  from?: string;
  /** Last day, yyyy-mm-dd (UTC), included. */
  to?: string;
  offset?: number;
  limit?: number;
}

export interface AuditRecord {
  id: number;
  occurredAt: string;
  actor: string;
  action: string;
  entityKind: string;
  entityId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

const parsed = (value: unknown): unknown => {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

export async function listAudit(
  database: Database,
  query: AuditQuery = {},
): Promise<{ total: number; offset: number; items: AuditRecord[] }> {
  const db = database.db as Kysely<DB>;
  let q = db.selectFrom('audit_log');
  if (query.entityKind) q = q.where('entity_kind', '=', query.entityKind);
  if (query.entityId) q = q.where('entity_id', '=', query.entityId);
  if (query.actor) q = q.where('actor', '=', query.actor);
  if (query.from) q = q.where('occurred_at', '>=', new Date(`${query.from}T00:00:00Z`));
  if (query.to) {
    const next = new Date(`${query.to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    q = q.where('occurred_at', '<', next);
  }
  const offset = query.offset ?? 0;
  const [count, rows] = await Promise.all([
    q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    q
      .selectAll()
      .orderBy('occurred_at', 'desc')
      .orderBy('id', 'desc')
      .offset(offset)
      .fetch(query.limit ?? 50)
      .execute(),
  ]);
  return {
    total: Number(count.n),
    offset,
    items: rows.map((r) => ({
      id: Number(r.id),
      occurredAt: new Date(r.occurred_at).toISOString(),
      actor: r.actor,
      action: r.action,
      entityKind: r.entity_kind,
      entityId: r.entity_id,
      before: parsed(r.before_state),
      after: parsed(r.after_state),
      reason: r.reason,
    })),
  };
}
