/**
 * The set-up the scope suites share (test/api/*scope*): a sponsor tree (seedNetwork) placed in units
 * HQ, BR1 and BR2 with their managers, the plan's career levels, an open period, and the period
 * calculated, closed and its acts issued through the API as the back office does it.
 */
import { OPEN_END, STILL_KNOWN } from '../../src/db';
import type { SignedIn } from '../api/support/api-harness';
import type { TestDatabase } from './engines';

/** The columns of a history fact known since 2025-01-01, valid from then on, entered by `test`. */
export const SINCE_2025 = {
  valid_from: '2025-01-01',
  valid_to: OPEN_END,
  recorded_at: new Date('2025-01-01'),
  superseded_at: STILL_KNOWN,
  recorded_by: 'test',
  reason: null,
} as const;

/** The career levels of the default plan, lowest first. */
export async function seedCareerLevels(database: TestDatabase): Promise<void> {
  await database.db
    .insertInto('career_level')
    .values(
      ['CONSULTANT', 'SENIOR_CONSULTANT', 'MANAGER', 'SENIOR_MANAGER', 'DIRECTOR'].map((code, n) => ({
        code,
        name: code,
        rank_order: n + 1,
      })),
    )
    .execute();
}

/**
 * Units HQ, BR1 and BR2 (the branches under HQ) with their managers, and each consultant placed in
 * a unit, all since 2025-01-01. Answers the units' ids by code.
 */
export async function seedUnits(
  database: TestDatabase,
  consultant: Record<string, number>,
  managers: { HQ: string; BR1: string; BR2: string },
  unitOf: Record<string, 'HQ' | 'BR1' | 'BR2'>,
): Promise<Record<'HQ' | 'BR1' | 'BR2', number>> {
  const { db } = database;
  const unit = {} as Record<'HQ' | 'BR1' | 'BR2', number>;
  for (const code of ['HQ', 'BR1', 'BR2'] as const) {
    const row = await db
      .insertInto('unit')
      .values({ code, name: code, city: null, created_at: new Date('2025-01-01') })
      .returning('id')
      .executeTakeFirstOrThrow();
    unit[code] = Number(row.id);
  }
  await db
    .insertInto('unit_structure')
    .values([
      {
        unit_id: unit.HQ,
        parent_unit_id: null,
        manager_consultant_id: consultant[managers.HQ],
        ...SINCE_2025,
      },
      {
        unit_id: unit.BR1,
        parent_unit_id: unit.HQ,
        manager_consultant_id: consultant[managers.BR1],
        ...SINCE_2025,
      },
      {
        unit_id: unit.BR2,
        parent_unit_id: unit.HQ,
        manager_consultant_id: consultant[managers.BR2],
        ...SINCE_2025,
      },
    ])
    .execute();
  await db
    .insertInto('consultant_unit')
    .values(
      Object.entries(unitOf).map(([c, u]) => ({
        consultant_id: consultant[c],
        unit_id: unit[u],
        ...SINCE_2025,
      })),
    )
    .execute();
  return unit;
}

/** A production period (yyyy-mm), open. */
export async function seedOpenPeriod(database: TestDatabase, code: string): Promise<void> {
  const [year, month] = code.split('-').map(Number);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  await database.db
    .insertInto('production_period')
    .values({
      code,
      starts_on: `${code}-01`,
      ends_on: `${code}-${String(last).padStart(2, '0')}`,
      status: 'open',
      calculated_at: null,
      closed_at: null,
      closed_by: null,
    })
    .execute();
}

/** A request that must succeed: its JSON answer, or an error naming the status and the body. */
export function succeeding(who: SignedIn) {
  return async (request: Parameters<SignedIn['inject']>[0]) => {
    const response = await who.inject(request);
    if (response.statusCode >= 300) throw new Error(`${response.statusCode} ${response.body}`);
    return response.json();
  };
}

/** Calculates and closes the period and issues its acts, as the back office; answers the acts issued. */
export async function closeWithActs(
  backOffice: SignedIn,
  period: string,
): Promise<{ issued: { consultantCode: string; number: string }[] }> {
  const ok = succeeding(backOffice);
  await ok({ method: 'POST', url: `/api/periods/${period}/calculate`, payload: {} });
  await ok({ method: 'POST', url: `/api/periods/${period}/close`, payload: { closedBy: 'buh' } });
  return ok({ method: 'POST', url: `/api/periods/${period}/acts`, payload: {} });
}
