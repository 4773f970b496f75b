/**
 * Persons (policyholders and insured): one row per tax number (unique index since migration 0511),
 * added by hand with the check digit verified, found by name or tax number, shown with their
 * policies and applications; contact details change with an audit entry. The rows are written by
 * src/policy-records, the tables' one writer; the rules and the audit are this module's.
 */
import { type ExpressionBuilder, type Kysely, sql, type Transaction } from 'kysely';
import type { Database, DB, IsoDate } from '../../src/db';
import {
  changePersonContacts,
  type ContactDetails,
  insertPerson as insertPersonRow,
} from '../../src/policy-records';
import { type ConsultantScope, recordAudit, visibleConsultantIds } from '../network';
import { conflict, invalid, notFound } from './errors';
import { edrpouProblem, rnokppProblem } from './tax-number';
import { inEffect } from './in-effect';
import { type Page, type PageRequest, readPage } from './paging';

export interface PersonView {
  id: number;
  kind: 'individual' | 'company';
  fullName: string;
  /** РНОКПП of an individual. */
  taxNumber: string | null;
  /** ЄДРПОУ of a company. */
  companyCode: string | null;
  birthDate: IsoDate | null;
  email: string | null;
  phone: string | null;
  address: string | null;
  createdAt: Date;
}

export interface NewPerson {
  kind?: 'individual' | 'company';
  fullName: string;
  taxNumber?: string | null;
  companyCode?: string | null;
  birthDate?: IsoDate | null;
  email?: string | null;
  phone?: string | null;
  address?: string | null;
}

export interface ContactChange {
  email?: string | null;
  phone?: string | null;
  address?: string | null;
}

export interface PersonFilter extends PageRequest {
  /** Part of the name, any case, or the start of a tax number or company code. */
  search?: string;
  taxNumber?: string;
  kind?: 'individual' | 'company';
  sort?: 'name' | 'id' | 'created';
  /** Only the persons on a policy or an application of this scope's consultants (null: everyone). */
  scope?: ConsultantScope | null;
}

const COLUMNS = [
  'id',
  'person_kind',
  'full_name',
  'tax_number',
  'company_code',
  'birth_date',
  'email',
  'phone',
  'address',
  'created_at',
] as const;

type PersonRow = {
  id: number | string;
  person_kind: 'individual' | 'company';
  full_name: string;
  tax_number: string | null;
  company_code: string | null;
  birth_date: IsoDate | null;
  email?: string | null;
  phone?: string | null;
  address?: string | null;
  created_at: Date;
};

export function personView(r: PersonRow): PersonView {
  return {
    id: Number(r.id),
    kind: r.person_kind,
    fullName: r.full_name,
    taxNumber: r.tax_number,
    companyCode: r.company_code,
    birthDate: r.birth_date,
    email: r.email ?? null,
    phone: r.phone ?? null,
    address: r.address ?? null,
    createdAt: r.created_at,
  };
}

/** `%` and `_` typed by a user are letters, not wildcards. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Whether a person is seen by a scope: the holder or insured of a policy whose version in effect
 * today names one of its consultants, or of an application of one of them.
 */
export function personInScope(database: Database, scope: ConsultantScope) {
  const today = new Date().toISOString().slice(0, 10);
  const knownAt = new Date();
  return (eb: ExpressionBuilder<DB, 'person'>) =>
    eb.or([
      eb.exists(
        eb
          .selectFrom('policy_version as pv')
          .select('pv.id')
          .where((w) =>
            w.or([
              w('pv.policyholder_id', '=', w.ref('person.id')),
              w('pv.insured_person_id', '=', w.ref('person.id')),
            ]),
          )
          .where('pv.consultant_id', 'in', visibleConsultantIds(database, scope) as never)
          .where(inEffect(today, knownAt) as never),
      ),
      eb.exists(
        eb
          .selectFrom('application as ap')
          .select('ap.id')
          .where((w) =>
            w.or([
              w('ap.policyholder_id', '=', w.ref('person.id')),
              w('ap.insured_person_id', '=', w.ref('person.id')),
            ]),
          )
          .where('ap.consultant_id', 'in', visibleConsultantIds(database, scope) as never),
      ),
    ]);
}

/** Whether a scope (null: everyone) sees the person with this id. */
export async function personSeenBy(
  database: Database,
  id: number,
  scope: ConsultantScope | null,
): Promise<boolean> {
  if (!scope) return true;
  const row = await database.db
    .selectFrom('person')
    .select('id')
    .where('id', '=', id)
    .where(personInScope(database, scope))
    .executeTakeFirst();
  return row !== undefined;
}

export async function listPersons(database: Database, filter: PersonFilter): Promise<Page<PersonView>> {
  const { db } = database;
  let query = db.selectFrom('person');
  if (filter.scope) query = query.where(personInScope(database, filter.scope));
  if (filter.search) {
    const search = filter.search;
    // The escape character is explicit: Oracle's LIKE has none by default.
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`lower(${sql.ref('full_name')}) like ${likePattern(search)} escape '\\'`,
        eb('tax_number', 'like', `${search.replace(/[\\%_]/g, '')}%`),
        eb('company_code', 'like', `${search.replace(/[\\%_]/g, '')}%`),
      ]),
    );
  }
  if (filter.taxNumber) query = query.where('tax_number', '=', filter.taxNumber);
  if (filter.kind) query = query.where('person_kind', '=', filter.kind);
  const order =
    filter.sort === 'id'
      ? query.orderBy('id')
      : filter.sort === 'created'
        ? query.orderBy('created_at', 'desc').orderBy('id', 'desc')
        : query.orderBy('full_name').orderBy('id');
  const page = await readPage(
    filter,
    order.select(COLUMNS),
    query.select((eb) => eb.fn.countAll().as('total')),
  );
  return { ...page, items: page.items.map(personView) };
}

export async function findPerson(db: Kysely<DB>, id: number): Promise<PersonView | null> {
  const row = await db.selectFrom('person').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? personView(row) : null;
}

/** The person who holds this tax number (or company code), if any. */
export async function personByIdentity(
  db: Kysely<DB>,
  identity: { taxNumber?: string | null; companyCode?: string | null },
): Promise<PersonView | null> {
  if (identity.taxNumber) {
    const row = await db
      .selectFrom('person')
      .select(COLUMNS)
      .where('tax_number', '=', identity.taxNumber)
      .executeTakeFirst();
    return row ? personView(row) : null;
  }
  if (identity.companyCode) {
    const row = await db
      .selectFrom('person')
      .select(COLUMNS)
      .where('company_code', '=', identity.companyCode)
      .where('person_kind', '=', 'company')
      .orderBy('id')
      .executeTakeFirst();
    return row ? personView(row) : null;
  }
  return null;
}

/** Checks a new person's identity; `prefix` names the field in a nested input (`holder.`). */
export function checkNewPerson(person: NewPerson, prefix = ''): void {
  const kind = person.kind ?? 'individual';
  if (!person.fullName?.trim()) throw invalid(`${prefix}fullName`, 'is required');
  if (kind === 'individual') {
    if (person.companyCode) throw invalid(`${prefix}companyCode`, 'is for companies only');
    if (!person.taxNumber) throw invalid(`${prefix}taxNumber`, 'is required for an individual');
    const problem = rnokppProblem(person.taxNumber);
    if (problem) throw invalid(`${prefix}taxNumber`, problem);
  } else {
    if (person.taxNumber) throw invalid(`${prefix}taxNumber`, 'is for individuals only; give companyCode');
    if (!person.companyCode) throw invalid(`${prefix}companyCode`, 'is required for a company');
    const problem = edrpouProblem(person.companyCode);
    if (problem) throw invalid(`${prefix}companyCode`, problem);
    if (person.birthDate) throw invalid(`${prefix}birthDate`, 'is for individuals only');
  }
}

function duplicateOf(existing: PersonView, field: string) {
  const number = existing.taxNumber ?? existing.companyCode;
  return conflict(
    `${field}: ${number} belongs to person ${existing.id} (${existing.fullName}) already`,
    field,
  );
}

/**
 * Inserts a person inside the caller's transaction. The unique index decides between two clerks
 * adding the same tax number at once: the loser's transaction fails with a unique violation, which
 * `addPerson` turns into the same 409 as a duplicate found beforehand.
 */
export async function insertPerson(
  trx: Transaction<DB>,
  database: Database,
  person: NewPerson,
  actor: string,
  reason: string | null,
  prefix = '',
): Promise<PersonView> {
  checkNewPerson(person, prefix);
  const kind = person.kind ?? 'individual';
  const field = `${prefix}${kind === 'individual' ? 'taxNumber' : 'companyCode'}`;
  const existing = await personByIdentity(trx, person);
  if (existing) throw duplicateOf(existing, field);
  const now = new Date();
  const values = {
    person_kind: kind,
    full_name: person.fullName.trim(),
    tax_number: kind === 'individual' ? person.taxNumber! : null,
    company_code: kind === 'company' ? person.companyCode! : null,
    birth_date: person.birthDate ?? null,
    email: person.email ?? null,
    phone: person.phone ?? null,
    address: person.address ?? null,
    created_at: now,
    updated_at: now,
  };
  const id = await insertPersonRow({ trx, dialect: database.dialect }, values);
  const view = (await findPerson(trx, id))!;
  await recordAudit(trx, database, {
    actor,
    action: 'person.added',
    entityKind: 'person',
    entityId: String(id),
    before: null,
    after: view,
    reason,
    at: now,
  });
  return view;
}

export async function addPerson(
  database: Database,
  person: NewPerson,
  actor: string,
  reason: string | null = null,
): Promise<PersonView> {
  checkNewPerson(person);
  try {
    return await database.db
      .transaction()
      .execute((trx) => insertPerson(trx, database, person, actor, reason));
  } catch (error) {
    if (!database.dialect.isUniqueViolation(error)) throw error;
    const twin = await personByIdentity(database.db, person);
    if (!twin) throw error;
    throw duplicateOf(twin, (person.kind ?? 'individual') === 'individual' ? 'taxNumber' : 'companyCode');
  }
}

/** Changes a person's contact details (only the fields given); the audit log keeps before and after. */
export async function updatePersonContacts(
  database: Database,
  id: number,
  change: ContactChange,
  actor: string,
  reason: string | null,
): Promise<PersonView> {
  return database.db.transaction().execute(async (trx) => {
    const before = await findPerson(trx, id);
    if (!before) throw notFound(`person ${id} does not exist`, 'id');
    const set: ContactDetails = {};
    if (change.email !== undefined) set.email = change.email;
    if (change.phone !== undefined) set.phone = change.phone;
    if (change.address !== undefined) set.address = change.address;
    if (!Object.keys(set).length) throw invalid('body', 'give at least one of email, phone, address');
    const now = new Date();
    await changePersonContacts({ trx, dialect: database.dialect }, id, set, now);
    const after = (await findPerson(trx, id))!;
    await recordAudit(trx, database, {
      actor,
      action: 'person.contacts_changed',
      entityKind: 'person',
      entityId: String(id),
      before: { email: before.email, phone: before.phone, address: before.address },
      after: { email: after.email, phone: after.phone, address: after.address },
      reason,
      at: now,
    });
    return after;
  });
}
