/**
 * Consultants as people the back office keeps: hire (with the РНОКПП check digit, a sponsor and a unit
 * open on the day), terminate, rehire, transfer to another unit or sponsor (through the periods'
 * change flow, so a date inside a closed period needs a second person's approval and raises the
 * recalculation requests), and contact details. Every write is audited with its author and reason.
 */
import type { Kysely } from 'kysely';
import { asOf, type Database, type DB, inTransaction, type IsoDate, recordBitemporal } from '../../src/db';
import { closedPeriodOf, requestRecalculation } from '../../src/recalculation-requests';
import { recordAudit } from './audit';
import {
  isUniqueViolation,
  LATEST_KNOWLEDGE,
  lockTreeForWriting,
  NetworkInputError,
  requireDate,
  taxNumberProblem,
} from './errors';
import { changeSponsor, changeUnit, downlineAsOf } from './network-repository';
import { openUnitOn } from './units';

export type LegalForm = 'individual' | 'sole_proprietor';
export type ActivityStatus = 'active' | 'inactive' | 'suspended' | 'terminated';

export interface ContactDetails {
  phone?: string | null;
  email?: string | null;
  address?: string | null;
}

export interface Hire extends ContactDetails {
  code: string;
  fullName: string;
  taxNumber: string;
  legalForm: LegalForm;
  /** null: the top of the network. */
  sponsorCode: string | null;
  unitCode: string;
  hiredOn: IsoDate;
  recordedBy: string;
  reason?: string | null;
  recordedAt?: Date;
}

interface ConsultantRow {
  id: number;
  code: string;
  full_name: string;
  hired_on: IsoDate;
  terminated_on: IsoDate | null;
}

const now = () => new Date();

/** The consultant by code, or a 404 naming `field`. */
export async function consultantByCode(db: Kysely<DB>, code: string, field = 'code'): Promise<ConsultantRow> {
  const row = await db
    .selectFrom('consultant')
    .select(['id', 'code', 'full_name', 'hired_on', 'terminated_on'])
    .where('code', '=', code)
    .executeTakeFirst();
  if (!row) throw new NetworkInputError('not_found', field, `consultant '${code}' is not known`);
  return { ...row, id: Number(row.id) };
}

/** The consultant's activity status on `date` as known at `knownAt`, or null before the hire. */
export async function statusAsOf(
  db: Kysely<DB>,
  consultantId: number,
  date: IsoDate,
  knownAt: Date = now(),
): Promise<ActivityStatus | null> {
  const row = await asOf(
    db
      .selectFrom('consultant_activity_status as s')
      .select('s.status')
      .where('s.consultant_id', '=', consultantId),
    's',
    date,
    knownAt,
  ).executeTakeFirst();
  return (row?.status as ActivityStatus | undefined) ?? null;
}

/** Refuses a sponsor who is unknown or not in the network (hired, not terminated) on `date`. */
async function sponsorOn(db: Kysely<DB>, code: string, date: IsoDate, field = 'sponsorCode') {
  const sponsor = await consultantByCode(db, code, field);
  const status = await statusAsOf(db, sponsor.id, date);
  if (sponsor.hired_on > date || status === 'terminated' || status === null)
    throw new NetworkInputError('invalid', field, `consultant '${code}' is not in the network on ${date}`);
  return sponsor;
}

async function recordStatus(
  db: Kysely<DB>,
  consultantId: number,
  status: ActivityStatus,
  change: { validFrom: IsoDate; recordedAt: Date; recordedBy: string; reason?: string | null },
) {
  await recordBitemporal(
    db,
    'consultant_activity_status',
    'consultant_id',
    consultantId,
    { status, source: 'manual' },
    change,
  );
}

/** Hires a consultant: the record, the sponsor, the unit and the status 'active' from `hiredOn`, and the entry level. */
export async function hireConsultant(
  database: Database,
  input: Hire,
): Promise<{ consultantId: number; code: string }> {
  requireDate('hiredOn', input.hiredOn);
  const taxProblem = taxNumberProblem(input.taxNumber);
  if (taxProblem) throw new NetworkInputError('invalid', 'taxNumber', taxProblem);
  const at = input.recordedAt ?? now();
  const change = {
    validFrom: input.hiredOn,
    recordedAt: at,
    recordedBy: input.recordedBy,
    reason: input.reason ?? 'hire',
  };
  return inTransaction(database, async (tx) => {
    const db = tx.db;
    if (await db.selectFrom('consultant').select('id').where('code', '=', input.code).executeTakeFirst())
      throw new NetworkInputError('conflict', 'code', `consultant '${input.code}' already exists`);
    const sameTax = await db
      .selectFrom('consultant')
      .select('code')
      .where('tax_number', '=', input.taxNumber)
      .where('terminated_on', 'is', null)
      .executeTakeFirst();
    if (sameTax)
      throw new NetworkInputError(
        'conflict',
        'taxNumber',
        `consultant '${sameTax.code}' already works under this tax number`,
      );
    const unit = await openUnitOn(db, input.unitCode, input.hiredOn, 'unitCode');
    const sponsor = input.sponsorCode === null ? null : await sponsorOn(db, input.sponsorCode, input.hiredOn);
    let id: number;
    try {
      id = await database.dialect.insertReturningId(
        db,
        'consultant',
        {
          code: input.code,
          full_name: input.fullName,
          tax_number: input.taxNumber,
          legal_form: input.legalForm,
          email: input.email ?? null,
          phone: input.phone ?? null,
          address: input.address ?? null,
          hired_on: input.hiredOn,
          terminated_on: null,
          created_at: at,
        },
        { code: input.code },
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw new NetworkInputError('conflict', 'code', `consultant '${input.code}' already exists`);
      throw error;
    }
    await changeSponsor(tx, id, sponsor?.id ?? null, change);
    await changeUnit(tx, id, unit.id, change);
    await recordStatus(db, id, 'active', change);
    const entry = await db
      .selectFrom('career_level')
      .select('code')
      .orderBy('rank_order')
      .orderBy('code')
      .executeTakeFirst();
    if (entry)
      await recordBitemporal(
        db,
        'consultant_career',
        'consultant_id',
        id,
        { level_code: entry.code, source: 'initial', approved_by: null, approved_at: null },
        change,
      );
    await recordAudit(db, database, {
      actor: input.recordedBy,
      action: 'consultant.hired',
      entityKind: 'consultant',
      entityId: String(id),
      before: null,
      after: {
        code: input.code,
        fullName: input.fullName,
        legalForm: input.legalForm,
        sponsorCode: input.sponsorCode,
        unitCode: input.unitCode,
        hiredOn: input.hiredOn,
        levelCode: entry?.code ?? null,
      },
      reason: input.reason ?? null,
      at,
    });
    return { consultantId: id, code: input.code };
  });
}

export interface Termination {
  code: string;
  terminatedOn: IsoDate;
  reason: string;
  recordedBy: string;
  recordedAt?: Date;
}

/** Ends the consultant's work from `terminatedOn` (status 'terminated'); their downline stays where it is. */
export async function terminateConsultant(database: Database, input: Termination) {
  requireDate('terminatedOn', input.terminatedOn);
  const at = input.recordedAt ?? now();
  return inTransaction(database, async ({ db }) => {
    const c = await consultantByCode(db, input.code);
    if (input.terminatedOn < c.hired_on)
      throw new NetworkInputError(
        'invalid',
        'terminatedOn',
        `${input.terminatedOn} is before the hire date ${c.hired_on}`,
      );
    if (c.terminated_on)
      throw new NetworkInputError(
        'conflict',
        'code',
        `consultant '${c.code}' is already terminated from ${c.terminated_on}`,
      );
    await recordStatus(db, c.id, 'terminated', {
      validFrom: input.terminatedOn,
      recordedAt: at,
      recordedBy: input.recordedBy,
      reason: input.reason,
    });
    await db
      .updateTable('consultant')
      .set({ terminated_on: input.terminatedOn })
      .where('id', '=', c.id)
      .execute();
    await recordAudit(db, database, {
      actor: input.recordedBy,
      action: 'consultant.terminated',
      entityKind: 'consultant',
      entityId: String(c.id),
      before: { terminatedOn: null },
      after: { terminatedOn: input.terminatedOn },
      reason: input.reason,
      at,
    });
    return { code: c.code, status: 'terminated' as const, from: input.terminatedOn };
  });
}

export interface Rehire {
  code: string;
  rehiredOn: IsoDate;
  reason: string;
  recordedBy: string;
  recordedAt?: Date;
}

/** Takes a terminated consultant back from `rehiredOn` (status 'active'), in the unit and under the sponsor they had. */
export async function rehireConsultant(database: Database, input: Rehire) {
  requireDate('rehiredOn', input.rehiredOn);
  const at = input.recordedAt ?? now();
  return inTransaction(database, async ({ db }) => {
    const c = await consultantByCode(db, input.code);
    if (!c.terminated_on)
      throw new NetworkInputError('conflict', 'code', `consultant '${c.code}' is not terminated`);
    if (input.rehiredOn <= c.terminated_on)
      throw new NetworkInputError(
        'invalid',
        'rehiredOn',
        `${input.rehiredOn} is not after the termination on ${c.terminated_on}`,
      );
    await recordStatus(db, c.id, 'active', {
      validFrom: input.rehiredOn,
      recordedAt: at,
      recordedBy: input.recordedBy,
      reason: input.reason,
    });
    await db.updateTable('consultant').set({ terminated_on: null }).where('id', '=', c.id).execute();
    await recordAudit(db, database, {
      actor: input.recordedBy,
      action: 'consultant.rehired',
      entityKind: 'consultant',
      entityId: String(c.id),
      before: { terminatedOn: c.terminated_on },
      after: { rehiredOn: input.rehiredOn },
      reason: input.reason,
      at,
    });
    return { code: c.code, status: 'active' as const, from: input.rehiredOn };
  });
}

export interface Transfer {
  code: string;
  /** The new unit; left out: unchanged. */
  unitCode?: string;
  /** The new sponsor (null: the top of the network); left out: unchanged. */
  sponsorCode?: string | null;
  effectiveOn: IsoDate;
  reason: string;
  recordedBy: string;
  /** Required when `effectiveOn` is inside a closed period; another person than `recordedBy`. */
  approvedBy?: string | null;
  recordedAt?: Date;
}

/**
 * Moves the consultant to another unit and/or sponsor from `effectiveOn`, and asks for recalculation
 * of the calculated and closed periods it reaches (src/recalculation-requests), as the periods' own
 * sponsor and unit changes do. Inside a closed period it needs an approval by a second person.
 */
export async function transferConsultant(database: Database, input: Transfer) {
  requireDate('effectiveOn', input.effectiveOn);
  if (input.unitCode === undefined && input.sponsorCode === undefined)
    throw new NetworkInputError('invalid', 'unitCode', 'say the new unitCode, the new sponsorCode, or both');
  return inTransaction(database, async (tx) => {
    const db = tx.db;
    if (input.sponsorCode) await lockTreeForWriting(db, 'consultant_sponsor');
    const at = input.recordedAt ?? now();
    const c = await consultantByCode(db, input.code);
    if (input.effectiveOn < c.hired_on)
      throw new NetworkInputError(
        'invalid',
        'effectiveOn',
        `${input.effectiveOn} is before the hire date ${c.hired_on}`,
      );
    const closed = await closedPeriodOf(db, input.effectiveOn);
    if (closed && !input.approvedBy?.trim())
      throw new NetworkInputError(
        'invalid',
        'approvedBy',
        `${input.effectiveOn} is inside closed period ${closed}: the transfer needs an approval (approvedBy)`,
      );
    if (input.approvedBy && input.approvedBy === input.recordedBy)
      throw new NetworkInputError(
        'invalid',
        'approvedBy',
        `${input.recordedBy} cannot approve their own transfer`,
      );
    const unit =
      input.unitCode !== undefined
        ? await openUnitOn(db, input.unitCode, input.effectiveOn, 'unitCode')
        : null;
    const sponsor = input.sponsorCode ? await sponsorOn(db, input.sponsorCode, input.effectiveOn) : null;
    if (sponsor) {
      const below = await downlineAsOf(tx, c.id, input.effectiveOn, LATEST_KNOWLEDGE);
      if (sponsor.id === c.id || below.some((d) => d.consultantId === sponsor.id))
        throw new NetworkInputError(
          'invalid',
          'sponsorCode',
          `${input.sponsorCode} is ${c.code} or in their downline on ${input.effectiveOn}: the network would loop`,
        );
    }
    const change = {
      validFrom: input.effectiveOn,
      recordedAt: at,
      recordedBy: input.recordedBy,
      reason: input.reason,
    };
    // Who entered it and who approved it, named in the recalculation requests.
    const by = `${input.reason}; вніс ${input.recordedBy}${input.approvedBy ? `, погодив ${input.approvedBy}` : ''}`;
    const requested = new Set<string>();
    if (input.sponsorCode !== undefined) {
      await changeSponsor(tx, c.id, sponsor?.id ?? null, change);
      for (const p of await requestRecalculation(
        db,
        {
          effectiveOn: input.effectiveOn,
          causeKind: 'sponsor_change',
          causeRef: `sponsor:${c.id}:${at.toISOString()}`,
          description: `зміна спонсора ${c.code}: ${sponsor?.code ?? 'без спонсора'} з ${input.effectiveOn} (${by})`,
        },
        at,
      ))
        requested.add(p);
    }
    if (unit) {
      await changeUnit(tx, c.id, unit.id, change);
      for (const p of await requestRecalculation(
        db,
        {
          effectiveOn: input.effectiveOn,
          causeKind: 'unit_change',
          causeRef: `unit:${c.id}:${at.toISOString()}`,
          description: `зміна підрозділу ${c.code}: ${unit.code} з ${input.effectiveOn} (${by})`,
        },
        at,
      ))
        requested.add(p);
    }
    return {
      code: c.code,
      effectiveOn: input.effectiveOn,
      unitCode: input.unitCode,
      sponsorCode: input.sponsorCode,
      approvedBy: input.approvedBy ?? null,
      requestedPeriods: [...requested].sort(),
    };
  });
}

export interface ContactUpdate extends ContactDetails {
  code: string;
  recordedBy: string;
  reason?: string | null;
  recordedAt?: Date;
}

/** Changes the phone, e-mail or address (null clears one; left out: unchanged). */
export async function updateContactDetails(database: Database, input: ContactUpdate) {
  const at = input.recordedAt ?? now();
  return inTransaction(database, async ({ db }) => {
    const c = await consultantByCode(db, input.code);
    const before = await db
      .selectFrom('consultant')
      .select(['phone', 'email', 'address'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    const patch: ContactDetails = {};
    for (const k of ['phone', 'email', 'address'] as const) if (input[k] !== undefined) patch[k] = input[k];
    if (Object.keys(patch).length === 0)
      throw new NetworkInputError('invalid', 'phone', 'give at least one of phone, email, address');
    await db.updateTable('consultant').set(patch).where('id', '=', c.id).execute();
    await recordAudit(db, database, {
      actor: input.recordedBy,
      action: 'consultant.contact_changed',
      entityKind: 'consultant',
      entityId: String(c.id),
      before,
      after: patch,
      reason: input.reason ?? null,
      at,
    });
    return { code: c.code, ...before, ...patch };
  });
}
