/**
 * Polissia for the exchange tests: the insurer, its three products, the consultants its samples name,
 * an application accepted earlier (Z-2026-00415) and register №14 (Z-2026-00410..00412), sent by mail as <register-AG0042-14@agency.example>, which
 * its sample register result answers.
 */
import type { Database } from '../../../src/db';
import { seedInsurersAndConsultants } from './intermediary';

const at = new Date('2026-10-01T09:00:00Z');

export async function seedPolissia(database: Database): Promise<{ insurerId: number; holderId: number }> {
  const { db } = database;
  await seedInsurersAndConsultants(database);
  await db
    .insertInto('insurer')
    .values({ code: 'POLISSIA', name: 'ТДВ «СК «Полісся»»', company_code: '33908150', created_at: at })
    .execute();
  const insurer = Number(
    (await db.selectFrom('insurer').select('id').where('code', '=', 'POLISSIA').executeTakeFirstOrThrow()).id,
  );
  for (const [code, group, rate] of [
    ['TRV-EU', 'travel', '30'],
    ['ACC-IND', 'accident', '35'],
    ['OSCPV', 'mtpl', '12'],
  ])
    await db
      .insertInto('product')
      .values({
        insurer_id: insurer,
        code,
        name: code,
        product_group: group,
        term_years: 1,
        first_year_rate_pct: rate,
        renewal_rate_pct: rate,
      })
      .execute();
  const holder = await database.dialect.insertReturningId(
    db,
    'person',
    {
      person_kind: 'individual',
      full_name: 'Мельник Юрій Олексійович',
      tax_number: '2733344556',
      company_code: null,
      birth_date: null,
      created_at: at,
    },
    { tax_number: '2733344556' },
  );
  // Register №14, sent by mail as <register-AG0042-14@agency.example>.
  const registerId = await database.dialect.insertReturningId(
    db,
    'application_register',
    {
      insurer_id: insurer,
      register_no: 'Реєстр заяв AG0042 від 02.10.2026 №14',
      register_date: '2026-10-02',
      sequence_no: 14,
      status: 'sent',
      item_count: 3,
      premium_total: '5740.50',
      external_id: '<register-AG0042-14@agency.example>',
      outbound_message_id: null,
      created_at: at,
      sent_at: at,
    },
    { sequence_no: 14 },
  );
  for (const [i, [number, product, agent]] of [
    ['Z-2026-00410', 'TRV-EU', 'K-00012'],
    ['Z-2026-00411', 'ACC-IND', 'K-00047'],
    ['Z-2026-00412', 'ACC-IND', 'K-00047'],
  ].entries()) {
    const productId = (
      await db.selectFrom('product').select('id').where('code', '=', product).executeTakeFirstOrThrow()
    ).id;
    const consultantId = (
      await db.selectFrom('consultant').select('id').where('code', '=', agent).executeTakeFirstOrThrow()
    ).id;
    const appId = await database.dialect.insertReturningId(
      db,
      'application',
      {
        number,
        insurer_id: insurer,
        product_id: productId,
        consultant_id: consultantId,
        policyholder_id: holder,
        insured_person_id: null,
        signed_on: '2026-10-01',
        sum_insured: '100000.00',
        premium: '1000.00',
        payment_frequency: 1,
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
  // Z-2026-00415, which the bordereau's PL-ACC-0000460 cites, went in an earlier register and was
  // accepted: the hub holds it, so that contract is no contract_without_application.
  const accident = await db
    .selectFrom('product')
    .select('id')
    .where('code', '=', 'ACC-IND')
    .executeTakeFirstOrThrow();
  const k47 = await db
    .selectFrom('consultant')
    .select('id')
    .where('code', '=', 'K-00047')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('application')
    .values({
      number: 'Z-2026-00415',
      insurer_id: insurer,
      product_id: accident.id,
      consultant_id: k47.id,
      policyholder_id: holder,
      insured_person_id: null,
      signed_on: '2026-09-20',
      sum_insured: '100000.00',
      premium: '1300.00',
      payment_frequency: 1,
      status: 'accepted',
      status_reason: null,
      policy_id: null,
      details: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  return { insurerId: insurer, holderId: Number(holder) };
}
