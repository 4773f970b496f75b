/**
 * The message browser's parsed records and received-day filter in real Chromium: a commission file
 * with a bad amount (quarantined by the real pipeline) shows its rows as the server parses them again,
 * the good row's canonical fields and the bad row's issue with row and field, a page at a time; the
 * list filtered by the days received (typed dd.mm.yyyy) keeps the message on its day and drops it on
 * the day before, and a day typed wrong is named next to its field. Both screens pass the
 * accessibility check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { processMessage, receive } from '../../src/exchange/pipeline';
import {
  accessibilityViolations,
  type BrowserHub,
  describeInBrowser,
  signIn,
  startBrowserHub,
} from './support/hub';

const badCommission = iconv.encode(
  'Номер договору;Дата оплати;Сума премії;Ставка, %;Сума винагороди\r\nDL-2026-000101;02.11.2026;1 200,00;25;300,00\r\nDL-2026-000102;15.11.2026;два;30;735,15\r\n',
  'win1251',
);

describeInBrowser('web application: message browser')(
  'web application: parsed records and received days',
  () => {
    let hub: BrowserHub;
    let id: number;

    beforeAll(async () => {
      hub = await startBrowserHub();
      const deps = { database: hub.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
      const { message } = await receive(deps, {
        insurerCode: 'DNIPRO_LIFE',
        channel: 'sftp',
        fileName: 'COMMISSION_202611.csv',
        payload: badCommission,
      });
      expect((await processMessage(deps, message.id)).status).toBe('quarantined');
      id = message.id;
      // Received at 00:30 on 2 November in Kyiv (22:30 UTC the day before).
      await hub.database.db
        .updateTable('exchange_message')
        .set({ received_at: new Date('2026-11-01T22:30:00Z') })
        .where('id', '=', id)
        .execute();
    }, 240_000);
    afterAll(async () => {
      await hub?.close();
    });

    it('filters by the days received and shows the parsed records with their row issues', async () => {
      const { page, context, problems } = await hub.newPage();
      try {
        await signIn(page, hub.logins.integration);
        await page.goto('/exchange/messages');
        const link = page.getByRole('link', { name: `Повідомлення ${id}`, exact: true });
        const filter = async (from: string, to: string) => {
          await page.getByLabel('Отримано з (дд.мм.рррр)').fill(from);
          await page.getByLabel('Отримано по (дд.мм.рррр)').fill(to);
          await page.getByRole('button', { name: 'Показати' }).click();
        };
        await filter('01.11.2026', '01.11.2026');
        await page.waitForURL(/receivedFrom=2026-11-01&receivedTo=2026-11-01/);
        await page.getByRole('table', { name: 'Збережені повідомлення, найновіші першими' }).waitFor();
        await page.getByText('Нічого не знайдено').waitFor();
        expect(await link.count()).toBe(0);
        await filter('02.11.2026', '');
        await page.waitForURL(/receivedFrom=2026-11-02$/);
        await link.waitFor();
        // The field keeps the day as it was typed.
        expect(await page.getByLabel('Отримано з (дд.мм.рррр)').inputValue()).toBe('02.11.2026');
        await filter('31.11.2026', '');
        await page.getByText('Дата має бути у вигляді дд.мм.рррр.').waitFor();
        expect(page.url()).toMatch(/receivedFrom=2026-11-02$/);
        expect(await accessibilityViolations(page)).toEqual([]);

        await link.click();
        await page.getByRole('heading', { name: `Повідомлення ${id}` }).waitFor();
        const records = page.getByRole('table', { name: 'Розібрані записи' });
        await records.waitFor();
        const rows = records.getByRole('row');
        await rows.nth(2).waitFor();
        expect(await rows.count()).toBe(3); // the header and two rows
        const good = await rows.nth(1).textContent();
        expect(good).toContain('DL-2026-000101');
        expect(good).toContain('немає');
        const bad = rows.nth(2);
        expect(await bad.getByRole('cell').first().textContent()).toBe('3');
        expect(await bad.textContent()).toContain('не перетворено');
        expect(await bad.textContent()).toMatch(/рядок 3, поле .+: .*два/);
        expect(await page.getByText(/Рядків у файлі: 2, з них із помилками: 1/).isVisible()).toBe(true);
        expect(await accessibilityViolations(page)).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }, 120_000);
  },
);
