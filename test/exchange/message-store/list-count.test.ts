/**
 * The list of stored messages counts what matches only up to a limit past the page (the store keeps
 * every message ever exchanged): below it the total is exact, beyond it the total stops there and
 * says so (`totalCapped`), and the pages themselves are unaffected.
 */
import { listMessages, storeMessage } from '../../../src/exchange/message-store';
import { describeEachEngine } from '../../support/engines';

describeEachEngine('the count of the message list', (ctx) => {
  beforeAll(async () => {
    await ctx.database.db
      .insertInto('insurer')
      .values({ code: 'DNIPRO_LIFE', name: 'Дніпро Лайф', created_at: new Date('2025-01-01') })
      .execute();
    for (let i = 0; i < 12; i++)
      await storeMessage(
        ctx.database,
        {
          insurerCode: 'DNIPRO_LIFE',
          channel: 'sftp',
          direction: 'inbound',
          messageType: i % 3 === 0 ? 'payments' : 'contracts',
          externalName: `/out/m${i}.csv`,
          payload: Buffer.from(`message ${i}`),
        },
        new Date(Date.UTC(2026, 0, 1, 0, i)),
      );
  });

  it('is exact while the matches end within the limit past the page', async () => {
    expect(await listMessages(ctx.database, {}, { page: 1, pageSize: 5 })).toMatchObject({
      total: 12,
      totalCapped: false,
    });
    const payments = await listMessages(
      ctx.database,
      { messageType: 'payments' },
      { page: 1, pageSize: 2 },
      2,
    );
    expect(payments).toMatchObject({ total: 4, totalCapped: false });
    expect(payments.items.map((m) => m.externalName)).toEqual(['/out/m9.csv', '/out/m6.csv']);
  });

  it('stops the count past the limit and says there are more, paging on as before', async () => {
    const first = await listMessages(ctx.database, {}, { page: 1, pageSize: 3 }, 4);
    expect(first).toMatchObject({ total: 7, totalCapped: true });
    expect(first.items.map((m) => m.externalName)).toEqual(['/out/m11.csv', '/out/m10.csv', '/out/m9.csv']);
    // Further on, the count reaches further: the last pages know the exact total again.
    const third = await listMessages(ctx.database, {}, { page: 3, pageSize: 3 }, 4);
    expect(third).toMatchObject({ total: 12, totalCapped: false });
    expect(third.items.map((m) => m.externalName)).toEqual(['/out/m5.csv', '/out/m4.csv', '/out/m3.csv']);
  });
});
