/**
 * The integration desk in real Chromium (issue 12 §6): the dashboard shows the quarantine count the
 * API gives; a quarantined message (put there by the real pipeline: a commission file with a bad
 * amount) is opened with its row issue and its payload in Ukrainian, and replayed as the integration
 * engineer, showing the new message's status; the back office resolves a mismatch with a comment and
 * sees it leave the open list and its trail, then two at once; a consultant and a manager have no
 * exchange menu and get the not-found screen. Each screen passes the accessibility check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { Page } from 'playwright-core';
import { processMessage, receive } from '../../src/exchange/pipeline';
import { raiseMismatches } from '../../src/exchange/reconciliation';
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

describeInBrowser('web application: exchange')('web application: the integration desk', () => {
  let hub: BrowserHub;
  let quarantinedId: number;
  let mismatchIds: number[];

  beforeAll(async () => {
    hub = await startBrowserHub();
    const deps = { database: hub.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
    const { message } = await receive(deps, {
      insurerCode: 'DNIPRO_LIFE',
      channel: 'sftp',
      fileName: 'COMMISSION_202611.csv',
      externalId: '/out/COMMISSION_202611.csv',
      payload: badCommission,
    });
    const report = await processMessage(deps, message.id);
    expect(report.status).toBe('quarantined');
    quarantinedId = message.id;
    // Three differences as the apply step raises them, found in that message.
    const insurer = await hub.database.db
      .selectFrom('insurer')
      .select('id')
      .where('code', '=', 'DNIPRO_LIFE')
      .executeTakeFirstOrThrow();
    await hub.database.db.transaction().execute((trx) =>
      raiseMismatches(
        {
          trx,
          dialect: hub.database.dialect,
          insurerId: Number(insurer.id),
          insurerCode: 'DNIPRO_LIFE',
          messageId: quarantinedId,
          recordedAt: new Date(),
        },
        ['DL-BROWSER-1', 'DL-BROWSER-2', 'DL-BROWSER-3'].map((policy, index) => ({
          kind: 'premium_differs' as const,
          policyNumber: policy,
          field: 'Сума премії',
          insurerValue: `${1200 + index},00`,
          ourValue: `${1100 + index},00`,
          details: 'browser test',
          rowNo: index + 2,
          identity: policy,
        })),
      ),
    );
    mismatchIds = (
      await hub.database.db
        .selectFrom('mismatch')
        .select('id')
        .where('policy_number', 'like', 'DL-BROWSER-%')
        .orderBy('policy_number')
        .execute()
    ).map((m) => Number(m.id));
  }, 240_000);
  afterAll(async () => {
    await hub?.close();
  });

  /** The frame's menu (the home page lists the same screens). */
  const menu = (page: Page) => page.getByRole('navigation', { name: 'eCSpert hub' });

  const apiJson = async (page: Page, url: string) => {
    const answer = await page.request.get(url);
    expect(answer.status()).toBe(200);
    return answer.json();
  };

  it('shows the integration engineer each insurer with the quarantine count the API gives', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.integration);
      await menu(page).getByRole('link', { name: 'Обмін зі страховиками' }).click();
      await page.getByRole('heading', { name: 'Обмін зі страховиками' }).waitFor();
      const desk = await apiJson(page, '/api/exchange/insurers');
      const dnipro = desk.items.find((i: { code: string }) => i.code === 'DNIPRO_LIFE');
      expect(dnipro.counts.quarantined).toBeGreaterThanOrEqual(1);
      const row = page.getByRole('row', { name: /DNIPRO_LIFE/ });
      const quarantineLink = row
        .getByRole('link', { name: String(dnipro.counts.quarantined), exact: true })
        .first();
      expect(await quarantineLink.getAttribute('href')).toBe(
        '/exchange/messages?insurer=DNIPRO_LIFE&status=quarantined',
      );
      // The next run is the server's, in dd.mm.yyyy hh:mm.
      expect(await row.textContent()).toMatch(/\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}/);
      expect(await row.textContent()).toContain('fetch-out: */15 * * * *');
      expect(await accessibilityViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('opens a quarantined message with its row issue and payload, and replays it', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.integration);
      await page.goto('/exchange/messages');
      await page.getByLabel('Статус').selectOption('quarantined');
      await page.getByLabel('Страховик').selectOption('DNIPRO_LIFE');
      await page.getByRole('button', { name: 'Показати' }).click();
      await page.waitForURL(/status=quarantined/);
      const link = page.getByRole('link', { name: `Повідомлення ${quarantinedId}`, exact: true });
      await link.waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await link.click();

      await page.getByRole('heading', { name: `Повідомлення ${quarantinedId}` }).waitFor();
      const issues = page.getByRole('table', { name: 'Рядки з помилками' });
      const issue = issues.getByRole('row', { name: /Сума премії/ });
      expect(await issue.getByRole('cell').first().textContent()).toBe('3');
      // The windows-1251 file reads as Ukrainian text.
      const payload = page.getByLabel('Вміст', { exact: true });
      await payload.waitFor();
      expect(await payload.textContent()).toContain('DL-2026-000102;15.11.2026;два;30;735,15');
      expect(await page.getByText('Текст у кодуванні windows-1251').isVisible()).toBe(true);
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByRole('button', { name: 'Обробити повторно' }).click();
      const answer = page.getByRole('status').filter({ hasText: 'Повторна обробка' });
      await answer.waitFor();
      expect(await answer.textContent()).toContain('статус «у карантині»');
      const replayed = (
        await apiJson(page, `/api/exchange/messages?insurer=DNIPRO_LIFE&status=quarantined&pageSize=50`)
      ).items.find((m: { replayOfId: number | null }) => m.replayOfId === quarantinedId);
      expect(replayed).toBeDefined();
      await answer.getByRole('link', { name: `Нове повідомлення ${replayed.id}` }).click();
      await page.getByRole('heading', { name: `Повідомлення ${replayed.id}` }).waitFor();
      const facts = await page.locator('dl').textContent();
      expect(facts).toContain('у карантині');
      expect(facts).toContain(`Повтор повідомлення${quarantinedId}`);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lets the back office resolve a mismatch with a comment, then two at once, with the trail', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.back_office);
      // The back office reads mismatches but not the exchange itself.
      expect(await menu(page).getByRole('link', { name: 'Обмін зі страховиками' }).count()).toBe(0);
      await menu(page).getByRole('link', { name: 'Розбіжності' }).click();
      const table = page.getByRole('table', { name: 'Розбіжності між даними страховика і нашими' });
      const first = table.getByRole('row', { name: /DL-BROWSER-1/ });
      await first.waitFor();
      // Both values side by side.
      const cells = await first.getByRole('cell').allTextContents();
      const column = async (name: string) =>
        (await table.getByRole('columnheader').allTextContents()).indexOf(name);
      expect(cells[await column('У страховика')]).toBe('1200,00');
      expect(cells[await column('У нас')]).toBe('1100,00');
      expect(cells[await column('Вид розбіжності')]).toBe('премія відрізняється');
      expect(await accessibilityViolations(page)).toEqual([]);

      // Keep our value: the letter to the insurer is drafted from both values.
      await page.getByLabel(`Вибрати розбіжність ${mismatchIds[0]}`).check();
      await page.getByLabel('Рішення', { exact: true }).selectOption('keep_ours');
      await page
        .getByLabel('Коментар (що вирішено і чому)')
        .fill('Страховик виправить суму в наступному файлі');
      await page.getByRole('button', { name: 'Закрити вибрані' }).click();
      await page.getByRole('status').filter({ hasText: 'Закрито розбіжностей: 1.' }).waitFor();
      await first.waitFor({ state: 'detached' });
      const letter = page.getByRole('list', { name: 'Що змінено' });
      await letter.getByText('Лист страховику: Договір №DL-BROWSER-1', { exact: false }).waitFor();
      expect(await letter.textContent()).toContain('Ваші дані: 1200,00.');
      expect(await letter.textContent()).toContain('Наші дані (узгоджені): 1100,00.');
      const trail = page.getByRole('table', { name: `Історія розбіжності ${mismatchIds[0]}` });
      const resolved = trail.getByRole('row', { name: /залишено наше/ });
      await resolved.waitFor();
      expect(await resolved.textContent()).toContain('Страховик виправить суму в наступному файлі');
      expect(await resolved.textContent()).toContain(hub.logins.back_office.login);

      await page.getByLabel(`Вибрати розбіжність ${mismatchIds[1]}`).check();
      await page.getByLabel(`Вибрати розбіжність ${mismatchIds[2]}`).check();
      // A link needs the record it links to: refused on the page before anything is sent.
      await page.getByLabel('Рішення', { exact: true }).selectOption('link_consultant');
      await page.getByLabel('Коментар (що вирішено і чому)').fill('Це наш консультант');
      await page.getByRole('button', { name: 'Закрити вибрані' }).click();
      await page.getByRole('alert').filter({ hasText: 'Вкажіть код консультанта.' }).waitFor();
      await page.getByLabel('Рішення', { exact: true }).selectOption('ignore');
      await page.getByLabel('Коментар (що вирішено і чому)').fill('Дублікати, вже враховано');
      await page.getByRole('button', { name: 'Закрити вибрані' }).click();
      await page.getByRole('status').filter({ hasText: 'Закрито розбіжностей: 2.' }).waitFor();
      await table.getByRole('row', { name: /DL-BROWSER-3/ }).waitFor({ state: 'detached' });
      const open = await apiJson(page, '/api/exchange/mismatches?status=open&pageSize=500');
      expect(
        open.items.filter((m: { policyNumber: string }) => m.policyNumber?.startsWith('DL-BROWSER')),
      ).toEqual([]);
      const dismissed = await apiJson(page, `/api/exchange/mismatches/${mismatchIds[2]}`);
      expect(dismissed.mismatch).toMatchObject({
        status: 'ignored',
        resolution: 'Дублікати, вже враховано',
      });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('gives a consultant and a manager no exchange menu and the not-found screen at /exchange', async () => {
    for (const role of ['consultant', 'manager'] as const) {
      const { page, context, problems } = await hub.newPage();
      try {
        await signIn(page, hub.logins[role]);
        expect(await menu(page).getByRole('link', { name: 'Обмін зі страховиками' }).count()).toBe(0);
        expect(await menu(page).getByRole('link', { name: 'Розбіжності' }).count()).toBe(0);
        for (const address of ['/exchange', '/exchange/mismatches', `/exchange/messages/${quarantinedId}`]) {
          await page.goto(address);
          await page.getByText('Такої сторінки немає або у вас немає до неї доступу.').waitFor();
        }
        expect((await page.request.get('/api/exchange/insurers')).status()).toBe(403);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });
});
