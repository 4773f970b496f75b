/**
 * An intermediary with consultants and pending applications and nothing else yet: the starting
 * point of an exchange from a clean database. The Dnipro Life applications are exactly those of
 * the spec's sample register REG_AG0042_20261005_001.csv; the Karpaty ones those of its sample batch.
 */
import type { Database } from '../../../src/db';
import { seedInsurersAndConsultants } from '../support/intermediary';

const at = new Date('2026-10-01T08:00:00Z');

interface Party {
  fullName: string;
  taxNumber: string | null;
  birthDate: string | null;
}

export interface PendingApplication {
  number: string;
  insurer: 'DNIPRO_LIFE' | 'KARPATY';
  signedOn: string;
  productCode: string;
  holder: Party;
  insured: Party | null;
  sumInsured: string;
  premium: string;
  frequency: 1 | 2 | 4 | 12;
  agentCode: string;
  details?: Record<string, unknown>;
}

const shevchenko = {
  fullName: 'Шевченко Тарас Григорович',
  taxNumber: '2845102317',
  birthDate: '1978-03-09',
};
const kovalenko = { fullName: 'Коваленко Олена Петрівна', taxNumber: '3012345678', birthDate: '1984-03-12' };
const bondarenko = {
  fullName: 'Бондаренко Ігор Васильович',
  taxNumber: '2567890123',
  birthDate: '1970-11-21',
};
const tkachenko = { fullName: 'Ткаченко Марія Іванівна', taxNumber: '3398765432', birthDate: '1992-07-02' };
const melnyk = { fullName: 'Мельник Юрій Олексійович', taxNumber: '2733344556', birthDate: '1981-01-15' };

export const dniproLifeApplications: PendingApplication[] = [
  {
    number: 'Z-2026-00301',
    insurer: 'DNIPRO_LIFE',
    signedOn: '2026-10-01',
    productCode: 'DL-SAV10',
    holder: shevchenko,
    insured: shevchenko,
    sumInsured: '200000.00',
    premium: '1200.00',
    frequency: 12,
    agentCode: 'K-00012',
  },
  {
    number: 'Z-2026-00302',
    insurer: 'DNIPRO_LIFE',
    signedOn: '2026-10-02',
    productCode: 'DL-SAV20',
    holder: kovalenko,
    insured: kovalenko,
    sumInsured: '350000.00',
    premium: '2450.50',
    frequency: 4,
    agentCode: 'K-00013',
  },
  {
    number: 'Z-2026-00303',
    insurer: 'DNIPRO_LIFE',
    signedOn: '2026-10-03',
    productCode: 'DL-RISK1',
    holder: bondarenko,
    insured: bondarenko,
    sumInsured: '100000.00',
    premium: '980.00',
    frequency: 1,
    agentCode: 'K-00021',
  },
  {
    number: 'Z-2026-00304',
    insurer: 'DNIPRO_LIFE',
    signedOn: '2026-10-04',
    productCode: 'DL-SAV10',
    holder: tkachenko,
    insured: { fullName: 'Ткаченко Олег Петрович', taxNumber: null, birthDate: null },
    sumInsured: '1200000.00',
    premium: '12000.00',
    frequency: 1,
    agentCode: 'K-00031',
  },
  {
    number: 'Z-2026-00305',
    insurer: 'DNIPRO_LIFE',
    signedOn: '2026-10-05',
    productCode: 'DL-SAV20',
    holder: melnyk,
    insured: melnyk,
    sumInsured: '500000.00',
    premium: '3600.00',
    frequency: 12,
    agentCode: 'K-00032',
  },
];

export const karpatyApplications: PendingApplication[] = [
  {
    number: 'A-2026-00017',
    insurer: 'KARPATY',
    signedOn: '2026-10-04',
    productCode: 'KASKO-STD',
    holder: kovalenko,
    insured: null,
    sumInsured: '650000.00',
    premium: '18200.00',
    frequency: 1,
    agentCode: 'K-00031',
    details: { vehicle: { vin: 'WVWZZZ1KZ6W000001', plate: 'АА1234ВС', year: 2019 } },
  },
  {
    number: 'A-2026-00018',
    insurer: 'KARPATY',
    signedOn: '2026-10-04',
    productCode: 'PROP-HOME',
    holder: melnyk,
    insured: null,
    sumInsured: '1200000.00',
    premium: '1150.00',
    frequency: 4,
    agentCode: 'K-00032',
  },
];

export async function seedOnboarding(database: Database, applications: PendingApplication[]): Promise<void> {
  const { db, dialect } = database;
  const { dnipro: dl, karpaty: kr } = await seedInsurersAndConsultants(database);
  const personId = async (p: Party): Promise<number> => {
    const existing = p.taxNumber
      ? await db.selectFrom('person').select('id').where('tax_number', '=', p.taxNumber).executeTakeFirst()
      : undefined;
    if (existing) return Number(existing.id);
    await db
      .insertInto('person')
      .values({
        person_kind: 'individual',
        full_name: p.fullName,
        tax_number: p.taxNumber,
        company_code: null,
        birth_date: p.birthDate,
        created_at: at,
      })
      .execute();
    return Number(
      (
        await db
          .selectFrom('person')
          .select('id')
          .where('full_name', '=', p.fullName)
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow()
      ).id,
    );
  };
  for (const a of applications) {
    const insurer = a.insurer === 'DNIPRO_LIFE' ? dl : kr;
    const product = await db
      .selectFrom('product')
      .select('id')
      .where('insurer_id', '=', insurer)
      .where('code', '=', a.productCode)
      .executeTakeFirstOrThrow();
    const consultant = await db
      .selectFrom('consultant')
      .select('id')
      .where('code', '=', a.agentCode)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('application')
      .values({
        number: a.number,
        insurer_id: insurer,
        product_id: product.id,
        consultant_id: consultant.id,
        policyholder_id: await personId(a.holder),
        insured_person_id: a.insured ? await personId(a.insured) : null,
        signed_on: a.signedOn,
        sum_insured: a.sumInsured,
        premium: a.premium,
        payment_frequency: a.frequency,
        status: 'pending',
        status_reason: null,
        policy_id: null,
        details: dialect.json(a.details ?? null),
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
}
