/**
 * Mismatches between an insurer's view and ours: raised while a message is applied (idempotent: the
 * same difference found again, by a re-delivery or a replay, is not raised twice), listed for review
 * a page at a time, read one by one.
 */
import type { Kysely } from 'kysely';
import type { Database, DB, MismatchKind, MismatchTable, SqlDialect } from '../../db';
// The exchange's batching for look-ups (Oracle's 1000-item IN lists split within one statement).
import { inList, LOOKUP_BATCH } from '../apply/context';

export interface MismatchInput {
  kind: MismatchKind;
  policyNumber: string | null;
  policyId?: number | null;
  field?: string | null;
  insurerValue?: string | null;
  ourValue?: string | null;
  details: string;
  rowNo?: number | null;
  /** What makes this difference the same difference when it is found again. */
  identity: string;
}

/** Where the differences were found: the message being applied, inside its transaction. */
export interface MismatchSource {
  /** The transaction of the message being applied. */
  trx: Kysely<DB>;
  dialect: SqlDialect;
  insurerId: number;
  insurerCode: string;
  /** The stored message the rows came from (null for a manual entry). */
  messageId: number | null;
  recordedAt: Date;
}

/** Raises the mismatches not raised before; answers how many are new. */
export async function raiseMismatches(ctx: MismatchSource, inputs: MismatchInput[]): Promise<number> {
  if (!inputs.length) return 0;
  const keyed = new Map(inputs.map((m) => [`${ctx.insurerCode}:${m.kind}:${m.identity}`.slice(0, 300), m]));
  const existing = new Set<string>();
  const keys = [...keyed.keys()];
  for (let i = 0; i < keys.length; i += LOOKUP_BATCH) {
    const rows = await ctx.trx
      .selectFrom('mismatch')
      .select('dedupe_key')
      .where((eb) => inList(eb, 'dedupe_key', keys.slice(i, i + LOOKUP_BATCH)))
      .execute();
    for (const r of rows) existing.add(r.dedupe_key);
  }
  const fresh = [...keyed].filter(([key]) => !existing.has(key));
  if (!fresh.length) return 0;
  await ctx.dialect.bulkInsert(
    ctx.trx,
    'mismatch',
    fresh.map(([key, m]) => ({
      insurer_id: ctx.insurerId,
      kind: m.kind,
      policy_number: m.policyNumber,
      policy_id: m.policyId ?? null,
      field: m.field ?? null,
      insurer_value: m.insurerValue ?? null,
      our_value: m.ourValue ?? null,
      details: m.details.slice(0, 2000),
      source_message_id: ctx.messageId,
      source_row: m.rowNo ?? null,
      dedupe_key: key,
      status: 'open' as const,
      resolution: null,
      resolved_by: null,
      resolved_at: null,
      created_at: ctx.recordedAt,
    })),
  );
  return fresh.length;
}

/** A mismatch as a reviewer sees it. */
export interface Mismatch {
  id: number;
  /** The insurer whose data differs from ours. */
  insurerCode: string;
  kind: MismatchKind;
  policyNumber: string | null;
  /** The field that differs, when one does. */
  field: string | null;
  insurerValue: string | null;
  ourValue: string | null;
  details: string | null;
  /** The stored message and row the difference was found in. */
  sourceMessageId: number | null;
  sourceRow: number | null;
  status: MismatchTable['status'];
  /** What was decided, by whom and when, once closed. */
  resolution: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
}

export interface MismatchFilter {
  status?: MismatchTable['status'];
  kind?: string;
  /** The insurer's code. */
  insurerCode?: string;
}

const select = (database: Database) =>
  database.db
    .selectFrom('mismatch as m')
    .innerJoin('insurer as i', 'i.id', 'm.insurer_id')
    .select([
      'm.id',
      'i.code as insurerCode',
      'm.kind',
      'm.policy_number as policyNumber',
      'm.field',
      'm.insurer_value as insurerValue',
      'm.our_value as ourValue',
      'm.details',
      'm.source_message_id as sourceMessageId',
      'm.source_row as sourceRow',
      'm.status',
      'm.resolution',
      'm.resolved_by as resolvedBy',
      'm.resolved_at as resolvedAt',
      'm.created_at as createdAt',
    ]);

type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>;

const toMismatch = (r: Row): Mismatch => ({
  ...r,
  id: Number(r.id),
  sourceMessageId: r.sourceMessageId === null ? null : Number(r.sourceMessageId),
  sourceRow: r.sourceRow === null ? null : Number(r.sourceRow),
  resolvedAt: r.resolvedAt === null ? null : new Date(r.resolvedAt),
  createdAt: new Date(r.createdAt),
});

/** Mismatches for review, newest first, one page at a time. */
export async function listMismatches(
  database: Database,
  filter: MismatchFilter,
  page: { page: number; pageSize: number },
): Promise<{ items: Mismatch[]; total: number }> {
  const apply = <Q extends { where: (...a: any[]) => Q }>(q: Q): Q => {
    let query = q;
    if (filter.status) query = query.where('m.status', '=', filter.status);
    if (filter.kind) query = query.where('m.kind', '=', filter.kind);
    if (filter.insurerCode) query = query.where('i.code', '=', filter.insurerCode);
    return query;
  };
  const rows = await apply(select(database))
    .orderBy('m.created_at', 'desc')
    .orderBy('m.id', 'desc')
    .offset((page.page - 1) * page.pageSize)
    .fetch(page.pageSize)
    .execute();
  const total = await apply(
    database.db
      .selectFrom('mismatch as m')
      .innerJoin('insurer as i', 'i.id', 'm.insurer_id')
      .select((eb) => eb.fn.countAll<number>().as('n')),
  ).executeTakeFirstOrThrow();
  return { items: rows.map(toMismatch), total: Number(total.n) };
}

/** One mismatch, or null when there is none with that id. */
export async function findMismatch(database: Database, id: number): Promise<Mismatch | null> {
  const row = await select(database).where('m.id', '=', id).executeTakeFirst();
  return row ? toMismatch(row) : null;
}
