/** Seeds the core tables with a small network, products, policies and payments for the DB suites. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { DEFAULT_PLAN_PATH } from '../../../back-office/compensation/plan';
import { sql } from 'kysely';
import type { Database } from '../../../src/db';
import { OPEN_END, STILL_KNOWN } from '../../../src/db';

export const RECORDED = new Date('2026-01-01T00:00:00Z');

export interface Seeded {
  consultant: Record<string, number>;
  product: Record<string, number>;
  person: number;
  insurer: number;
}

/** Consultants as [code, sponsor code, level, hired_on]; facts valid from 2025-01-01. */
export async function seedNetwork(
  database: Database,
  members: [string, string | null, string][],
): Promise<Seeded> {
  const db = database.db as any;
  const ins = (table: string, values: Record<string, unknown>, key: Record<string, unknown>) =>
    database.dialect.insertReturningId(db, table, values, key);
  const insurer = await ins(
    'insurer',
    { code: 'DNIPRO_LIFE', name: 'Дніпро Лайф', created_at: RECORDED },
    { code: 'DNIPRO_LIFE' },
  );
  const product: Record<string, number> = {};
  for (const [code, group] of [
    ['DL-SAV10', 'savings'],
    ['DL-RISK1', 'term_life'],
    ['KASKO-STD', 'motor'],
  ]) {
    product[code] = await ins(
      'product',
      { insurer_id: insurer, code, name: code, product_group: group },
      { insurer_id: insurer, code },
    );
  }
  const person = await ins(
    'person',
    { person_kind: 'individual', full_name: 'Страхувальник', created_at: RECORDED },
    { full_name: 'Страхувальник' },
  );
  const consultant: Record<string, number> = {};
  for (const [i, [code]] of members.entries()) {
    consultant[code] = await ins(
      'consultant',
      {
        code,
        full_name: `Консультант ${code}`,
        legal_form: 'individual',
        hired_on: `2025-${String(1 + (Math.floor(i / 28) % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
        created_at: RECORDED,
      },
      { code },
    );
  }
  const fact = {
    valid_from: '2025-01-01',
    valid_to: OPEN_END,
    recorded_at: RECORDED,
    superseded_at: STILL_KNOWN,
    recorded_by: 'test',
    reason: null,
  };
  for (const [code, sponsor, level] of members) {
    await db
      .insertInto('consultant_sponsor')
      .values({ consultant_id: consultant[code], sponsor_id: sponsor ? consultant[sponsor] : null, ...fact })
      .execute();
    await db
      .insertInto('consultant_career')
      .values({
        consultant_id: consultant[code],
        level_code: level,
        source: 'initial',
        approved_by: null,
        approved_at: null,
        ...fact,
      })
      .execute();
  }
  return { consultant, product, person, insurer };
}

let policySeq = 0;
let paymentSeq = 0;

/** A policy sold by `consultant` (null: the agent code is unknown) with one version. */
export async function seedPolicy(
  database: Database,
  s: Seeded,
  consultant: string | null,
  options: {
    product?: string;
    issuedOn?: string;
    status?: string;
    statusDate?: string;
    lapseOn?: string;
  } = {},
): Promise<number> {
  const db = database.db as any;
  const number = `DL-T-${String(++policySeq).padStart(6, '0')}`;
  const productCode = options.product ?? 'DL-SAV10';
  const policyId = await database.dialect.insertReturningId(
    db,
    'policy',
    { insurer_id: s.insurer, number, product_id: s.product[productCode], created_at: RECORDED },
    { insurer_id: s.insurer, number },
  );
  const issuedOn = options.issuedOn ?? '2026-03-01';
  const version = (no: number, from: string, status: string, statusDate: string) => ({
    policy_id: policyId,
    version_no: no,
    valid_from: from,
    recorded_at: RECORDED,
    consultant_id: consultant ? s.consultant[consultant] : null,
    agent_code: consultant ?? 'K-99999',
    policyholder_id: s.person,
    insured_person_id: null,
    issued_on: issuedOn,
    cover_start: issuedOn,
    cover_end: '2036-03-01',
    sum_insured: '100000.00',
    annual_premium: '12000.00',
    payment_frequency: 12,
    status,
    status_date: statusDate,
    amendment_id: null,
    source_message_id: null,
  });
  if (options.lapseOn) {
    await db
      .insertInto('policy_version')
      .values(version(1, issuedOn, 'in_force', issuedOn))
      .execute();
    await db
      .insertInto('policy_version')
      .values(version(2, options.lapseOn, 'terminated', options.lapseOn))
      .execute();
  } else {
    await db
      .insertInto('policy_version')
      .values(version(1, issuedOn, 'in_force', issuedOn))
      .execute();
  }
  return policyId;
}

export async function seedPayment(
  database: Database,
  policyId: number,
  paidOn: string,
  amount: string,
  policyYear = 1,
): Promise<void> {
  await (database.db as any)
    .insertInto('premium_payment')
    .values({
      policy_id: policyId,
      paid_on: paidOn,
      amount,
      policy_year: policyYear,
      external_key: `pay-${++paymentSeq}`,
      recorded_at: RECORDED,
      cover_from: null,
      cover_to: null,
      source_message_id: null,
      source_row: null,
    })
    .execute();
}

export async function count(database: Database, table: string): Promise<number> {
  const r = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(table)}`.execute(
    database.db,
  );
  return Number(r.rows[0].n);
}

/** A policy of `consultant` issued on `issuedOn` with one premium payment. */
export async function seedSale(
  database: Database,
  s: Seeded,
  consultant: string,
  issuedOn: string,
  paidOn: string,
  amount: string,
): Promise<number> {
  const policyId = await seedPolicy(database, s, consultant, { issuedOn });
  await seedPayment(database, policyId, paidOn, amount);
  return policyId;
}

/** The default plan with another version and a change to its document, written to a temporary file. */
export function defaultPlanVariant(version: string, change: (doc: any) => void): string {
  const doc = YAML.parse(fs.readFileSync(DEFAULT_PLAN_PATH, 'utf8'));
  doc.version = version;
  change(doc);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plan-variant-')), `${version}.plan.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}
