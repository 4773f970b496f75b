/**
 * The back office's periods screens in real Chromium on the demo: the earliest period calculated
 * (preview first, then posted) with the server's figures on screen, closed once nothing blocks it, its
 * acts produced and one act's PDF downloaded, its ledger with the server's totals; then a career
 * change inside the closed period makes a recalculation request whose storno and additional lines
 * are previewed and posted. Every sum on screen is formatMoney of the API's kopiyky; the screens
 * pass the accessibility check.
 */
import fs from 'node:fs';
import { recordManualCareerChange } from '../../back-office/periods';
import { formatMoney } from '../../web/src/app/format';
import {
  accessibilityViolations,
  type BrowserHub,
  describeInBrowser,
  signIn,
  startBrowserHub,
} from './support/hub';

interface Period {
  code: string;
  status: string;
}

describeInBrowser('web application: periods')('web application: periods, acts and corrections', () => {
  let hub: BrowserHub;
  beforeAll(async () => {
    hub = await startBrowserHub();
  }, 240_000);
  afterAll(async () => {
    await hub?.close();
  });

  let session: Awaited<ReturnType<BrowserHub['newPage']>>;
  let code = '';
  let someone = '';
  afterAll(async () => {
    await session?.context.close();
  });

  it('calculates the earliest period (preview, then posted) and closes it, with the server’s figures', async () => {
    session = await hub.newPage();
    const { page } = session;
    {
      await signIn(page, hub.logins.back_office);
      await page.getByRole('link', { name: 'Періоди', exact: true }).first().click();
      await page.getByRole('table', { name: 'Виробничі періоди' }).waitFor();
      const periods = (await (await page.request.get('/api/periods')).json()).items as Period[];
      code = periods[0].code;
      expect(periods[0].status).toBe('open');
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByRole('link', { name: `Відкрити період ${code}` }).click();
      await page.getByRole('heading', { name: `Період ${code}` }).waitFor();
      await page.getByText('не розраховано', { exact: true }).waitFor();
      // The blocker is worded in Ukrainian from its facts, not the server's English text.
      await page.getByText(`період ${code} ще не розраховано: спершу розрахуйте його`).waitFor();
      expect(await page.getByText('calculate it first').count()).toBe(0);

      // The preview: the server's figures, nothing posted.
      await page.getByRole('button', { name: 'Попередній розрахунок' }).click();
      await page.getByText('Попередній розрахунок (нічого не проведено)').waitFor();
      const preview = (await (
        await page.request.post(`/api/periods/${code}/calculate`, { data: { preview: true } })
      ).json()) as { totalKop: number; lineCount: number; fingerprint: string };
      const figures = page.getByRole('table', { name: 'Підсумки розрахунку' });
      expect(await figures.getByRole('row', { name: /^Разом/ }).textContent()).toContain(
        formatMoney(preview.totalKop),
      );
      expect(await figures.textContent()).toContain(preview.fingerprint);
      await page.getByRole('table', { name: 'Рядки попереднього розрахунку' }).waitFor();
      expect(await page.getByTestId('period-status').textContent()).toBe('відкритий');
      expect(await accessibilityViolations(page)).toEqual([]);

      // Posted: the status, the blockers and the ledger follow; the ledger's totals are the server's.
      await page.getByRole('button', { name: 'Розрахувати і провести' }).click();
      await page.getByText(/Розрахунок проведено, запуск \d+/).waitFor();
      await page.getByTestId('period-status').filter({ hasText: 'розрахований' }).waitFor();
      expect(await figures.getByRole('row', { name: /^Разом/ }).textContent()).toContain(
        formatMoney(preview.totalKop),
      );
      const ledger = await (await page.request.get(`/api/periods/${code}/accruals/page`)).json();
      expect(ledger.totals.totalKop).toBe(preview.totalKop);
      await page
        .getByTestId('accrual-totals')
        .filter({ hasText: formatMoney(ledger.totals.totalKop) })
        .waitFor();
      const blockers = (await (await page.request.get(`/api/periods/${code}/blockers`)).json()).items;
      expect(blockers).toEqual([]);
      await page.getByText('Ніщо не заважає закрити період.').waitFor();

      // The ledger filtered by one consultant and kind: the server's totals for that filter.
      someone = ledger.items[0].consultantCode as string;
      await page.getByLabel('Код консультанта').fill(someone);
      await page.getByLabel('Вид нарахування').selectOption('personal');
      await page.getByRole('button', { name: 'Показати' }).click();
      const filtered = await (
        await page.request.get(`/api/periods/${code}/accruals/page?consultant=${someone}&kind=personal`)
      ).json();
      await page
        .getByTestId('accrual-totals')
        .filter({ hasText: formatMoney(filtered.totals.totalKop) })
        .waitFor();
      const rows = page.getByRole('table', { name: `Нарахування періоду ${code}` }).getByRole('row');
      expect(await rows.count()).toBe(filtered.items.length + 1);

      // Close, after saying yes.
      await page.getByRole('button', { name: 'Закрити період' }).click();
      await page.getByRole('button', { name: 'Так, закрити' }).click();
      await page.getByTestId('period-status').filter({ hasText: 'закритий' }).waitFor();
      expect((await (await page.request.get('/api/periods')).json()).items[0]).toMatchObject({
        code,
        status: 'closed',
        closedBy: hub.logins.back_office.login,
      });
    }
  }, 240_000);

  it('produces the closed period’s acts and downloads one act’s PDF', async () => {
    const { page } = session;
    {
      // Acts: produced as a job whose stage and done / total show while it runs, the register's
      // totals the server's once it has ended, one act's PDF downloaded.
      await page.getByRole('button', { name: 'Сформувати акти' }).click();
      const outcome = page.getByText(/Сформовано актів: \d+/).or(page.getByRole('alert'));
      // Its progress (unless it ended before the first poll), then its outcome.
      await page.getByLabel('Хід формування актів').or(outcome).first().waitFor({ timeout: 30_000 });
      // Every act is a PDF made now: a minute on a loaded machine.
      await outcome.waitFor({ timeout: 90_000 });
      expect(await outcome.textContent()).toMatch(/Сформовано актів: [1-9].*Акти збігаються з нарахуваннями/);
      const jobs = await (await page.request.get(`/api/jobs?kind=period.acts&subject=${code}`)).json();
      expect(jobs.items[0]).toMatchObject({ state: 'succeeded', stage: 'done' });
      expect(jobs.items[0].done).toBe(jobs.items[0].total);
      const register = await (await page.request.get(`/api/periods/${code}/acts/register`)).json();
      expect(register.rows.length).toBeGreaterThan(0);
      expect(await page.getByTestId('acts-totals').textContent()).toContain(
        formatMoney(register.totals.netKop),
      );
      const act = register.rows[0] as { number: string; netKop: number };
      const actRow = page.getByRole('row').filter({ hasText: act.number });
      expect(await actRow.textContent()).toContain(formatMoney(act.netKop));
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: `PDF акта ${act.number}` }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`act_${act.number.replace('/', '_')}.pdf`);
      const pdf = fs.readFileSync((await download.path())!);
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(1024);
      expect(await accessibilityViolations(page)).toEqual([]);
    }
  }, 240_000);

  it('previews and posts the correction a career change inside the closed period asks for', async () => {
    const { page, problems } = session;
    {
      // A career change inside the closed period (approved by a second person) asks for its recalculation.
      await recordManualCareerChange(hub.database, {
        consultantCode: someone,
        levelCode: 'DIRECTOR',
        validFrom: `${code}-01`,
        reason: 'browser test: promotion recognised late',
        recordedBy: hub.logins.back_office.login,
        approvedBy: hub.logins.administrator.login,
      });
      await page.getByRole('link', { name: 'Коригування', exact: true }).click();
      await page.getByRole('table', { name: 'Запити на перерахунок, що чекають' }).waitFor();
      await page.getByRole('button', { name: 'Попередній перегляд коригувань' }).click();
      await page
        .getByRole('heading', { name: /Попередній перегляд: буде проведено в \d{4}-\d{2}/ })
        .waitFor();
      const corrections = await (await page.request.post('/api/corrections/preview', { data: {} })).json();
      expect(corrections.stornoKop).not.toBe(0);
      expect(await page.getByTestId('corrections-totals').textContent()).toBe(
        `Сторно: ${formatMoney(corrections.stornoKop)} · Донарахування: ${formatMoney(corrections.additionalKop)} · Разом зміна: ${formatMoney(corrections.netKop)}`,
      );
      const lines = page.getByRole('table', { name: `Коригування періоду ${code}` });
      await lines.getByRole('cell', { name: 'сторно', exact: true }).first().waitFor();
      await lines.getByRole('cell', { name: 'донарахування', exact: true }).first().waitFor();
      const mine = corrections.byConsultant.find(
        (c: { consultantCode: string }) => c.consultantCode === someone,
      );
      expect(
        await page
          .getByRole('table', { name: 'За консультантами' })
          .getByRole('row')
          .filter({ hasText: someone })
          .first()
          .textContent(),
      ).toContain(formatMoney(mine.netKop));
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByRole('button', { name: 'Провести коригування' }).click();
      await page.getByRole('button', { name: 'Так, провести' }).click();
      await page.getByRole('heading', { name: /^Проведено в \d{4}-\d{2}$/ }).waitFor();
      await page.getByText('Немає запитів на перерахунок.').waitFor();
      expect((await (await page.request.get('/api/corrections/pending')).json()).items).toEqual([]);
      expect(problems).toEqual([]);
    }
  }, 240_000);
});
