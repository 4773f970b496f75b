/**
 * The reconciliation service: mismatches raised while a message is applied are raised once (the same
 * difference found again is not raised twice), and a reviewer lists them filtered and a page at a
 * time, newest first, and reads one.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../../src/db';
import { findMismatch, listMismatches, raiseMismatches } from '../../../src/exchange/reconciliation';
import { describeEachEngine } from '../../support/engines';
import { seedInsurersAndConsultants } from '../support/intermediary';

describeEachEngine('reconciliation mismatches', (ctx) => {
  let insurers: { dnipro: number; karpaty: number };

  beforeAll(async () => {
    insurers = await seedInsurersAndConsultants(ctx.database);
  });

  const source = (insurerId: number, insurerCode: string, recordedAt: Date) => ({
    trx: ctx.database.db as Kysely<DB>,
    dialect: ctx.database.dialect,
    insurerId,
    insurerCode,
    messageId: null,
    recordedAt,
  });

  it('raises each difference once, however often it is found again', async () => {
    const found = [1, 2, 3].map((n) => ({
      kind: 'unknown_policy' as const,
      policyNumber: `DL-2026-00010${n}`,
      details: `policy DL-2026-00010${n} is not ours`,
      rowNo: n,
      identity: `DL-2026-00010${n}`,
    }));
    const first = source(insurers.dnipro, 'DNIPRO_LIFE', new Date('2026-05-01T10:00:00Z'));
    expect(await raiseMismatches(first, found)).toBe(3);
    expect(await raiseMismatches(first, found)).toBe(0);
    const later = source(insurers.karpaty, 'KARPATY', new Date('2026-05-02T10:00:00Z'));
    expect(await raiseMismatches(later, [found[0]])).toBe(1);
  });

  it('lists them newest first, filtered by insurer and status, one page at a time, and reads one', async () => {
    const all = await listMismatches(ctx.database, {}, { page: 1, pageSize: 50 });
    expect(all.total).toBe(4);
    expect(all.items[0]).toMatchObject({
      insurerCode: 'KARPATY',
      policyNumber: 'DL-2026-000101',
      status: 'open',
    });

    const dnipro = await listMismatches(
      ctx.database,
      { insurerCode: 'DNIPRO_LIFE', status: 'open' },
      { page: 2, pageSize: 2 },
    );
    expect(dnipro.total).toBe(3);
    expect(dnipro.items).toHaveLength(1);
    expect(await listMismatches(ctx.database, { status: 'resolved' }, { page: 1, pageSize: 50 })).toEqual({
      items: [],
      total: 0,
    });

    const one = await findMismatch(ctx.database, all.items[1].id);
    expect(one).toEqual(all.items[1]);
    expect(one!.createdAt).toBeInstanceOf(Date);
    expect(await findMismatch(ctx.database, 987_654)).toBeNull();
  });
});
