/**
 * Mismatches between an insurer's view and ours: raised while a message is applied (idempotent: the
 * same difference found again, by a re-delivery or a replay, is not raised twice), listed for review
 * a page at a time, read one by one.
 */
import type { Kysely } from 'kysely';
import type { Database, DB, MismatchKind, MismatchTable, SqlDialect } from '../../db';
// The exchange's batching for look-ups (Oracle's 1000-item IN lists split within one statement).
import { inList, LOOKUP_BATCH } from '../apply/context';
import { recordAudit } from '../../audit';
import { autoRuleFor } from './rules';

export interface MismatchInput {
  kind: MismatchKind;
  policyNumber: string | null;
  policyId?: number | null;
  field?: string | null;
  insurerValue?: string | null;
  ourValue?: string | null;
  details: string;
  rowNo?: number | null;
  /** The application it concerns (accepted_no_contract). */
  applicationId?: number | null;
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

/**
 * Open mismatches a message found no longer true: of this kind, whose identity starts with this
 * prefix (for example the same statement line, now at the agreed rate).
 */
export interface MismatchClearing {
  kind: MismatchKind;
  identityPrefix: string;
}

const keyOf = (insurerCode: string, kind: string, identity: string) =>
  `${insurerCode}:${kind}:${identity}`.slice(0, 300);

/**
 * Raises the mismatches not raised before (an auto-resolution rule of the adapter may settle a new
 * one at once, with its trail), and resolves by itself each open mismatch the message shows is gone
 * (`cleared`), with a trail naming the message. Answers how many are new.
 */
export async function raiseMismatches(
  ctx: MismatchSource,
  inputs: MismatchInput[],
  cleared: MismatchClearing[] = [],
): Promise<number> {
  if (cleared.length) await clearMismatches(ctx, cleared);
  if (!inputs.length) return 0;
  const keyed = new Map(inputs.map((m) => [keyOf(ctx.insurerCode, m.kind, m.identity), m]));
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
  const rules = new Map(fresh.map(([key, m]) => [key, autoRuleFor(ctx.insurerCode, m)]));
  const actor = `system:exchange${ctx.messageId === null ? '' : `:message:${ctx.messageId}`}`;
  await ctx.dialect.bulkInsert(
    ctx.trx,
    'mismatch',
    fresh.map(([key, m]) => {
      const rule = rules.get(key);
      return {
        insurer_id: ctx.insurerId,
        kind: m.kind,
        policy_number: m.policyNumber,
        policy_id: m.policyId ?? null,
        field: m.field ?? null,
        insurer_value: m.insurerValue?.slice(0, 500) ?? null,
        our_value: m.ourValue?.slice(0, 500) ?? null,
        details: m.details.slice(0, 2000),
        source_message_id: ctx.messageId,
        source_row: m.rowNo ?? null,
        dedupe_key: key,
        status: rule ? ('ignored' as const) : ('open' as const),
        resolution: rule ?? null,
        resolved_by: rule ? actor : null,
        resolved_at: rule ? ctx.recordedAt : null,
        created_at: ctx.recordedAt,
        action: rule ? 'auto_rule' : null,
        application_id: m.applicationId ?? null,
        consultant_id: null,
        resolved_by_message_id: null,
      };
    }),
  );
  const settled = fresh.filter(([key]) => rules.get(key));
  if (settled.length) {
    const ids = await idsByKey(
      ctx,
      settled.map(([key]) => key),
    );
    for (const [key] of settled)
      await recordAudit(ctx.trx, ctx, {
        at: ctx.recordedAt,
        actor,
        action: 'mismatch.auto_rule',
        entityKind: 'mismatch',
        entityId: String(ids.get(key)),
        before: { status: 'open' },
        after: { status: 'ignored', action: 'auto_rule' },
        reason: rules.get(key)!.slice(0, 1000),
      });
  }
  return fresh.length;
}

async function idsByKey(ctx: MismatchSource, keys: string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < keys.length; i += LOOKUP_BATCH) {
    const rows = await ctx.trx
      .selectFrom('mismatch')
      .select(['id', 'dedupe_key'])
      .where((eb) => inList(eb, 'dedupe_key', keys.slice(i, i + LOOKUP_BATCH)))
      .execute();
    for (const r of rows) ids.set(r.dedupe_key, Number(r.id));
  }
  return ids;
}

/** Resolves the open mismatches a later message shows are gone, naming that message in the trail. */
async function clearMismatches(ctx: MismatchSource, cleared: MismatchClearing[]): Promise<number> {
  const prefixes = [...new Set(cleared.map((c) => keyOf(ctx.insurerCode, c.kind, c.identityPrefix)))];
  const found: { id: number; dedupe_key: string }[] = [];
  for (let i = 0; i < prefixes.length; i += 200) {
    const part = prefixes.slice(i, i + 200);
    const rows = await ctx.trx
      .selectFrom('mismatch')
      .select(['id', 'dedupe_key'])
      .where('insurer_id', '=', ctx.insurerId)
      .where('status', '=', 'open')
      .where((eb) => eb.or(part.map((p) => eb('dedupe_key', 'like', `${p}%`))))
      .execute();
    // LIKE's _ matches any one character: keep only true prefixes.
    for (const r of rows)
      if (part.some((p) => r.dedupe_key.startsWith(p)))
        found.push({ id: Number(r.id), dedupe_key: r.dedupe_key });
  }
  const by = `system:exchange${ctx.messageId === null ? '' : `:message:${ctx.messageId}`}`;
  const words = `the difference is gone: ${ctx.messageId === null ? 'a later entry' : `message ${ctx.messageId}`} no longer shows it`;
  let n = 0;
  for (const { id } of found) {
    const result = await ctx.trx
      .updateTable('mismatch')
      .set({
        status: 'resolved',
        action: 'cleared',
        resolution: words,
        resolved_by: by,
        resolved_at: ctx.recordedAt,
        resolved_by_message_id: ctx.messageId,
      })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) continue;
    n++;
    await recordAudit(ctx.trx, ctx, {
      at: ctx.recordedAt,
      actor: by,
      action: 'mismatch.cleared',
      entityKind: 'mismatch',
      entityId: String(id),
      before: { status: 'open' },
      after: { status: 'resolved', action: 'cleared', resolvedByMessageId: ctx.messageId },
      reason: words,
    });
  }
  return n;
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
  /** What was done: accept_insurer, keep_ours, link_application, link_consultant, add_alias, ignore, auto_rule, cleared. */
  action: string | null;
  applicationId: number | null;
  consultantId: number | null;
  /** The message whose import removed the difference, when it resolved by itself. */
  resolvedByMessageId: number | null;
}

export interface MismatchFilter {
  status?: MismatchTable['status'];
  kind?: string;
  /** The insurer's code. */
  insurerCode?: string;
  /** The policy number, exactly. */
  policyNumber?: string;
  /** The stored message it was found in. */
  messageId?: number;
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
      'm.action',
      'm.application_id as applicationId',
      'm.consultant_id as consultantId',
      'm.resolved_by_message_id as resolvedByMessageId',
    ]);

type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>;

const toMismatch = (r: Row): Mismatch => ({
  ...r,
  id: Number(r.id),
  sourceMessageId: r.sourceMessageId === null ? null : Number(r.sourceMessageId),
  sourceRow: r.sourceRow === null ? null : Number(r.sourceRow),
  resolvedAt: r.resolvedAt === null ? null : new Date(r.resolvedAt),
  createdAt: new Date(r.createdAt),
  action: r.action ?? null,
  applicationId: r.applicationId === null || r.applicationId === undefined ? null : Number(r.applicationId),
  consultantId: r.consultantId === null || r.consultantId === undefined ? null : Number(r.consultantId),
  resolvedByMessageId:
    r.resolvedByMessageId === null || r.resolvedByMessageId === undefined
      ? null
      : Number(r.resolvedByMessageId),
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
    if (filter.policyNumber) query = query.where('m.policy_number', '=', filter.policyNumber);
    if (filter.messageId) query = query.where('m.source_message_id', '=', filter.messageId);
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
