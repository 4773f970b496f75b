/**
 * A small world for the correspondence suites: Polissia with an accident product, consultant K-00452
 * and policy PL-ACC-0000452 (written through src/policy-records, the policy tables' one writer), and
 * helpers that store mail in the message store as the e-mail channel does.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../../src/db';
import { storeMessage } from '../../../src/exchange/message-store';
import { composeMail, type OutgoingMail } from '../../../src/exchange/transports/email';
import { insertPerson, insertPolicies, insertPolicyVersions } from '../../../src/policy-records';

/** Polissia's sample letter (../shared/insurers/polissia/letter-policy.eml, copied byte for byte). */
export const LETTER_POLICY = fs.readFileSync(path.join(__dirname, 'fixtures', 'letter-policy.eml'));

const at = new Date('2026-10-01T09:00:00Z');

export async function seedPolissia(database: Database): Promise<{ policyId: number; consultantId: number }> {
  const { db } = database;
  for (const [code, name] of [
    ['POLISSIA', 'ТДВ «СК «Полісся»»'],
    ['KARPATY', 'ПрАТ «Карпати Страхування»'],
  ])
    await db.insertInto('insurer').values({ code, name, company_code: null, created_at: at }).execute();
  const insurerId = Number(
    (await db.selectFrom('insurer').select('id').where('code', '=', 'POLISSIA').executeTakeFirstOrThrow()).id,
  );
  await db
    .insertInto('product')
    .values({
      insurer_id: insurerId,
      code: 'ACC-IND',
      name: 'Нещасний випадок',
      product_group: 'accident',
      term_years: 1,
      first_year_rate_pct: '35',
      renewal_rate_pct: '35',
      line_of_business: null,
    })
    .execute();
  const productId = Number(
    (await db.selectFrom('product').select('id').where('code', '=', 'ACC-IND').executeTakeFirstOrThrow()).id,
  );
  await db
    .insertInto('consultant')
    .values({
      code: 'K-00452',
      full_name: 'Консультант K-00452',
      tax_number: null,
      legal_form: 'individual',
      email: null,
      phone: null,
      hired_on: '2025-01-01',
      terminated_on: null,
      created_at: at,
    })
    .execute();
  const consultantId = Number(
    (await db.selectFrom('consultant').select('id').where('code', '=', 'K-00452').executeTakeFirstOrThrow())
      .id,
  );
  const policyId = await db.transaction().execute(async (trx) => {
    const writer = { trx, dialect: database.dialect };
    const holder = await insertPerson(writer, {
      person_kind: 'individual',
      full_name: 'Іваненко Петро',
      tax_number: '3012345678',
      company_code: null,
      birth_date: '1980-05-01',
      created_at: at,
    });
    await insertPolicies(writer, [
      {
        insurer_id: insurerId,
        number: 'PL-ACC-0000452',
        product_id: productId,
        application_id: null,
        created_at: at,
      },
    ]);
    const id = Number(
      (
        await trx
          .selectFrom('policy')
          .select('id')
          .where('number', '=', 'PL-ACC-0000452')
          .executeTakeFirstOrThrow()
      ).id,
    );
    await insertPolicyVersions(writer, [
      {
        policy_id: id,
        version_no: 1,
        valid_from: '2026-01-01',
        recorded_at: at,
        consultant_id: consultantId,
        agent_code: 'K-00452',
        policyholder_id: holder,
        insured_person_id: null,
        issued_on: '2026-01-01',
        cover_start: '2026-01-01',
        cover_end: '2026-12-31',
        sum_insured: '100000.00',
        annual_premium: '1200.00',
        payment_frequency: 1,
        status: 'in_force',
        status_date: '2026-01-01',
        amendment_id: null,
        source_message_id: null,
      },
    ]);
    return id;
  });
  return { policyId, consultantId };
}

/** Stores raw mail as the e-mail channel does (received, channel email). */
export async function storeReceived(
  database: Database,
  raw: Buffer,
  messageType = 'letter',
  insurerCode = 'POLISSIA',
): Promise<number> {
  const stored = await storeMessage(database, {
    insurerCode,
    channel: 'email',
    direction: 'inbound',
    messageType,
    payload: raw,
    contentType: 'message/rfc822',
  });
  return stored.message.id;
}

export async function compose(mail: Partial<OutgoingMail> & { subject: string }): Promise<Buffer> {
  return (
    await composeMail({
      from: 'Ірина Гнатюк <i.hnatiuk@polissia.example>',
      to: ['exchange@agency.example'],
      text: 'Текст листа',
      ...mail,
    })
  ).raw;
}
