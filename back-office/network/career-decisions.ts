/**
 * Careers the compensation calculation decides (promotions, demotions by the plan), written by the
 * network, which owns consultant_career: in bulk for a period's calculation, one by one for a
 * recalculation of a closed period. Calculated careers carry source 'calculation' and no approval;
 * the audit log keeps manual changes (career-repository.ts), the calculation run keeps these.
 */
import type { Kysely } from 'kysely';
import {
  type BitemporalChange,
  type DB,
  OPEN_END,
  recordBitemporal,
  type SqlDialect,
  STILL_KNOWN,
} from '../../src/db';

/** A career step a calculation decided. */
export interface CalculatedCareer {
  consultantId: number;
  kind: 'promotion' | 'demotion';
  toLevel: string;
  /** First day the level holds. */
  effectiveFrom: string;
  reason: string;
}

/**
 * Makes each decision of a period's calculation the consultant's career from its date on, in bulk (a
 * period may promote thousands): the rows it contradicts are superseded, what still holds of them is
 * recorded again up to the decision's date, as recordBitemporal does for one change.
 */
export async function recordCalculatedCareers<D extends DB>(
  database: Kysely<D>,
  dialect: SqlDialect,
  decisions: CalculatedCareer[],
  change: { recordedAt: Date; recordedBy: string; why: string },
): Promise<void> {
  const db = database as unknown as Kysely<DB>;
  const BATCH = 500; // Oracle takes at most 1000 expressions in a list
  const supersede: number[] = [];
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < decisions.length; i += BATCH) {
    const chunk = decisions.slice(i, i + BATCH);
    const current = await db
      .selectFrom('consultant_career')
      .selectAll()
      .where(
        'consultant_id',
        'in',
        chunk.map((d) => d.consultantId),
      )
      .where('superseded_at', '=', STILL_KNOWN)
      .execute();
    for (const d of chunk) {
      const own = current.filter(
        (r) => Number(r.consultant_id) === d.consultantId && r.valid_to > d.effectiveFrom,
      );
      const holding = own.find((r) => r.valid_from <= d.effectiveFrom);
      if (holding?.level_code === d.toLevel && holding.valid_to === OPEN_END) continue; // it already says so
      for (const r of own) {
        supersede.push(Number(r.id));
        if (r.valid_from < d.effectiveFrom) {
          // What still holds of the row, up to the decision's date, with the same columns as below.
          rows.push({
            consultant_id: r.consultant_id,
            level_code: r.level_code,
            source: r.source,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
            valid_from: r.valid_from,
            valid_to: d.effectiveFrom,
            recorded_at: change.recordedAt,
            superseded_at: STILL_KNOWN,
            recorded_by: r.recorded_by,
            reason: r.reason,
          });
        }
      }
      rows.push({
        consultant_id: d.consultantId,
        level_code: d.toLevel,
        source: 'calculation',
        approved_by: null,
        approved_at: null,
        valid_from: d.effectiveFrom,
        valid_to: OPEN_END,
        recorded_at: change.recordedAt,
        superseded_at: STILL_KNOWN,
        recorded_by: change.recordedBy,
        reason: `${d.kind} ${change.why}: ${d.reason}`.slice(0, 1000),
      });
    }
  }
  for (let i = 0; i < supersede.length; i += BATCH)
    await db
      .updateTable('consultant_career')
      .set({ superseded_at: change.recordedAt })
      .where('id', 'in', supersede.slice(i, i + BATCH))
      .execute();
  await dialect.bulkInsert(db, 'consultant_career', rows);
}

/** One calculated career level from a date (a recalculation of a closed period corrects one step). */
export async function recordCalculatedCareer<D extends DB>(
  db: Kysely<D>,
  consultantId: number,
  levelCode: string,
  change: BitemporalChange,
): Promise<void> {
  await recordBitemporal(
    db as unknown as Kysely<DB>,
    'consultant_career',
    'consultant_id',
    consultantId,
    { level_code: levelCode, source: 'calculation', approved_by: null, approved_at: null },
    change,
  );
}
