/**
 * A period's metrics per consultant as they stand now (table period_metric_current): the period's
 * calculation writes every consultant's, and every correction run of the period rewrites those it
 * recalculated. A bounded recalculation of a closed period reads the uplines' volumes, legs,
 * activity and commissions from here rather than calculating the whole network again, and a later
 * period's rolling window reads the volumes as corrected.
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../../src/db';
import { decimalFromKopiyky, kopiykyFromDecimal } from '../../src/db/money';
import type { AccrualLine, ConsultantMetrics } from './engine';
import type { CompensationDB } from './tables';

const IN_LIST = 500;

export interface CurrentMetric extends ConsultantMetrics {
  sponsorId: number | null;
  personalCommissionKop: number;
  structuralCommissionKop: number;
  knownAt: Date;
}

/** Personal and structural (differential, generation) commission per consultant in lines. */
export function commissionsOf(lines: readonly Pick<AccrualLine, 'consultantId' | 'kind' | 'amountKop'>[]) {
  const personal = new Map<number, number>();
  const structural = new Map<number, number>();
  for (const l of lines) {
    const map =
      l.kind === 'personal' ? personal : l.kind === 'structural' || l.kind === 'override' ? structural : null;
    if (map) map.set(l.consultantId, (map.get(l.consultantId) ?? 0) + l.amountKop);
  }
  return { personal, structural };
}

/**
 * Writes the metrics of a calculation as the period's current ones: every consultant's (`only`
 * absent) or those of the consultants named (a bounded recalculation), replacing what was there.
 */
export async function storeCurrentMetrics(
  db: Kysely<CompensationDB>,
  dialect: SqlDialect,
  periodCode: string,
  metrics: readonly ConsultantMetrics[],
  commissions: { personal: Map<number, number>; structural: Map<number, number> },
  sponsorAt: (consultantId: number) => number | null,
  knownAt: Date,
  only?: ReadonlySet<number>,
): Promise<void> {
  if (!only) await db.deleteFrom('period_metric_current').where('period_code', '=', periodCode).execute();
  else {
    const ids = [...only];
    for (let i = 0; i < ids.length; i += IN_LIST)
      await db
        .deleteFrom('period_metric_current')
        .where('period_code', '=', periodCode)
        .where('consultant_id', 'in', ids.slice(i, i + IN_LIST))
        .execute();
  }
  const rows = [];
  for (const m of metrics) {
    if (only && !only.has(m.consultantId)) continue;
    rows.push({
      period_code: periodCode,
      consultant_id: m.consultantId,
      sponsor_id: sponsorAt(m.consultantId),
      personal_volume_u: m.personalVolumeU,
      group_volume_u: m.groupVolumeU,
      personal_premium: decimalFromKopiyky(m.personalPremiumKop),
      new_policies: m.newPolicies,
      active_directs: m.activeDirects,
      legs: m.legs,
      is_active: m.active ? 1 : 0,
      is_qualified: m.qualified ? 1 : 0,
      career_level: m.careerLevel,
      paid_level: m.paidLevel,
      personal_commission: decimalFromKopiyky(commissions.personal.get(m.consultantId) ?? 0),
      structural_commission: decimalFromKopiyky(commissions.structural.get(m.consultantId) ?? 0),
      known_at: knownAt,
    });
  }
  await dialect.bulkInsert(db, 'period_metric_current', rows);
}

/** Whether the period has current metrics (it was calculated since they are kept). */
export async function hasCurrentMetrics(db: Kysely<CompensationDB>, periodCode: string): Promise<boolean> {
  const row = await db
    .selectFrom('period_metric_current')
    .select('consultant_id')
    .where('period_code', '=', periodCode)
    .offset(0)
    .fetch(1)
    .executeTakeFirst();
  return !!row;
}

/** The current metrics of a period, of the consultants named (all when `ids` is absent). */
export async function readCurrentMetrics(
  db: Kysely<CompensationDB>,
  periodCode: string,
  ids?: readonly number[],
): Promise<Map<number, CurrentMetric>> {
  const out = new Map<number, CurrentMetric>();
  const chunks = ids ? [] : [null];
  if (ids) for (let i = 0; i < ids.length; i += IN_LIST) chunks.push(ids.slice(i, i + IN_LIST) as never);
  for (const chunk of chunks) {
    let q = db.selectFrom('period_metric_current').selectAll().where('period_code', '=', periodCode);
    if (chunk) q = q.where('consultant_id', 'in', chunk as number[]);
    for (const r of await q.execute())
      out.set(Number(r.consultant_id), {
        consultantId: Number(r.consultant_id),
        sponsorId: r.sponsor_id === null ? null : Number(r.sponsor_id),
        personalVolumeU: Number(r.personal_volume_u),
        groupVolumeU: Number(r.group_volume_u),
        personalPremiumKop: kopiykyFromDecimal(r.personal_premium),
        newPolicies: Number(r.new_policies),
        activeDirects: Number(r.active_directs),
        legs: Number(r.legs),
        active: Number(r.is_active) === 1,
        qualified: Number(r.is_qualified) === 1,
        careerLevel: r.career_level,
        paidLevel: r.paid_level,
        personalCommissionKop: kopiykyFromDecimal(r.personal_commission),
        structuralCommissionKop: kopiykyFromDecimal(r.structural_commission),
        knownAt: new Date(r.known_at),
      });
  }
  return out;
}
