/**
 * A small intermediary for the exchange tests: Dnipro Life and Karpaty with their products, the
 * consultants the sample files name, and the register Dnipro Life's ACK answers (five applications
 * Z-2026-00301..00305, as sent in REG_AG0042_20261005_001.csv).
 */
import type { Database } from '../../../src/db';

const at = new Date('2026-10-05T09:00:00Z');

/** The two insurers with their products and the consultants the sample files name. */
export async function seedInsurersAndConsultants(database: Database) {
  const { db } = database;
  for (const [code, name] of [
    ['DNIPRO_LIFE', 'ПрАТ «СК «Дніпро Життя»»'],
    ['KARPATY', 'ПрАТ «Карпати Страхування»'],
  ]) {
    await db.insertInto('insurer').values({ code, name, company_code: null, created_at: at }).execute();
  }
  const insurer = async (code: string) =>
    Number(
      (await db.selectFrom('insurer').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id,
    );
  const dnipro = await insurer('DNIPRO_LIFE');
  const karpaty = await insurer('KARPATY');
  await db
    .insertInto('product')
    .values([
      {
        insurer_id: dnipro,
        code: 'DL-SAV10',
        name: 'Надійне майбутнє 10',
        product_group: 'savings',
        term_years: 10,
        first_year_rate_pct: '25',
        renewal_rate_pct: '8',
      },
      {
        insurer_id: dnipro,
        code: 'DL-SAV20',
        name: 'Надійне майбутнє 20',
        product_group: 'savings',
        term_years: 20,
        first_year_rate_pct: '30',
        renewal_rate_pct: '8',
      },
      {
        insurer_id: dnipro,
        code: 'DL-RISK1',
        name: 'Захист',
        product_group: 'term_life',
        term_years: 1,
        first_year_rate_pct: '20',
        renewal_rate_pct: '20',
      },
      {
        insurer_id: karpaty,
        code: 'KASKO-STD',
        name: 'КАСКО Стандарт',
        product_group: 'motor',
        term_years: 1,
        first_year_rate_pct: '15',
        renewal_rate_pct: '15',
      },
      {
        insurer_id: karpaty,
        code: 'KASKO-PRM',
        name: 'КАСКО Преміум',
        product_group: 'motor',
        term_years: 1,
        first_year_rate_pct: '17',
        renewal_rate_pct: '17',
      },
      {
        insurer_id: karpaty,
        code: 'PROP-HOME',
        name: 'Мій дім',
        product_group: 'property',
        term_years: 1,
        first_year_rate_pct: '25',
        renewal_rate_pct: '25',
      },
      {
        insurer_id: karpaty,
        code: 'ACC-FAM',
        name: 'Сімейний захист',
        product_group: 'accident',
        term_years: 1,
        first_year_rate_pct: '30',
        renewal_rate_pct: '30',
      },
    ])
    .execute();
  for (const code of ['K-00012', 'K-00013', 'K-00021', 'K-00031', 'K-00032', 'K-00047']) {
    await db
      .insertInto('consultant')
      .values({
        code,
        full_name: `Консультант ${code}`,
        tax_number: null,
        legal_form: 'individual',
        email: null,
        phone: null,
        hired_on: '2025-01-01',
        terminated_on: null,
        created_at: at,
      })
      .execute();
  }
  return { dnipro, karpaty };
}

export async function seedIntermediary(database: Database) {
  const { db } = database;
  const { dnipro, karpaty } = await seedInsurersAndConsultants(database);
  const consultant = async (code: string) =>
    Number(
      (await db.selectFrom('consultant').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id,
    );
  await db
    .insertInto('person')
    .values({
      person_kind: 'individual',
      full_name: 'Шевченко Тарас Григорович',
      tax_number: '2845102317',
      company_code: null,
      birth_date: '1978-03-09',
      created_at: at,
    })
    .execute();
  const holder = Number((await db.selectFrom('person').select('id').executeTakeFirstOrThrow()).id);
  const registerId = await database.dialect.insertReturningId(
    db,
    'application_register',
    {
      insurer_id: dnipro,
      register_no: 'REG_AG0042_20261005_001.csv',
      register_date: '2026-10-05',
      sequence_no: 1,
      status: 'sent',
      item_count: 5,
      premium_total: '20230.50',
      external_id: null,
      outbound_message_id: null,
      created_at: at,
      sent_at: at,
    },
    { register_no: 'REG_AG0042_20261005_001.csv' },
  );
  const apps: [string, string, string][] = [
    ['Z-2026-00301', 'DL-SAV10', 'K-00012'],
    ['Z-2026-00302', 'DL-SAV20', 'K-00013'],
    ['Z-2026-00303', 'DL-RISK1', 'K-00021'],
    ['Z-2026-00304', 'DL-SAV10', 'K-00031'],
    ['Z-2026-00305', 'DL-SAV20', 'K-00032'],
  ];
  for (const [i, [number, productCode, agent]] of apps.entries()) {
    const product = await db
      .selectFrom('product')
      .select('id')
      .where('code', '=', productCode)
      .executeTakeFirstOrThrow();
    const appId = await database.dialect.insertReturningId(
      db,
      'application',
      {
        number,
        insurer_id: dnipro,
        product_id: product.id,
        consultant_id: await consultant(agent),
        policyholder_id: holder,
        insured_person_id: null,
        signed_on: '2026-10-01',
        sum_insured: '100000.00',
        premium: '1000.00',
        payment_frequency: 12,
        status: 'sent',
        status_reason: null,
        policy_id: null,
        details: null,
        created_at: at,
        updated_at: at,
      },
      { number },
    );
    await db
      .insertInto('application_register_item')
      .values({
        register_id: registerId,
        application_id: appId,
        row_no: i + 1,
        status: 'sent',
        reason: null,
        policy_number: null,
        answered_at: null,
      })
      .execute();
  }
  return { dnipro, karpaty };
}
