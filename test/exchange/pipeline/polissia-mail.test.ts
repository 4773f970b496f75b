/**
 * Polissia by configuration: its sample mails (../shared/insurers/polissia, copied into
 * adapters/polissia/__fixtures__) typed by adapters/polissia/adapter.yaml, their XLSX attachments read
 * by mappings/polissia/*, and applied: the register result by In-Reply-To, the bordereau's three
 * sheets as contracts, payments and commission lines, and a corrected bordereau replacing the first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { messageTrail } from '../../../src/exchange/message-store';
import { type ExchangeDeps, processPending, receiveMail } from '../../../src/exchange/pipeline';
import { composeMail } from '../../../src/exchange/transports/email';
import { describeEachEngine } from '../../support/engines';
import { seedPolissia } from '../support/polissia';

/**
 * The mismatch a payment for a policy that appears nowhere else raises. Today's kind; the
 * reconciliation review names it `payment_unknown_policy`: switch it here.
 */
export const PAYMENT_FOR_UNKNOWN_POLICY = 'payment_unknown_policy';

const root = path.resolve(__dirname, '../../..');
const sample = (name: string) => fs.readFileSync(path.join(root, 'adapters/polissia/__fixtures__', name));

/** The October bordereau corrected: the payment for PL-ACC-0000460 and its commission line dropped. */
async function correctedBordereau(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(sample('Бордеро_2026_10.xlsx') as unknown as ArrayBuffer);
  for (const sheet of ['Платежі', 'Винагорода']) {
    const ws = workbook.getWorksheet(sheet)!;
    ws.eachRow((row, n) => {
      if (row.getCell(1).value === 'PL-ACC-0000460') ws.spliceRows(n, 1);
    });
  }
  const xlsx = Buffer.from(await workbook.xlsx.writeBuffer());
  return (
    await composeMail({
      from: '"Полісся партнери" <partners@polissia.example>',
      to: ['exchange@agency.example'],
      subject: 'Бордеро AG0042 10.2026 (виправлений)',
      messageId: '<bdx-2026-10-AG0042-2@polissia.example>',
      text: 'Виправлене бордеро за жовтень 2026 року.',
      attachments: [{ filename: 'Бордеро_2026_10.xlsx', content: xlsx }],
    })
  ).raw;
}

describeEachEngine('Polissia over e-mail, by configuration', (ctx) => {
  let deps: ExchangeDeps;
  const db = () => ctx.database.db;

  beforeAll(async () => {
    await seedPolissia(ctx.database);
    deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
  });

  it('types each sample mail by its sender, subject, In-Reply-To and attachment, storing it raw', async () => {
    const result = await receiveMail(deps, 'POLISSIA', sample('register-result.eml'));
    expect(result.message).toMatchObject({
      channel: 'email',
      messageType: 'register-answer',
      externalId: '<res-14@polissia.example>',
      status: 'received',
    });
    const bordereau = await receiveMail(deps, 'POLISSIA', sample('bordereau-2026-10.eml'));
    expect(bordereau.message.messageType).toBe('bordereau');
    const letter = await receiveMail(deps, 'POLISSIA', sample('letter-policy.eml'));
    // A letter from the insurer's domain is correspondence, not an exchange message.
    expect(letter.message).toMatchObject({ messageType: 'letter', status: 'applied' });
    expect((await receiveMail(deps, 'POLISSIA', sample('bordereau-2026-10.eml'))).duplicate).toBe(true);
  });

  it('applies the register result to register №14 and the bordereau as contracts, payments and commission', async () => {
    const reports = await processPending(deps, 'POLISSIA');
    expect(reports.map((r) => [r.messageType, r.status])).toEqual([
      ['register-answer', 'applied'],
      ['bordereau', 'applied'],
    ]);
    const items = await db()
      .selectFrom('application_register_item as ri')
      .innerJoin('application as a', 'a.id', 'ri.application_id')
      .select(['a.number', 'ri.status', 'ri.reason', 'ri.policy_number'])
      .orderBy('a.number')
      .execute();
    expect(items).toEqual([
      { number: 'Z-2026-00410', status: 'issued', reason: null, policy_number: 'PL-TRV-0001931' },
      { number: 'Z-2026-00411', status: 'issued', reason: null, policy_number: 'PL-ACC-0000452' },
      {
        number: 'Z-2026-00412',
        status: 'rejected',
        reason: 'Вік застрахованої особи понад 75 років',
        policy_number: null,
      },
    ]);

    const policies = await db()
      .selectFrom('policy as p')
      .innerJoin('policy_version as v', 'v.policy_id', 'p.id')
      .select(['p.number', 'v.status', 'v.annual_premium', 'v.sum_insured', 'v.agent_code'])
      .orderBy('p.number')
      .execute();
    expect(policies.map((p) => [p.number, p.status, String(p.annual_premium), p.agent_code])).toEqual([
      ['PL-ACC-0000452', 'in_force', expect.stringMatching(/^2600(\.00?)?$/), 'K-00047'],
      ['PL-ACC-0000460', 'terminated', expect.stringMatching(/^1300(\.00?)?$/), 'K-00031'],
      ['PL-OSC-0077120', 'in_force', expect.stringMatching(/^3120(\.00?)?$/), 'K-00013'],
      ['PL-TRV-0001931', 'expired', expect.stringMatching(/^1840\.50?$/), 'K-00012'],
    ]);
    const payments = await db()
      .selectFrom('premium_payment as pp')
      .innerJoin('policy as p', 'p.id', 'pp.policy_id')
      .select(['p.number', 'pp.paid_on', 'pp.amount'])
      .orderBy('p.number')
      .execute();
    // Four of five: the payment for PL-ACC-0000999 matches no contract anywhere.
    expect(payments.map((p) => [p.number, p.paid_on, Number(p.amount)])).toEqual([
      ['PL-ACC-0000452', '2026-10-05', 2600],
      ['PL-ACC-0000460', '2026-10-20', 1300],
      ['PL-OSC-0077120', '2026-10-12', 3120],
      ['PL-TRV-0001931', '2026-10-03', 1840.5],
    ]);
    const lines = await db()
      .selectFrom('commission_statement_line')
      .select(['policy_number', 'statement_month', 'rate_pct', 'commission'])
      .orderBy('policy_number')
      .execute();
    expect(
      lines.map((l) => [l.policy_number, l.statement_month, Number(l.rate_pct), Number(l.commission)]),
    ).toEqual([
      ['PL-ACC-0000452', '2026-10', 35, 910],
      ['PL-ACC-0000460', '2026-10', 35, 455],
      ['PL-OSC-0077120', '2026-10', 12, 374.4],
      ['PL-TRV-0001931', '2026-10', 30, 552.15],
    ]);
    // Exactly one mismatch: the payment for a policy that appears nowhere else (commission at the agreed rates).
    const mismatches = await db()
      .selectFrom('mismatch')
      .select(['kind', 'policy_number', 'details'])
      .execute();
    expect(mismatches.map((m) => [m.kind, m.policy_number])).toEqual([
      [PAYMENT_FOR_UNKNOWN_POLICY, 'PL-ACC-0000999'],
    ]);
  });

  it('a corrected bordereau replaces the first: what it lacks is reversed, the trail naming both', async () => {
    const corrected = await receiveMail(deps, 'POLISSIA', await correctedBordereau());
    expect(corrected.message.messageType).toBe('bordereau');
    const [report] = await processPending(deps, 'POLISSIA');
    expect(report).toMatchObject({ messageId: corrected.message.id, status: 'applied' });
    const net = await db()
      .selectFrom('premium_payment as pp')
      .innerJoin('policy as p', 'p.id', 'pp.policy_id')
      .select(['p.number', 'pp.amount', 'pp.reverses_payment_id', 'pp.source_message_id'])
      .where('p.number', '=', 'PL-ACC-0000460')
      .orderBy('pp.id')
      .execute();
    expect(net.map((p) => Number(p.amount))).toEqual([1300, -1300]);
    expect(net[1].source_message_id).toBe(corrected.message.id);
    const lines = await db()
      .selectFrom('commission_statement_line')
      .select(['policy_number', 'commission'])
      .where('policy_number', '=', 'PL-ACC-0000460')
      .orderBy('id')
      .execute();
    expect(lines.map((l) => Number(l.commission))).toEqual([455, -455]);
    // Nothing else moved: the other three payments and lines are repeated by the correction.
    expect(await db().selectFrom('premium_payment').select('id').execute()).toHaveLength(5);
    const first = net[0].source_message_id!;
    const trailOfFirst = await messageTrail(ctx.database, Number(first));
    expect(trailOfFirst.map((e: any) => e.detail).join('\n')).toContain(
      `replaced for 2026-10 by message ${corrected.message.id}`,
    );
    const trailOfCorrected = await messageTrail(ctx.database, corrected.message.id);
    expect(trailOfCorrected.map((e: any) => e.detail).join('\n')).toContain(`replaces message ${first}`);
    // Processing again changes nothing.
    expect(await processPending(deps, 'POLISSIA')).toEqual([]);
  });
});
