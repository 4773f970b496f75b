/**
 * A register of 20,000 pending applications is built in one go: every application in the file, in
 * the register's rows and marked sent, in one transaction. A multi-row INSERT of the register's rows
 * (7 columns each) passed PostgreSQL's 65,535 bind parameters above 9,362 applications and failed
 * the whole build; the rows now go by the one bulk path, and the applications are locked and marked
 * a thousand at a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { taxNumberCheckDigit } from '../../../src/demo/names';
import { loadAdapter } from '../../../src/exchange/adapter-config';
import { buildRegister } from '../../../src/exchange/runs/register-builder';
import { loadApplications, loadPersons } from '../../../src/policy-records';
import { seedInsurersAndConsultants } from '../support/intermediary';
import { describeEachEngine } from '../../support/engines';

const COUNT = 20_000;
const at = new Date('2026-10-01T09:00:00Z');

describeEachEngine('a register of 20,000 pending applications', (ctx) => {
  it('holds all of them, and all of them are sent', async () => {
    const { database } = ctx;
    const { dnipro } = await seedInsurersAndConsultants(database);
    const product = await database.db
      .selectFrom('product')
      .select('id')
      .where('code', '=', 'DL-SAV10')
      .executeTakeFirstOrThrow();
    const consultant = await database.db
      .selectFrom('consultant')
      .select('id')
      .where('code', '=', 'K-00012')
      .executeTakeFirstOrThrow();
    const taxNumber = (i: number) => {
      const first9 = String(300_000_000 + i);
      return first9 + String(taxNumberCheckDigit(first9));
    };
    const writer = { trx: database.db, dialect: database.dialect };
    await loadPersons(
      writer,
      Array.from({ length: COUNT }, (_, i) => ({
        person_kind: 'individual' as const,
        full_name: `Клієнт ${i}`,
        tax_number: taxNumber(i),
        company_code: null,
        birth_date: '1980-01-01',
        created_at: at,
      })),
    );
    const persons = new Map(
      (await database.db.selectFrom('person').select(['id', 'tax_number']).execute()).map((p) => [
        p.tax_number,
        Number(p.id),
      ]),
    );
    const number = (i: number) => `W-2026-${String(i + 1).padStart(6, '0')}`;
    await loadApplications(
      writer,
      Array.from({ length: COUNT }, (_, i) => ({
        number: number(i),
        insurer_id: dnipro,
        product_id: Number(product.id),
        consultant_id: Number(consultant.id),
        policyholder_id: persons.get(taxNumber(i))!,
        insured_person_id: null,
        signed_on: '2026-10-01',
        sum_insured: '120000.00',
        premium: '1000.00',
        payment_frequency: 12,
        status: 'pending' as const,
        status_reason: null,
        policy_id: null,
        details: null,
        created_at: at,
        updated_at: at,
      })),
    );

    const started = Date.now();
    const built = await buildRegister(
      { database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) },
      loadAdapter('DNIPRO_LIFE'),
      dnipro,
      '2026-10-05',
    );
    console.log(`register of ${COUNT} applications built in ${Date.now() - started} ms [${database.engine}]`);

    expect(built!.applications).toHaveLength(COUNT);
    expect(built!.premiumTotalKop).toBe(COUNT * 100_000);
    const file = built!.payload.toString('latin1');
    expect([number(0), number(9_999), number(COUNT - 1)].filter((n) => file.includes(n))).toHaveLength(3);
    expect(file.match(/W-2026-\d{6}/g)).toHaveLength(COUNT);

    const register = await database.db
      .selectFrom('application_register')
      .select(['id', 'item_count', 'status'])
      .where('id', '=', built!.registerId)
      .executeTakeFirstOrThrow();
    expect({ items: Number(register.item_count), status: register.status }).toEqual({
      items: COUNT,
      status: 'built',
    });
    const rows = await database.db
      .selectFrom('application_register_item')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('row_no').as('last')])
      .where('register_id', '=', built!.registerId)
      .executeTakeFirstOrThrow();
    expect({ n: Number(rows.n), last: Number(rows.last) }).toEqual({ n: COUNT, last: COUNT });
    const statuses = await database.db
      .selectFrom('application')
      .select(['status', (eb) => eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute();
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['sent', COUNT]]);
  }, 300_000);
});
