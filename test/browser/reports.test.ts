/**
 * The reports area in real Chromium on the demo: the back office opens the sales report (a table with
 * its totals and a chart), and downloads it as XLSX; a consultant has no reports menu, the page shows
 * them no report and the server refuses the management reports.
 */
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import {
  accessibilityViolations,
  type BrowserHub,
  describeInBrowser,
  signIn,
  startBrowserHub,
} from './support/hub';

describeInBrowser('web application: reports')('web application: reports', () => {
  let hub: BrowserHub;
  beforeAll(async () => {
    hub = await startBrowserHub();
  }, 240_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('lets the back office open the sales report and download it as XLSX', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.back_office);
      await page.getByRole('link', { name: 'Звіти', exact: true }).first().click();
      const table = page.getByRole('table', { name: 'Продажі' });
      await table.waitFor({ timeout: 60_000 });
      const report = await (await page.request.get('/api/reports/management/sales')).json();
      expect(report.rows.length).toBeGreaterThan(0);
      // Header, every row, and the totals row.
      expect(await table.getByRole('row').count()).toBe(report.rows.length + 2);
      expect(await table.getByRole('row').last().textContent()).toContain('Разом');
      await page.locator('.chart canvas').waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 60_000 }),
        page.getByRole('link', { name: 'Завантажити XLSX' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^sales_\d{4}-\d{2}_\d{4}-\d{2}\.xlsx$/);
      const file = await download.path();
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(fs.readFileSync(file!) as any);
      expect(book.worksheets[0].getCell('A1').value).toBe('Продажі');
      expect(book.worksheets[0].getRow(4).values).toContain('Премія підписана, грн');

      // Filters are typed the trade's way and the answer names them the same way.
      await page.getByLabel('З періоду').fill('2026-03');
      await page.getByLabel('По період').fill('05.2026');
      await page.getByLabel('Станом на дату').fill('31.05.2026');
      await page.getByRole('button', { name: 'Показати' }).click();
      await page.getByText('2026-03 – 2026-05; Станом на дату: 31.05.2026;').waitFor();
      expect(new URL(page.url()).searchParams.get('asOf')).toBe('2026-05-31');
      const narrowed = await (
        await page.request.get('/api/reports/management/sales?from=2026-03&to=2026-05&asOf=2026-05-31')
      ).json();
      expect(await table.getByRole('row').count()).toBe(narrowed.rows.length + 2);
      await page.getByLabel('Станом на дату').fill('31.02.2026');
      await page.getByRole('button', { name: 'Показати' }).click();
      await page.getByRole('alert').filter({ hasText: 'Станом на дату: значення не розпізнано' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);

  it('does not open the management reports to a consultant', async () => {
    const { page, context } = await hub.newPage();
    try {
      await signIn(page, hub.logins.consultant);
      expect(await page.getByRole('link', { name: 'Звіти', exact: true }).count()).toBe(0);
      await page.goto('/reports');
      await page.waitForTimeout(1500);
      expect(await page.getByRole('table', { name: 'Продажі' }).count()).toBe(0);
      const refused = await page.request.get('/api/reports/management/sales');
      expect(refused.status()).toBe(403);
    } finally {
      await context.close();
    }
  }, 120_000);
});
