/**
 * Insurers and their products as records people keep: read a page at a time (filtered, sorted,
 * products "as of date D"), add and change them with the rules a schema cannot say, each write in
 * the audit log with its author and reason. The API (src/api/routes/core/catalogue.ts), the CLI
 * (`ecspert insurer …`, `ecspert product …`) and the catalogue file sync all come through here.
 */
import type { Kysely } from 'kysely';
import { type Database, type DB, inTransaction } from '../../src/db';
import { PRODUCT_GROUPS } from '../compensation';
import { recordAudit } from '../../src/audit';

/** A catalogue write refused for a reason a person can act on; `statusCode` is what the API answers. */
export class CatalogueError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 404 | 409 | 422 = 422,
    /** The input field at fault, e.g. companyCode. */
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'CatalogueError';
  }
}

export interface InsurerRecord {
  id: number;
  /** The hub's code of the insurer, e.g. DNIPRO_LIFE. */
  code: string;
  name: string;
  /** ЄДРПОУ, 8 digits. */
  companyCode: string | null;
  contactPerson: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
  /** False once the hub no longer works with the insurer. */
  active: boolean;
  createdAt: Date;
  updatedAt: Date | null;
}

export interface ProductRecord {
  id: number;
  insurerCode: string;
  /** The insurer's product code, e.g. DL-SAV10. */
  code: string;
  name: string;
  /** The group the compensation plan gives points by (back-office/plans/default.plan.yaml). */
  productGroup: string;
  /** The insurer's line of business, e.g. life, motor. */
  lineOfBusiness: string | null;
  termYears: number | null;
  /** The intermediary's agreed rate from the insurer, percent as exact text, e.g. '25'. */
  firstYearRatePct: string | null;
  renewalRatePct: string | null;
  active: boolean;
  /** First day it is sold (null: always was); an application whose cover starts earlier is refused. */
  validFrom: string | null;
  /** First day it is no longer sold, exclusive (null: still sold); applications start before it. */
  validTo: string | null;
  updatedAt: Date | null;
}

export interface InsurerFields {
  name: string;
  companyCode?: string | null;
  contactPerson?: string | null;
  contactEmail?: string | null;
  contactPhone?: string | null;
  active?: boolean;
}
export interface InsurerInput extends InsurerFields {
  code: string;
}
export type InsurerChange = Partial<InsurerFields>;

export interface ProductFields {
  name: string;
  productGroup: string;
  lineOfBusiness?: string | null;
  termYears?: number | null;
  firstYearRatePct?: string | null;
  renewalRatePct?: string | null;
  active?: boolean;
  validFrom?: string | null;
  validTo?: string | null;
}
export interface ProductInput extends ProductFields {
  code: string;
}
export type ProductChange = Partial<ProductFields>;

/** Who makes a change and why; both go to the audit log. */
export interface Authorship {
  recordedBy: string;
  reason: string;
  at?: Date;
}

export const INSURER_CODE = /^[A-Z][A-Z0-9_]{1,39}$/;
export const PRODUCT_CODE = /^[A-Z0-9][A-Z0-9-]{0,39}$/;
export const LINE_OF_BUSINESS = /^[a-z][a-z_]{1,39}$/;
const EDRPOU = /^\d{8}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const PHONE = /^\+?[0-9][0-9 ()-]{4,39}$/;
const RATE = /^\d{1,3}(\.\d{1,6})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkAuthorship(who: Authorship): void {
  if (!who.recordedBy?.trim())
    throw new CatalogueError('a catalogue change needs its author', 400, 'recordedBy');
  if (!who.reason?.trim()) throw new CatalogueError('a catalogue change needs a reason', 400, 'reason');
}

function isRealDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** '25.000000' -> '25', '8.50' -> '8.5': the rate as people write it, the same from every engine. */
export function normaliseRate(value: string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function checkInsurerFields(fields: InsurerChange): void {
  if (fields.name !== undefined && !fields.name.trim())
    throw new CatalogueError('must not be empty', 422, 'name');
  if (fields.name !== undefined && fields.name.length > 300)
    throw new CatalogueError('at most 300 characters', 422, 'name');
  if (fields.companyCode && !EDRPOU.test(fields.companyCode))
    throw new CatalogueError(`'${fields.companyCode}' is not an ЄДРПОУ (8 digits)`, 422, 'companyCode');
  if (fields.contactEmail && !EMAIL.test(fields.contactEmail))
    throw new CatalogueError(`'${fields.contactEmail}' is not an e-mail address`, 422, 'contactEmail');
  if (fields.contactPhone && !PHONE.test(fields.contactPhone))
    throw new CatalogueError(`'${fields.contactPhone}' is not a phone number`, 422, 'contactPhone');
}

function checkProductFields(fields: ProductChange, current?: ProductRecord): void {
  if (fields.name !== undefined && !fields.name.trim())
    throw new CatalogueError('must not be empty', 422, 'name');
  if (
    fields.productGroup !== undefined &&
    !(PRODUCT_GROUPS as readonly string[]).includes(fields.productGroup)
  )
    throw new CatalogueError(
      `unknown product group '${fields.productGroup}'; the plan's groups are ${PRODUCT_GROUPS.join(', ')}`,
      422,
      'productGroup',
    );
  if (fields.lineOfBusiness && !LINE_OF_BUSINESS.test(fields.lineOfBusiness))
    throw new CatalogueError(
      `'${fields.lineOfBusiness}' is not a line of business (lower-case word, e.g. life, motor)`,
      422,
      'lineOfBusiness',
    );
  if (
    fields.termYears !== undefined &&
    fields.termYears !== null &&
    !(Number.isInteger(fields.termYears) && fields.termYears >= 1 && fields.termYears <= 100)
  )
    throw new CatalogueError('a whole number of years, 1 to 100', 422, 'termYears');
  for (const key of ['firstYearRatePct', 'renewalRatePct'] as const) {
    const rate = fields[key];
    if (rate !== undefined && rate !== null && (!RATE.test(rate) || Number(rate) > 100))
      throw new CatalogueError(`'${rate}' is not a percentage from 0 to 100`, 422, key);
  }
  for (const key of ['validFrom', 'validTo'] as const) {
    const date = fields[key];
    if (date && !isRealDate(date)) throw new CatalogueError(`'${date}' is not a date (yyyy-mm-dd)`, 422, key);
  }
  const from = fields.validFrom !== undefined ? fields.validFrom : (current?.validFrom ?? null);
  const to = fields.validTo !== undefined ? fields.validTo : (current?.validTo ?? null);
  if (from && to && to <= from)
    throw new CatalogueError(
      `${to} is not after validFrom ${from} (validTo is the first day not sold)`,
      422,
      'validTo',
    );
}

const insurerColumns = [
  'id',
  'code',
  'name',
  'company_code',
  'contact_person',
  'contact_email',
  'contact_phone',
  'active',
  'created_at',
  'updated_at',
] as const;

type InsurerRow = {
  id: number;
  code: string;
  name: string;
  company_code: string | null;
  contact_person: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  active: number;
  created_at: Date;
  updated_at: Date | null;
};

function toInsurer(r: InsurerRow): InsurerRecord {
  return {
    id: Number(r.id),
    code: r.code,
    name: r.name,
    companyCode: r.company_code,
    contactPerson: r.contact_person,
    contactEmail: r.contact_email,
    contactPhone: r.contact_phone,
    active: Number(r.active) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const productColumns = [
  'p.id',
  'i.code as insurer_code',
  'p.code',
  'p.name',
  'p.product_group',
  'p.line_of_business',
  'p.term_years',
  'p.first_year_rate_pct',
  'p.renewal_rate_pct',
  'p.active',
  'p.valid_from',
  'p.valid_to',
  'p.updated_at',
] as const;

type ProductRow = {
  id: number;
  insurer_code: string;
  code: string;
  name: string;
  product_group: string;
  line_of_business: string | null;
  term_years: number | null;
  first_year_rate_pct: string | null;
  renewal_rate_pct: string | null;
  active: number;
  valid_from: string | null;
  valid_to: string | null;
  updated_at: Date | null;
};

function toProduct(r: ProductRow): ProductRecord {
  return {
    id: Number(r.id),
    insurerCode: r.insurer_code,
    code: r.code,
    name: r.name,
    productGroup: r.product_group,
    lineOfBusiness: r.line_of_business,
    termYears: r.term_years === null ? null : Number(r.term_years),
    firstYearRatePct: normaliseRate(r.first_year_rate_pct),
    renewalRatePct: normaliseRate(r.renewal_rate_pct),
    active: Number(r.active) === 1,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    updatedAt: r.updated_at,
  };
}

export interface ListPage<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

/** A page of rows read with `.offset().fetch()` (Oracle has no LIMIT) and the total of the same filter. */
async function readPage<Row, T>(
  query: { page: number; pageSize: number },
  rows: { offset(n: number): { fetch(n: number): { execute(): Promise<unknown[]> } } },
  total: { executeTakeFirstOrThrow(): Promise<{ total: unknown }> },
  toRecord: (row: Row) => T,
): Promise<ListPage<T>> {
  const items = await rows
    .offset((query.page - 1) * query.pageSize)
    .fetch(query.pageSize)
    .execute();
  const counted = await total.executeTakeFirstOrThrow();
  return {
    items: (items as Row[]).map(toRecord),
    page: query.page,
    pageSize: query.pageSize,
    total: Number(counted.total),
  };
}

/** `-name` -> the column of name, descending. */
function sortedBy<C extends Record<string, string>>(
  sort: string,
  columns: C,
): { column: C[keyof C]; direction: 'asc' | 'desc' } {
  return {
    column: columns[sort.replace(/^-/, '') as keyof C],
    direction: sort.startsWith('-') ? 'desc' : 'asc',
  };
}

export const INSURER_SORTS = ['code', '-code', 'name', '-name', 'createdAt', '-createdAt'] as const;
export type InsurerSort = (typeof INSURER_SORTS)[number];

export interface InsurerQuery {
  page: number;
  pageSize: number;
  active?: boolean;
  /** Part of the code or the name, any case. */
  q?: string;
  sort?: InsurerSort;
}

const insurerSortColumn = { code: 'code', name: 'name', createdAt: 'created_at' } as const;

/** A LIKE pattern for "contains, any case" (a % or _ typed in the search matches loosely). */
function likePattern(text: string): string {
  return `%${text.toLowerCase()}%`;
}

export async function listInsurers(
  database: Database,
  query: InsurerQuery,
): Promise<ListPage<InsurerRecord>> {
  const db = database.db;
  const filtered = () => {
    let q = db.selectFrom('insurer');
    if (query.active !== undefined) q = q.where('active', '=', query.active ? 1 : 0);
    if (query.q) {
      const pattern = likePattern(query.q);
      q = q.where((eb) =>
        eb.or([eb(eb.fn('lower', ['code']), 'like', pattern), eb(eb.fn('lower', ['name']), 'like', pattern)]),
      );
    }
    return q;
  };
  const { column, direction } = sortedBy(query.sort ?? 'code', insurerSortColumn);
  let rows = filtered()
    .select([...insurerColumns])
    .orderBy(column, direction);
  if (column !== 'code') rows = rows.orderBy('code');
  const total = filtered().select((eb) => eb.fn.countAll().as('total'));
  return readPage(query, rows, total, toInsurer);
}

async function insurerRow(db: Kysely<DB>, code: string, forUpdate = false): Promise<InsurerRow | undefined> {
  let q = db
    .selectFrom('insurer')
    .select([...insurerColumns])
    .where('code', '=', code);
  if (forUpdate) q = q.forUpdate();
  return (await q.executeTakeFirst()) as InsurerRow | undefined;
}

export async function findInsurer(database: Database, code: string): Promise<InsurerRecord | null> {
  const row = await insurerRow(database.db, code);
  return row ? toInsurer(row) : null;
}

export async function getInsurer(database: Database, code: string): Promise<InsurerRecord> {
  const found = await findInsurer(database, code);
  if (!found) throw new CatalogueError(`no insurer with code '${code}'`, 404, 'code');
  return found;
}

function auditedInsurer(r: InsurerRecord) {
  const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = r;
  return rest;
}

function auditedProduct(r: ProductRecord) {
  const { id: _id, updatedAt: _u, ...rest } = r;
  return rest;
}

/** Unique keys answer 409: two people adding the same code at once, or a code already taken. */
async function uniquely<T>(database: Database, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (database.dialect.isUniqueViolation(error))
      throw new CatalogueError(`${what} already exists`, 409, 'code');
    throw error;
  }
}

/** One catalogue write in the audit log, in the transaction that makes it. */
async function audit(
  tx: Database,
  who: Authorship,
  at: Date,
  action: `${'insurer' | 'product'}.${'add' | 'update'}`,
  entityId: string,
  before: object | null,
  after: object,
): Promise<void> {
  await recordAudit(tx.db, tx, {
    actor: who.recordedBy,
    action,
    entityKind: action.startsWith('insurer') ? 'insurer' : 'product',
    entityId,
    before,
    after,
    reason: who.reason,
    at,
  });
}

/**
 * What a change sets: the columns of the fields that take a new value (names trimmed, rates as
 * people write them, active as 1/0) and the names of those fields; a field asked for as it already
 * is changes nothing.
 */
function changeSet<F extends string>(
  change: Partial<Record<NoInfer<F>, unknown>>,
  before: Record<NoInfer<F>, unknown>,
  columns: Record<F, string>,
): { set: Record<string, unknown>; changed: string[] } {
  const set: Record<string, unknown> = {};
  const changed: string[] = [];
  for (const field of Object.keys(columns) as F[]) {
    let next = change[field];
    if (next === undefined) continue;
    if (field === 'name') next = (next as string).trim();
    if (field.endsWith('RatePct')) next = normaliseRate(next as string | null);
    if (next === before[field]) continue;
    set[columns[field]] = field === 'active' ? (next ? 1 : 0) : next;
    changed.push(field);
  }
  return { set, changed };
}

export async function addInsurer(
  database: Database,
  input: InsurerInput,
  who: Authorship,
): Promise<InsurerRecord> {
  checkAuthorship(who);
  if (!INSURER_CODE.test(input.code))
    throw new CatalogueError(
      `'${input.code}' is not an insurer code (capital letters, digits and _, e.g. DNIPRO_LIFE)`,
      422,
      'code',
    );
  checkInsurerFields(input);
  const at = who.at ?? new Date();
  return uniquely(database, `insurer ${input.code}`, () =>
    inTransaction(database, async (tx) => {
      const db = tx.db;
      if (await insurerRow(db, input.code))
        throw new CatalogueError(`insurer ${input.code} already exists`, 409, 'code');
      await db
        .insertInto('insurer')
        .values({
          code: input.code,
          name: input.name.trim(),
          company_code: input.companyCode ?? null,
          contact_person: input.contactPerson ?? null,
          contact_email: input.contactEmail ?? null,
          contact_phone: input.contactPhone ?? null,
          active: input.active === false ? 0 : 1,
          created_at: at,
          updated_at: null,
        })
        .execute();
      const created = toInsurer((await insurerRow(db, input.code))!);
      await audit(tx, who, at, 'insurer.add', input.code, null, auditedInsurer(created));
      return created;
    }),
  );
}

const insurerFieldColumn = {
  name: 'name',
  companyCode: 'company_code',
  contactPerson: 'contact_person',
  contactEmail: 'contact_email',
  contactPhone: 'contact_phone',
  active: 'active',
} as const;

export interface Changed<T> {
  record: T;
  /** The fields that took a new value; empty when the change asked for what was already there. */
  changed: string[];
}

export async function updateInsurer(
  database: Database,
  code: string,
  change: InsurerChange,
  who: Authorship,
): Promise<Changed<InsurerRecord>> {
  checkAuthorship(who);
  checkInsurerFields(change);
  const at = who.at ?? new Date();
  return inTransaction(database, async (tx) => {
    const db = tx.db;
    const row = await insurerRow(db, code, true);
    if (!row) throw new CatalogueError(`no insurer with code '${code}'`, 404, 'code');
    const before = toInsurer(row);
    const { set, changed } = changeSet(change, before, insurerFieldColumn);
    if (!changed.length) return { record: before, changed };
    await db
      .updateTable('insurer')
      .set({ ...set, updated_at: at })
      .where('id', '=', before.id)
      .execute();
    const after = toInsurer((await insurerRow(db, code))!);
    await audit(tx, who, at, 'insurer.update', code, auditedInsurer(before), auditedInsurer(after));
    return { record: after, changed };
  });
}

export const PRODUCT_SORTS = [
  'code',
  '-code',
  'name',
  '-name',
  'insurer',
  '-insurer',
  'productGroup',
  '-productGroup',
  'validFrom',
  '-validFrom',
] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ProductQuery {
  page: number;
  pageSize: number;
  insurer?: string;
  productGroup?: string;
  lineOfBusiness?: string;
  active?: boolean;
  /** Only products sold on this date (validFrom <= D < validTo). */
  asOf?: string;
  q?: string;
  sort?: ProductSort;
}

const productSortColumn = {
  code: 'p.code',
  name: 'p.name',
  insurer: 'i.code',
  productGroup: 'p.product_group',
  validFrom: 'p.valid_from',
} as const;

export async function listProducts(
  database: Database,
  query: ProductQuery,
): Promise<ListPage<ProductRecord>> {
  if (query.asOf && !isRealDate(query.asOf))
    throw new CatalogueError(`'${query.asOf}' is not a date (yyyy-mm-dd)`, 400, 'asOf');
  const db = database.db;
  const filtered = () => {
    let q = db.selectFrom('product as p').innerJoin('insurer as i', 'i.id', 'p.insurer_id');
    if (query.insurer) q = q.where('i.code', '=', query.insurer);
    if (query.productGroup) q = q.where('p.product_group', '=', query.productGroup);
    if (query.lineOfBusiness) q = q.where('p.line_of_business', '=', query.lineOfBusiness);
    if (query.active !== undefined) q = q.where('p.active', '=', query.active ? 1 : 0);
    if (query.asOf) {
      const d = query.asOf;
      q = q
        .where((eb) => eb.or([eb('p.valid_from', 'is', null), eb('p.valid_from', '<=', d)]))
        .where((eb) => eb.or([eb('p.valid_to', 'is', null), eb('p.valid_to', '>', d)]));
    }
    if (query.q) {
      const pattern = likePattern(query.q);
      q = q.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['p.code']), 'like', pattern),
          eb(eb.fn('lower', ['p.name']), 'like', pattern),
        ]),
      );
    }
    return q;
  };
  const { column, direction } = sortedBy(query.sort ?? 'insurer', productSortColumn);
  const rows = filtered()
    .select([...productColumns])
    .orderBy(column, direction)
    .orderBy('i.code')
    .orderBy('p.code');
  const total = filtered().select((eb) => eb.fn.countAll().as('total'));
  return readPage(query, rows, total, toProduct);
}

async function productRow(db: Kysely<DB>, insurerId: number, code: string): Promise<ProductRow | undefined> {
  return (await db
    .selectFrom('product as p')
    .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
    .select([...productColumns])
    .where('p.insurer_id', '=', insurerId)
    .where('p.code', '=', code)
    .executeTakeFirst()) as ProductRow | undefined;
}

export async function addProduct(
  database: Database,
  insurerCode: string,
  input: ProductInput,
  who: Authorship,
): Promise<ProductRecord> {
  checkAuthorship(who);
  if (!PRODUCT_CODE.test(input.code))
    throw new CatalogueError(
      `'${input.code}' is not a product code (capital letters, digits and -, e.g. DL-SAV10)`,
      422,
      'code',
    );
  checkProductFields(input);
  const at = who.at ?? new Date();
  return uniquely(database, `product ${insurerCode}/${input.code}`, () =>
    inTransaction(database, async (tx) => {
      const db = tx.db;
      const insurer = await insurerRow(db, insurerCode);
      if (!insurer) throw new CatalogueError(`no insurer with code '${insurerCode}'`, 404, 'insurer');
      if (await productRow(db, Number(insurer.id), input.code))
        throw new CatalogueError(`product ${insurerCode}/${input.code} already exists`, 409, 'code');
      await db
        .insertInto('product')
        .values({
          insurer_id: Number(insurer.id),
          code: input.code,
          name: input.name.trim(),
          product_group: input.productGroup,
          line_of_business: input.lineOfBusiness ?? null,
          term_years: input.termYears ?? null,
          first_year_rate_pct: input.firstYearRatePct ?? null,
          renewal_rate_pct: input.renewalRatePct ?? null,
          active: input.active === false ? 0 : 1,
          valid_from: input.validFrom ?? null,
          valid_to: input.validTo ?? null,
          updated_at: null,
        })
        .execute();
      const created = toProduct((await productRow(db, Number(insurer.id), input.code))!);
      await audit(tx, who, at, 'product.add', `${insurerCode}/${input.code}`, null, auditedProduct(created));
      return created;
    }),
  );
}

const productFieldColumn = {
  name: 'name',
  productGroup: 'product_group',
  lineOfBusiness: 'line_of_business',
  termYears: 'term_years',
  firstYearRatePct: 'first_year_rate_pct',
  renewalRatePct: 'renewal_rate_pct',
  active: 'active',
  validFrom: 'valid_from',
  validTo: 'valid_to',
} as const;

export async function updateProduct(
  database: Database,
  insurerCode: string,
  code: string,
  change: ProductChange,
  who: Authorship,
): Promise<Changed<ProductRecord>> {
  checkAuthorship(who);
  const at = who.at ?? new Date();
  return inTransaction(database, async (tx) => {
    const db = tx.db;
    const insurer = await insurerRow(db, insurerCode, true);
    if (!insurer) throw new CatalogueError(`no insurer with code '${insurerCode}'`, 404, 'insurer');
    const row = await productRow(db, Number(insurer.id), code);
    if (!row) throw new CatalogueError(`no product ${insurerCode}/${code}`, 404, 'code');
    const before = toProduct(row);
    checkProductFields(change, before);
    const { set, changed } = changeSet(change, before, productFieldColumn);
    if (!changed.length) return { record: before, changed };
    await db
      .updateTable('product')
      .set({ ...set, updated_at: at })
      .where('id', '=', before.id)
      .execute();
    const after = toProduct((await productRow(db, Number(insurer.id), code))!);
    await audit(
      tx,
      who,
      at,
      'product.update',
      `${insurerCode}/${code}`,
      auditedProduct(before),
      auditedProduct(after),
    );
    return { record: after, changed };
  });
}

/** Every product of one insurer, by code (for the sync and `insurer show`). */
export async function productsOf(database: Database, insurerCode: string): Promise<ProductRecord[]> {
  const rows = await database.db
    .selectFrom('product as p')
    .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
    .select([...productColumns])
    .where('i.code', '=', insurerCode)
    .orderBy('p.code')
    .execute();
  return (rows as unknown as ProductRow[]).map(toProduct);
}
