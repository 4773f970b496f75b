/**
 * Careers: the dated list of a consultant's levels, kept bitemporally. A correction entered later
 * changes what is known from then on and leaves what was known before readable ("as known then").
 */
import type { BitemporalChange, CareerSource, Database, IsoDate } from '../../src/db';
import { asOf, inTransaction, recordBitemporal } from '../../src/db';
import { recordAudit } from './audit';

export interface CareerEntry {
  levelCode: string;
  validFrom: IsoDate;
  validTo: IsoDate;
  source: CareerSource;
  recordedAt: Date;
  recordedBy: string | null;
  reason: string | null;
  approvedBy: string | null;
}

function toEntry(r: {
  level_code: string;
  valid_from: string;
  valid_to: string;
  source: CareerSource;
  recorded_at: Date;
  recorded_by: string | null;
  reason: string | null;
  approved_by: string | null;
}): CareerEntry {
  return {
    levelCode: r.level_code,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    source: r.source,
    recordedAt: new Date(r.recorded_at),
    recordedBy: r.recorded_by,
    reason: r.reason,
    approvedBy: r.approved_by,
  };
}

/** The consultant's level on `date` as known at `knownAt` (default: now), or null before their first level. */
export async function careerLevelAsOf(
  database: Database,
  consultantId: number,
  date: IsoDate,
  knownAt: Date = new Date(),
): Promise<CareerEntry | null> {
  const row = await asOf(
    database.db
      .selectFrom('consultant_career as cc')
      .selectAll()
      .where('cc.consultant_id', '=', consultantId),
    'cc',
    date,
    knownAt,
  ).executeTakeFirst();
  return row ? toEntry(row) : null;
}

/** The whole career as known at `knownAt`, earliest first. */
export async function careerHistory(
  database: Database,
  consultantId: number,
  knownAt: Date = new Date(),
): Promise<CareerEntry[]> {
  const rows = await database.db
    .selectFrom('consultant_career')
    .selectAll()
    .where('consultant_id', '=', consultantId)
    .where('recorded_at', '<=', knownAt)
    .where('superseded_at', '>', knownAt)
    .orderBy('valid_from')
    .execute();
  return rows.map(toEntry);
}

export interface CareerChange extends BitemporalChange {
  levelCode: string;
  source: CareerSource;
  /** Who approved a manual change (mission §9: changes inside closed periods need approval). */
  approvedBy?: string | null;
}

/** Records a level from `validFrom` (a promotion, demotion or manual correction), with an audit entry. */
export async function recordCareerChange(
  database: Database,
  consultantId: number,
  change: CareerChange,
): Promise<void> {
  const level = await database.db
    .selectFrom('career_level')
    .select('code')
    .where('code', '=', change.levelCode)
    .executeTakeFirst();
  if (!level) throw new RangeError(`unknown career level '${change.levelCode}'`);
  await inTransaction(database, async ({ db: trx }) => {
    const superseded = await recordBitemporal(
      trx,
      'consultant_career',
      'consultant_id',
      consultantId,
      {
        level_code: change.levelCode,
        source: change.source,
        approved_by: change.approvedBy ?? null,
        approved_at: change.approvedBy ? change.recordedAt : null,
      },
      change,
    );
    await recordAudit(trx, database, {
      actor: change.recordedBy,
      action: 'consultant.career_changed',
      entityKind: 'consultant',
      entityId: String(consultantId),
      before: superseded.map((r) => ({
        levelCode: r.level_code,
        validFrom: r.valid_from,
        validTo: r.valid_to,
      })),
      after: {
        levelCode: change.levelCode,
        validFrom: change.validFrom,
        validTo: change.validTo ?? null,
        source: change.source,
        approvedBy: change.approvedBy ?? null,
      },
      reason: change.reason ?? null,
      at: change.recordedAt,
    });
  });
}
