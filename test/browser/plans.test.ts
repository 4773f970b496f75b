/**
 * The back office's plans screens in real Chromium on the demo: the plan in force with its versions
 * and its check, and the what-if of a draft (the default plan with the consultant's personal rate
 * raised) against a posted period, shown as the server's difference per consultant and rule.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { DEFAULT_PLAN_PATH } from '../../back-office/compensation';
import { formatMoney } from '../../web/src/app/format';
import {
  accessibilityViolations,
  type BrowserHub,
  describeInBrowser,
  signIn,
  startBrowserHub,
} from './support/hub';

function draftPlan(): string {
  const doc = YAML.parse(fs.readFileSync(DEFAULT_PLAN_PATH, 'utf8'));
  doc.version = '2026.2-draft';
  doc.levels[0].personalRate = 35;
  return YAML.stringify(doc);
}

describeInBrowser('web application: plans')('web application: plans and what-if', () => {
  let hub: BrowserHub;
  beforeAll(async () => {
    hub = await startBrowserHub();
  }, 240_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('shows the plan’s versions and check, and a draft’s what-if as the server’s difference per consultant and rule', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.back_office);
      // A posted period to compare with (its calculation registers the default plan).
      const periods = (await (await page.request.get('/api/periods')).json()).items as { code: string }[];
      const code = periods[0].code;
      const posted = await page.request.post(`/api/periods/${code}/calculate`, { data: {} });
      expect(posted.status()).toBe(200);

      await page.getByRole('link', { name: 'Плани', exact: true }).first().click();
      const versions = page.getByRole('table', { name: 'Версії плану UA-NETWORK' });
      await versions.waitFor();
      expect(await versions.getByRole('row').filter({ hasText: '2026.1' }).textContent()).toContain('чинна');
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole('link', { name: 'Версія 2026.1 плану UA-NETWORK' }).click();
      await page.getByText(/^План коректний: рівні CONSULTANT, SENIOR_CONSULTANT/).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByRole('link', { name: 'Що-якщо', exact: true }).click();
      await page.getByLabel('Проведений період').selectOption(code);
      await page.getByLabel('Текст плану', { exact: true }).fill(draftPlan());
      await page.getByRole('button', { name: 'Перевірити текст' }).click();
      await page.getByText(/^План коректний/).waitFor();
      await page.getByRole('button', { name: 'Порахувати різницю' }).click();
      const rows = page.getByRole('table', { name: 'Різниця за консультантами і правилами' });
      await rows.waitFor({ timeout: 90_000 });

      const report = await (
        await page.request.post('/api/plans/what-if', { data: { period: code, plan: draftPlan() } })
      ).json();
      expect(report.rows.length).toBeGreaterThan(0);
      expect(await rows.getByRole('row').count()).toBe(report.rows.length + 1);
      const first = report.rows[0];
      const cells = await rows.getByRole('row').nth(1).getByRole('cell').allTextContents();
      expect(cells).toEqual([
        first.consultantCode,
        first.rule,
        formatMoney(first.postedKop),
        formatMoney(first.draftKop),
        formatMoney(first.differenceKop),
      ]);
      expect(await page.getByTestId('what-if-totals').textContent()).toBe(
        `Проведено: ${formatMoney(report.postedTotalKop)} · За чернеткою: ${formatMoney(report.draftTotalKop)}`,
      );
      await page.getByRole('table', { name: 'Різниця за консультантами', exact: true }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      // A broken draft: the server's problems, named by their place in the plan.
      await page
        .getByLabel('Текст плану', { exact: true })
        .fill(draftPlan().replace('code: CONSULTANT', 'code: JUNIOR'));
      await page.getByRole('button', { name: 'Перевірити текст' }).click();
      await page.getByText(/^У плані проблем: [1-9]/).waitFor();
      await page
        .getByRole('table', { name: 'Проблеми плану' })
        .getByText("unknown level 'CONSULTANT'")
        .first()
        .waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);
});
