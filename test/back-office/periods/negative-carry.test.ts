/**
 * A consultant whose period nets below zero after a chargeback (issue 9, Money 3): no act that
 * month, the debt carries forward and is netted in the next act with a line that says so, and the
 * acts check counts every consultant: acts + balances carried forward = ledger + balances carried in.
 *
 * S sells a policy in March (3 000,00 personal) that lapses on 2026-04-20: April charges back
 * 11/12 of what it earned and S sells nothing in April, so April nets below zero. In May S sells
 * again, more than the debt.
 */
import { sql } from 'kysely';
import { CARRIED_FORWARD, loadActPdf } from '../../../back-office/acts';
import { calculatePeriod } from '../../../back-office/compensation';
import { closePeriod, producePeriodActs } from '../../../back-office/periods';
import type { Database } from '../../../src/db';
import { describeEachEngine } from '../../support/engines';
import { intermediary } from '../acts/fixtures';
import { seedNetwork, seedPayment, seedPolicy, seedSale, type Seeded } from '../compensation/db-support';

jest.setTimeout(120_000);

const KNOWN = new Date('2026-07-01T00:00:00Z');

/** Each consultant's ledger in a period (posted runs), in kopiyky. */
async function ledgerOf(database: Database, period: string): Promise<Map<string, number>> {
  const rows = await sql<{ code: string; total: string }>`
    select c.code, sum(a.amount) as total from accrual a
    join calculation_run r on r.id = a.run_id join consultant c on c.id = a.consultant_id
    where r.status = 'posted' and a.period_code = ${period} group by c.code`.execute(database.db);
  return new Map(rows.rows.map((r) => [r.code, Math.round(Number(r.total) * 100)]));
}

async function calculateAndClose(database: Database, period: string) {
  await calculatePeriod(database, period, { knownAt: KNOWN, createdBy: 'buh' });
  await closePeriod(database, period, { closedBy: 'buh' });
  return producePeriodActs(database, period, { intermediary, createdBy: 'buh' });
}

describeEachEngine('a negative balance after a chargeback', (ctx) => {
  let s: Seeded;
  let april: Map<string, number>;

  beforeAll(async () => {
    const database = ctx.database;
    s = await seedNetwork(database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
    ]);
    const lapsing = await seedPolicy(database, s, 'S', { lapseOn: '2026-04-20' });
    await seedPayment(database, lapsing, '2026-03-10', '40000.00');
    await seedSale(database, s, 'D', '2026-03-02', '2026-03-15', '120000.00');
    await seedSale(database, s, 'D', '2026-04-02', '2026-04-15', '120000.00');
    await seedSale(database, s, 'S', '2026-05-02', '2026-05-12', '60000.00');
  });

  it('gives no act in the month it nets below zero, and the check counts the debt as carried forward', async () => {
    const march = await calculateAndClose(ctx.database, '2026-03');
    expect(march.check.balanced).toBe(true);
    const acts = await calculateAndClose(ctx.database, '2026-04');
    april = await ledgerOf(ctx.database, '2026-04');
    expect(april.get('S')).toBeLessThan(0);
    expect(acts.issued.map((a) => a.act.consultant.code)).not.toContain('S');
    expect(acts.nothingToPay).toContainEqual({ consultantCode: 'S', grossKop: april.get('S') });
    expect(acts.check.carriedForward).toContainEqual({
      consultantCode: 'S',
      ledgerKop: april.get('S'),
      carriedInKop: 0,
      balanceKop: april.get('S'),
    });
    // Every consultant with a ledger line counts; acts + carried forward = ledger.
    expect(acts.check.consultants).toBe(april.size);
    expect(acts.check.actsGrossKop + acts.check.carriedOutKop).toBe(acts.check.ledgerTotalKop);
    expect(acts.check.differences).toEqual([]);
    expect(acts.check.balanced).toBe(true);
  });

  it('nets the debt in the next act, with a line that says so, and the check still balances', async () => {
    const acts = await calculateAndClose(ctx.database, '2026-05');
    const may = await ledgerOf(ctx.database, '2026-05');
    const sAct = acts.issued.find((a) => a.act.consultant.code === 'S')!.act;
    expect(sAct.grossKop).toBe(may.get('S')! + april.get('S')!);
    expect(sAct.correctionLines).toEqual([
      expect.objectContaining({
        kind: CARRIED_FORWARD,
        kindName: 'Від’ємний залишок, перенесений з попереднього періоду',
        accrualPeriod: '2026-04',
        amountKop: april.get('S'),
      }),
    ]);
    expect(acts.check.carriedInKop).toBeLessThanOrEqual(april.get('S')!);
    expect(acts.check.actsGrossKop + acts.check.carriedOutKop).toBe(
      acts.check.ledgerTotalKop + acts.check.carriedInKop,
    );
    expect(acts.check.differences).toEqual([]);
    expect(acts.check.balanced).toBe(true);
    // The debt is recovered: over the three months S is paid exactly what S's ledger holds.
    const paid = await sql<{ total: string }>`
      select sum(a.gross) as total from act a join consultant c on c.id = a.consultant_id
      where c.code = 'S'`.execute(ctx.database.db);
    const march = await ledgerOf(ctx.database, '2026-03');
    expect(Math.round(Number(paid.rows[0].total) * 100)).toBe(
      march.get('S')! + april.get('S')! + may.get('S')!,
    );
    expect((await loadActPdf(ctx.database, sAct.number))!.length).toBeGreaterThan(1000);
  });
});
