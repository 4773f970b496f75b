/**
 * Premium payments with the insurer's payment id and reversals by reference, from a file through its
 * mapping to the core, on PGlite and PostgreSQL: a reversal nets to zero against the payment it names
 * and keeps the link; a reversal of a payment the hub has not received is a row issue saying what to
 * do; the same file twice changes nothing (the insurer's payment id de-duplicates).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ApplyContext, applyRecords } from '../../../src/exchange/apply';
import type { CanonicalPremiumPayment } from '../../../src/exchange/canonical';
import { kopiykyFromDecimal } from '../../../src/db';
import { collectMapping, InboundMapper, loadMapping } from '../../../src/exchange/mapping';
import { describeEachEngine } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';
import * as dl from './dnipro-life-samples';

const at = new Date('2026-11-05T09:00:00Z');
const dir = mkdtempSync(path.join(os.tmpdir(), 'payment-ids-'));
const mappingPath = path.join(dir, 'payments.yaml');
// An insurer that numbers its payments and writes a reversal as a positive amount of type СТОРНО.
writeFileSync(
  mappingPath,
  `
version: 1
message: payments
format: csv
columns: [Ід платежу, Тип, Сторнує, Договір, Сплачено, Сума]
defaults: { decimal: point, timeZone: Europe/Kyiv }
fields:
  insurerCode: { const: DNIPRO_LIFE }
  paymentId: { from: Ід платежу }
  reversesPaymentId: { from: Сторнує }
  policyNumber: { from: Договір }
  paidOn: { from: Сплачено, type: date, dateFormat: timestamp }
  amountKop: { from: Сума, type: kopiyky, negateWhen: { from: Тип, equals: СТОРНО } }
  coverFrom: { const: null }
  coverTo: { const: null }
  policyYear: { const: 1 }
`,
);
const HEADER = 'Ід платежу;Тип;Сторнує;Договір;Сплачено;Сума\n';

async function mapped(text: string, fileName = 'PAY_20261105.csv') {
  const mapper = new InboundMapper<'payments'>(loadMapping(mappingPath));
  const result = await collectMapping(
    mapper.map(Buffer.from(HEADER + text, 'utf8'), { fileName, format: { encoding: 'utf-8' } }),
  );
  expect(result.errors).toEqual([]);
  return result.records.map((r) => ({ rowNo: r.rowNo, record: r.record as CanonicalPremiumPayment }));
}

describeEachEngine('premium payments with insurer ids and reversals by reference', (ctx) => {
  let insurerId: number;
  const applyIn = (trx: ApplyContext['trx'], items: { rowNo: number; record: CanonicalPremiumPayment }[]) =>
    applyRecords(
      {
        trx,
        dialect: ctx.database.dialect,
        insurerId,
        insurerCode: 'DNIPRO_LIFE',
        messageId: null,
        recordedAt: at,
      },
      'payments',
      items,
    );
  const apply = (items: { rowNo: number; record: CanonicalPremiumPayment }[]) =>
    ctx.database.db.transaction().execute((trx) => applyIn(trx as ApplyContext['trx'], items));
  const payments = () =>
    ctx.database.db
      .selectFrom('premium_payment as pp')
      .leftJoin('premium_payment as o', 'o.id', 'pp.reverses_payment_id')
      .innerJoin('policy as p', 'p.id', 'pp.policy_id')
      .select([
        'pp.insurer_payment_id',
        'pp.amount',
        'pp.paid_on',
        'p.number',
        'o.insurer_payment_id as reverses',
      ])
      .where('pp.insurer_payment_id', 'is not', null)
      .orderBy('pp.id')
      .execute();

  beforeAll(async () => {
    insurerId = (await seedIntermediary(ctx.database)).dnipro;
    await ctx.database.db.transaction().execute((trx) =>
      applyRecords(
        {
          trx: trx as ApplyContext['trx'],
          dialect: ctx.database.dialect,
          insurerId,
          insurerCode: 'DNIPRO_LIFE',
          messageId: null,
          recordedAt: at,
        },
        'contracts',
        dl.contracts,
      ),
    );
  });

  const FIRST =
    'P-1;ОПЛАТА;;DL-2026-000101;2026-11-01T23:30:00Z;1500.00\n' +
    'P-2;ОПЛАТА;;DL-2026-000102;2026-11-02T10:00:00+02:00;800.00\n' +
    'R-1;СТОРНО;P-1;DL-2026-000101;2026-11-03T10:00:00+02:00;1500.00\n';

  it('keeps the ids, links the reversal to its payment and nets it to zero; the same file twice changes nothing', async () => {
    const items = await mapped(FIRST);
    expect(items.map((i) => i.record.amountKop)).toEqual([150000, 80000, -150000]);
    expect(await apply(items)).toMatchObject({ applied: 3, unchanged: 0, problems: [] });
    expect(await apply(items)).toMatchObject({ applied: 0, unchanged: 3, problems: [] });
    const rows = await payments();
    expect(
      rows.map((r) => [r.insurer_payment_id, kopiykyFromDecimal(r.amount), r.paid_on, r.number, r.reverses]),
    ).toEqual([
      // 23:30 UTC on 1 November is 2 November in Kyiv, the zone the mapping names.
      ['P-1', 150000, '2026-11-02', 'DL-2026-000101', null],
      ['P-2', 80000, '2026-11-02', 'DL-2026-000102', null],
      ['R-1', -150000, '2026-11-03', 'DL-2026-000101', 'P-1'],
    ]);
    const p1 = rows.filter((r) => r.insurer_payment_id === 'P-1' || r.reverses === 'P-1');
    expect(p1.reduce((sum, r) => sum + kopiykyFromDecimal(r.amount), 0)).toBe(0);
  });

  it('links a reversal in a later file to the payment of an earlier one', async () => {
    const outcome = await apply(
      await mapped('R-2;СТОРНО;P-2;DL-2026-000102;2026-11-10T09:00:00+02:00;800.00\n'),
    );
    expect(outcome).toMatchObject({ applied: 1, problems: [] });
    expect((await payments()).find((r) => r.insurer_payment_id === 'R-2')?.reverses).toBe('P-2');
  });

  it('quarantines a reversal of a payment the hub has not received, saying what to do, and applies the rest', async () => {
    const before = (await payments()).length;
    const outcome = await apply(
      await mapped(
        'P-3;ОПЛАТА;;DL-2026-000103;2026-11-11T09:00:00+02:00;300.00\n' +
          'R-9;СТОРНО;P-404;DL-2026-000103;2026-11-12T09:00:00+02:00;300.00\n',
      ),
    );
    expect(outcome.applied).toBe(1);
    expect(outcome.problems).toEqual([
      {
        rowNo: 3,
        field: 'reversesPaymentId',
        kind: 'reference',
        message:
          'reversal of -300.00 on 2026-11-12 for policy DL-2026-000103 refers to payment P-404, which the hub has not received from DNIPRO_LIFE; replay this message once that payment has arrived, or ask DNIPRO_LIFE which payment it reverses',
      },
    ]);
    expect((await payments()).length).toBe(before + 1);
  });

  it('refuses a reversal that does not net to zero, a second reversal, and a changed payment id', async () => {
    const before = (await payments()).length;
    const outcome = await apply(
      await mapped(
        'R-3;СТОРНО;P-3;DL-2026-000103;2026-11-13T09:00:00+02:00;299.99\n' +
          'R-4;СТОРНО;P-1;DL-2026-000101;2026-11-13T09:00:00+02:00;1500.00\n' +
          'P-2;ОПЛАТА;;DL-2026-000102;2026-11-02T10:00:00+02:00;900.00\n',
      ),
    );
    expect(outcome.applied).toBe(0);
    expect(outcome.problems.map((p) => [p.rowNo, p.field, p.kind])).toEqual([
      [2, 'reversesPaymentId', 'validation'],
      [3, 'reversesPaymentId', 'validation'],
      [4, 'paymentId', 'validation'],
    ]);
    const byRow = new Map(outcome.problems.map((p) => [p.rowNo, p.message]));
    expect(byRow.get(2)).toMatch(
      /reversal R-3 of -299\.99 does not net to zero against payment P-3 of 300\.00 .*ask DNIPRO_LIFE for the right amount/,
    );
    expect(byRow.get(3)).toMatch(/payment P-1 is already reversed by R-1; a payment is reversed once/);
    expect(byRow.get(4)).toMatch(
      /payment P-2 was received before .*800\.00 on 2026-11-02.* this row says 900\.00 .*ask DNIPRO_LIFE to reverse it/,
    );
    expect((await payments()).length).toBe(before);
  });

  it('a payment reversed twice in one file: the second is refused', async () => {
    const outcome = await apply(
      await mapped(
        'P-5;ОПЛАТА;;DL-2026-000104;2026-11-14T09:00:00+02:00;100.00\n' +
          'R-5;СТОРНО;P-5;DL-2026-000104;2026-11-15T09:00:00+02:00;100.00\n' +
          'R-6;СТОРНО;P-5;DL-2026-000104;2026-11-15T09:00:00+02:00;100.00\n',
      ),
    );
    expect(outcome.applied).toBe(2);
    expect(outcome.problems).toEqual([
      expect.objectContaining({
        rowNo: 4,
        message: expect.stringMatching(/payment P-5 is already reversed by row 3 of this file/),
      }),
    ]);
  });

  it('two reversals of one payment applied at the same moment: one stands, the other is refused', async () => {
    await apply(await mapped('P-7;ОПЛАТА;;DL-2026-000105;2026-11-16T09:00:00+02:00;700.00\n'));
    const first = await mapped('R-7A;СТОРНО;P-7;DL-2026-000105;2026-11-17T09:00:00+02:00;700.00\n');
    const second = await mapped('R-7B;СТОРНО;P-7;DL-2026-000105;2026-11-17T09:00:00+02:00;700.00\n');
    // The first message's transaction has applied its reversal and not committed yet when the second
    // one applies its own.
    let applied!: () => void;
    const firstApplied = new Promise<void>((resolve) => (applied = resolve));
    let commit!: () => void;
    const mayCommit = new Promise<void>((resolve) => (commit = resolve));
    const a = ctx.database.db.transaction().execute(async (trx) => {
      const outcome = await applyIn(trx as ApplyContext['trx'], first);
      applied();
      await mayCommit;
      return outcome;
    });
    await firstApplied;
    const b = ctx.database.db.transaction().execute((trx) => applyIn(trx as ApplyContext['trx'], second));
    await new Promise((resolve) => setTimeout(resolve, 300));
    commit();
    const [outA, outB] = await Promise.all([a, b]);
    expect(outA).toMatchObject({ applied: 1, problems: [] });
    expect(outB.applied).toBe(0);
    expect(outB.problems).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/payment P-7 is already reversed by R-7A/) }),
    ]);
    expect((await payments()).filter((r) => r.reverses === 'P-7').map((r) => r.insurer_payment_id)).toEqual([
      'R-7A',
    ]);
  });
});
