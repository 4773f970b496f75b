/**
 * Loading a whole network at once: units, consultants and the first rows of their history (the unit
 * tree, sponsors, unit memberships, career levels, activity statuses), each row as it stood and as
 * known when it happened. This is how an agency's existing network comes in at the start (the demo
 * seed; taking one over from another system); day-to-day changes go through hireConsultant,
 * openUnit, changeSponsor, recordCareerChange and the rest, one at a time, with their rules.
 * Everything runs in the caller's transaction, by the one bulk path, table by table.
 */
import type { CareerSource, Database, IsoDate } from '../../src/db';

/** When a loaded row holds and when it was known (the bitemporal columns). */
export interface LoadedHistory {
  validFrom: IsoDate;
  validTo: IsoDate;
  recordedAt: Date;
  supersededAt: Date;
  recordedBy: string | null;
  reason: string | null;
}

export interface NetworkLoad {
  /** Units; one whose code exists already is kept as it is. */
  units: { code: string; name: string; city: string | null; createdAt: Date }[];
  consultants: {
    code: string;
    fullName: string;
    taxNumber: string | null;
    legalForm: 'individual' | 'sole_proprietor';
    email: string | null;
    phone: string | null;
    hiredOn: IsoDate;
    terminatedOn: IsoDate | null;
    createdAt: Date;
  }[];
  /** Each unit's parent and manager (consultant code). */
  unitTree: ({ unit: string; parent: string | null; manager: string | null } & LoadedHistory)[];
  sponsors: ({ consultant: string; sponsor: string | null } & LoadedHistory)[];
  memberships: ({ consultant: string; unit: string } & LoadedHistory)[];
  careers: ({
    consultant: string;
    level: string;
    source: CareerSource;
    approvedBy?: string | null;
    approvedAt?: Date | null;
  } & LoadedHistory)[];
  statuses: ({
    consultant: string;
    status: 'active' | 'inactive' | 'suspended' | 'terminated';
    source: 'derived' | 'manual' | 'initial';
  } & LoadedHistory)[];
}

export interface LoadedNetwork {
  unitIds: Map<string, number>;
  consultantIds: Map<string, number>;
}

function history(h: LoadedHistory) {
  return {
    valid_from: h.validFrom,
    valid_to: h.validTo,
    recorded_at: h.recordedAt,
    superseded_at: h.supersededAt,
    recorded_by: h.recordedBy,
    reason: h.reason,
  };
}

function need(map: Map<string, number>, key: string, what: string): number {
  const id = map.get(key);
  if (id === undefined) throw new RangeError(`network load: ${what} ${key} is neither loaded nor known`);
  return id;
}

/** Loads the network in `database` (its db being the caller's transaction); answers the ids by code. */
export async function loadNetwork(database: Database, load: NetworkLoad): Promise<LoadedNetwork> {
  const { db: trx, dialect } = database;
  const existingUnits = new Set((await trx.selectFrom('unit').select('code').execute()).map((r) => r.code));
  await dialect.bulkInsert(
    trx,
    'unit',
    load.units
      .filter((u) => !existingUnits.has(u.code))
      .map((u) => ({ code: u.code, name: u.name, city: u.city, created_at: u.createdAt })),
  );
  const unitIds = new Map(
    (await trx.selectFrom('unit').select(['id', 'code']).execute()).map((r) => [r.code, Number(r.id)]),
  );
  await dialect.bulkInsert(
    trx,
    'consultant',
    load.consultants.map((c) => ({
      code: c.code,
      full_name: c.fullName,
      tax_number: c.taxNumber,
      legal_form: c.legalForm,
      email: c.email,
      phone: c.phone,
      hired_on: c.hiredOn,
      terminated_on: c.terminatedOn,
      created_at: c.createdAt,
    })),
  );
  const consultantIds = new Map(
    (await trx.selectFrom('consultant').select(['id', 'code']).execute()).map((r) => [r.code, Number(r.id)]),
  );
  const unit = (code: string) => need(unitIds, code, 'unit');
  const consultant = (code: string) => need(consultantIds, code, 'consultant');
  await dialect.bulkInsert(
    trx,
    'unit_structure',
    load.unitTree.map((u) => ({
      unit_id: unit(u.unit),
      parent_unit_id: u.parent === null ? null : unit(u.parent),
      manager_consultant_id: u.manager === null ? null : consultant(u.manager),
      ...history(u),
    })),
  );
  await dialect.bulkInsert(
    trx,
    'consultant_sponsor',
    load.sponsors.map((s) => ({
      consultant_id: consultant(s.consultant),
      sponsor_id: s.sponsor === null ? null : consultant(s.sponsor),
      ...history(s),
    })),
  );
  await dialect.bulkInsert(
    trx,
    'consultant_unit',
    load.memberships.map((m) => ({
      consultant_id: consultant(m.consultant),
      unit_id: unit(m.unit),
      ...history(m),
    })),
  );
  await dialect.bulkInsert(
    trx,
    'consultant_career',
    load.careers.map((c) => ({
      consultant_id: consultant(c.consultant),
      level_code: c.level,
      source: c.source,
      approved_by: c.approvedBy ?? null,
      approved_at: c.approvedAt ?? null,
      ...history(c),
    })),
  );
  await dialect.bulkInsert(
    trx,
    'consultant_activity_status',
    load.statuses.map((s) => ({
      consultant_id: consultant(s.consultant),
      status: s.status,
      source: s.source,
      ...history(s),
    })),
  );
  return { unitIds, consultantIds };
}
