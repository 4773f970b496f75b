/**
 * The ledger's keys are checked in bulk by its writer (migration 0820), not by a foreign-key trigger
 * per line: a run whose lines name a consultant who does not exist is refused as a whole and leaves
 * nothing behind, and a consultant or calculation run the ledger names cannot be deleted.
 */
import { sql } from 'kysely';
import { calculatePeriod } from '../../../back-office/compensation';
import { compensationDb, insertAccruals } from '../../../back-office/compensation/ledger';
import type { AccrualLine } from '../../../back-office/compensation/engine';
import { inTransaction } from '../../../src/db';
import { describeEachEngine } from '../../support/engines';
import { count, seedNetwork, seedPayment, seedPolicy, type Seeded } from './db-support';

describeEachEngine('ledger keys checked in bulk', (ctx) => {
  let s: Seeded;
  let runId: number;

  beforeAll(async () => {
    s = await seedNetwork(ctx.database, [
      ['D', null, 'DIRECTOR'],
      ['S', 'D', 'CONSULTANT'],
    ]);
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'S'), '2026-03-10', '40000.00');
    const run = await calculatePeriod(ctx.database, '2026-03', {
      knownAt: new Date('2026-06-01T00:00:00Z'),
      createdBy: 'test',
    });
    runId = run.runId!;
  });

  it('refuses a run whose lines name a consultant who does not exist, writing none of them', async () => {
    const before = await count(ctx.database, 'accrual');
    const line = (consultantId: number, lineNo: number): AccrualLine => ({
      lineNo,
      consultantId,
      periodCode: '2026-03',
      kind: 'bonus',
      sourceKind: 'consultant',
      sourceId: consultantId,
      policyId: null,
      downlineConsultantId: null,
      rule: 'bonus.TEST',
      planVersion: 't',
      baseKop: 100,
      rate: '1.000000',
      amountKop: 1,
      explanation: 'тест',
    });
    await expect(
      inTransaction(ctx.database, async (tx) => {
        await insertAccruals(
          compensationDb(tx),
          tx.dialect,
          runId,
          [line(s.consultant.S, 1), line(987654, 2)],
          new Date(),
        );
      }),
    ).rejects.toThrow(/line 2 of run \d+ names consultant 987654, who does not exist/);
    expect(await count(ctx.database, 'accrual')).toBe(before);
  });

  it('refuses to delete a consultant or a calculation run the ledger names', async () => {
    await expect(
      sql`delete from consultant where id = ${s.consultant.S}`.execute(ctx.database.db),
    ).rejects.toThrow(/the accrual ledger names it/);
    await expect(
      sql`delete from calculation_run where id = ${runId}`.execute(ctx.database.db),
    ).rejects.toThrow(/the accrual ledger names it/);
    expect(await count(ctx.database, 'consultant')).toBe(2);
  });
});
