/**
 * Persons (policyholders and insured): one row per tax number, held by the unique index
 * person_tax_number_uq (migration 0511). The exchange finds or adds the persons a contract names,
 * the back office adds one by hand and changes contact details, the demo loads its own: all of it
 * through here.
 */
import type { Insertable } from 'kysely';
import type { PersonTable } from '../db';
import { chunks, inList, type Writer } from './writer';

/** Who a person is, as an insurer's file or a clerk gives it. */
export interface PersonIdentity {
  kind: 'individual' | 'company';
  fullName: string;
  /** РНОКПП of an individual, when known. */
  taxNumber: string | null;
  birthDate: string | null;
}

export type NewPersonRow = Omit<Insertable<PersonTable>, 'id'>;

/** Rows per look-up and per insert of `ensurePersons`. */
const BATCH = 5000;

/** The unique index that makes a tax number one person (migration 0511). */
const PERSON_IDENTITY = { columns: ['tax_number'], index: 'person_tax_number_uq' };

/** The key `ensurePersons` answers by: the tax number, or name and birth date when there is none. */
export function personKey(p: PersonIdentity): string {
  return p.taxNumber ? `tax:${p.taxNumber}` : `name:${p.fullName}|${p.birthDate ?? ''}`;
}

/**
 * Finds each person by tax number (or name and birth date when there is none), adding the missing
 * ones as known at `recordedAt`; answers their ids by personKey.
 */
export async function ensurePersons(
  { trx, dialect }: Writer,
  persons: PersonIdentity[],
  recordedAt: Date,
): Promise<Map<string, number>> {
  const unique = new Map(persons.map((p) => [personKey(p), p]));
  const ids = new Map<string, number>();
  const withTax = [...unique.values()].filter((p) => p.taxNumber);
  for (const part of chunks(
    withTax.map((p) => p.taxNumber!),
    BATCH,
  )) {
    const rows = await trx
      .selectFrom('person')
      .select(['id', 'tax_number'])
      .where((eb) => inList(eb, 'tax_number', part))
      .orderBy('id')
      .execute();
    for (const r of rows) if (!ids.has(`tax:${r.tax_number}`)) ids.set(`tax:${r.tax_number}`, Number(r.id));
  }
  for (const p of unique.values()) {
    if (p.taxNumber) continue;
    let query = trx
      .selectFrom('person')
      .select('id')
      .where('full_name', '=', p.fullName)
      .where('tax_number', 'is', null);
    query = p.birthDate ? query.where('birth_date', '=', p.birthDate) : query.where('birth_date', 'is', null);
    const row = await query.executeTakeFirst();
    if (row) ids.set(personKey(p), Number(row.id));
  }
  const missing = [...unique].filter(([key]) => !ids.has(key));
  const row = (p: PersonIdentity) => ({
    person_kind: p.kind,
    full_name: p.fullName,
    tax_number: p.taxNumber,
    company_code: null,
    birth_date: p.birthDate,
    created_at: recordedAt,
  });
  // A tax number is one person, held by a unique index: another worker may be inserting the same
  // person right now, so its row is left out here and found by the look-up after (sorted, so that two
  // workers take the same tax numbers in the same order and do not deadlock).
  const missingTax = missing
    .map(([, p]) => p)
    .filter((p) => p.taxNumber)
    .sort((a, b) => (a.taxNumber! < b.taxNumber! ? -1 : a.taxNumber! > b.taxNumber! ? 1 : 0));
  for (const part of chunks(missingTax, BATCH)) {
    await dialect.insertIgnoringDuplicates(trx, 'person', part.map(row), PERSON_IDENTITY);
    const taxNumbers = part.map((p) => p.taxNumber!);
    const rows = await trx
      .selectFrom('person')
      .select(['id', 'tax_number'])
      .where((eb) => inList(eb, 'tax_number', taxNumbers))
      .execute();
    for (const r of rows) ids.set(`tax:${r.tax_number}`, Number(r.id));
  }
  const missingNamed = missing.filter(([, p]) => !p.taxNumber);
  for (const part of chunks(missingNamed, BATCH)) {
    await dialect.bulkInsert(
      trx,
      'person',
      part.map(([, p]) => row(p)),
    );
    for (const [key, p] of part) {
      let query = trx
        .selectFrom('person')
        .select('id')
        .where('full_name', '=', p.fullName)
        .where('tax_number', 'is', null);
      query = p.birthDate
        ? query.where('birth_date', '=', p.birthDate)
        : query.where('birth_date', 'is', null);
      const found = await query.orderBy('id', 'desc').executeTakeFirstOrThrow();
      ids.set(key, Number(found.id));
    }
  }
  return ids;
}

/**
 * Adds one person and answers the new id. The caller has checked the identity; a tax number or
 * company code someone else added meanwhile fails on the unique index (the caller decides what
 * that means).
 */
export async function insertPerson({ trx, dialect }: Writer, row: NewPersonRow): Promise<number> {
  return dialect.insertReturningId(
    trx,
    'person',
    row,
    row.person_kind === 'individual' ? { tax_number: row.tax_number } : { company_code: row.company_code },
  );
}

export interface ContactDetails {
  email?: string | null;
  phone?: string | null;
  address?: string | null;
}

/** Changes the contact details given (the others stay). */
export async function changePersonContacts(
  { trx }: Writer,
  id: number,
  change: ContactDetails,
  at: Date,
): Promise<void> {
  await trx
    .updateTable('person')
    .set({ ...change, updated_at: at })
    .where('id', '=', id)
    .execute();
}

/** Loads many new persons at once (the demo's book); their ids are read back by tax number. */
export async function loadPersons({ trx, dialect }: Writer, rows: NewPersonRow[]): Promise<void> {
  await dialect.bulkInsert(trx, 'person', rows);
}
