/**
 * Closing a mismatch with what a person decided. The move is a checked transition made in the update
 * itself (`where status = 'open'`), so of two people resolving the same mismatch at once exactly one
 * succeeds and the other is refused with a 409-style error; the decision goes to the audit log in the
 * same transaction.
 */
import { recordAudit } from '../../audit';
import type { Database, MismatchTable } from '../../db';

export type MismatchStatus = MismatchTable['status'];

/** The moves a mismatch may make; a closed mismatch stays closed. */
export const MISMATCH_TRANSITIONS: Readonly<Record<MismatchStatus, readonly MismatchStatus[]>> = {
  open: ['resolved', 'dismissed'],
  resolved: [],
  dismissed: [],
};

/** A refused resolution; `statusCode` is what the API answers (404 unknown, 409 already closed). */
export class MismatchResolutionError extends Error {
  constructor(
    message: string,
    readonly statusCode: 404 | 409,
  ) {
    super(message);
    this.name = 'MismatchResolutionError';
  }
}

export interface MismatchDecision {
  status: 'resolved' | 'dismissed';
  /** What was decided, in words (kept as the audit log's reason). */
  resolution: string;
  /** Who decided. */
  by: string;
}

export async function resolveMismatch(
  database: Database,
  mismatchId: number,
  decision: MismatchDecision,
  at: Date = new Date(),
): Promise<void> {
  const from = (Object.keys(MISMATCH_TRANSITIONS) as MismatchStatus[]).filter((s) =>
    MISMATCH_TRANSITIONS[s].includes(decision.status),
  );
  await database.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('mismatch')
      .set({
        status: decision.status,
        resolution: decision.resolution,
        resolved_by: decision.by,
        resolved_at: at,
      })
      .where('id', '=', mismatchId)
      .where('status', 'in', from)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      const current = await trx
        .selectFrom('mismatch')
        .select(['status', 'resolved_by'])
        .where('id', '=', mismatchId)
        .executeTakeFirst();
      if (!current) throw new MismatchResolutionError(`no mismatch ${mismatchId}`, 404);
      throw new MismatchResolutionError(
        `mismatch ${mismatchId} is already ${current.status}${current.resolved_by ? ` by ${current.resolved_by}` : ''}`,
        409,
      );
    }
    await recordAudit(trx, database, {
      at,
      actor: decision.by,
      action: `mismatch.${decision.status}`,
      entityKind: 'mismatch',
      entityId: String(mismatchId),
      before: { status: 'open' },
      after: { status: decision.status },
      reason: decision.resolution.slice(0, 1000),
    });
  });
}
