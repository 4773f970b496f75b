/**
 * The consultant portal in real Chromium, on the demo intermediary with its first period calculated,
 * closed and its acts issued, and the second calculated: the demo consultant sees their own results
 * (the lines of a period sum to the total the API answers, shown as `1 234,56 грн`), the income chart
 * drawn with its table, their act's PDF, their downline's volumes and their progress; another
 * consultant's card by URL is the not-found screen (the API answers 404). A manager sees the volume by
 * unit only for their units. The automated accessibility check of each screen finds nothing.
 */
import type { Page } from 'playwright-core';
import { calculatePeriod } from '../../back-office/compensation';
import { downlineAsOf, findConsultantByCode } from '../../back-office/network';
import { closePeriod, listPeriods, producePeriodActs } from '../../back-office/periods';
import { formatDecimal } from '../../web/src/app/format';
import { intermediary } from '../back-office/acts/fixtures';
import {
  accessibilityViolations,
  type BrowserHub,
  describeInBrowser,
  signIn,
  startBrowserHub,
} from './support/hub';

/** `−1 234,56 грн` as the screen shows it → kopiyky. */
function kopiykyOf(text: string): number {
  const match = /(−|-)?([\d\u00a0 ]+),(\d{2})\s*грн/.exec(text);
  if (!match) throw new Error(`not an amount: ${text}`);
  const value = Number(match[2].replace(/[\u00a0 ]/g, '')) * 100 + Number(match[3]);
  return match[1] ? -value : value;
}
const money = (kop: number) => {
  const negative = kop < 0;
  const digits = String(Math.abs(kop)).padStart(3, '0');
  const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${negative ? '−' : ''}${whole},${digits.slice(-2)}\u00a0грн`;
};

/** How many pixels of the canvas are painted (a string evaluated in the page: the test knows no DOM). */
async function paintedPixels(page: Page, label: RegExp): Promise<number> {
  const canvas = page.getByRole('img', { name: label });
  await canvas.waitFor();
  // The element is the page's; the test's TypeScript knows no DOM, hence the loose type.
  return canvas.evaluate((element: any) => {
    const pixels = element.getContext('2d').getImageData(0, 0, element.width, element.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return painted as number;
  });
}

/** With SCREENSHOTS_DIR set, each screen is also saved there as a PNG to look at. */
async function shoot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOTS_DIR;
  if (dir) await page.screenshot({ path: `${dir}/portal-${name}.png`, fullPage: true });
}

describeInBrowser('web application: consultant portal')('the consultant portal', () => {
  let hub: BrowserHub;
  let closed: string;
  let consultantCode: string;
  let outsider: string;
  beforeAll(async () => {
    hub = await startBrowserHub();
    const periods = (await listPeriods(hub.database)).map((p) => p.code).sort();
    [closed] = periods;
    await calculatePeriod(hub.database, closed, { createdBy: 'browser test' });
    await closePeriod(hub.database, closed, { closedBy: 'browser test' });
    await producePeriodActs(hub.database, closed, { intermediary, createdBy: 'browser test' });
    await calculatePeriod(hub.database, periods[1], { createdBy: 'browser test' });
    // The demo consultant, and someone outside their downline.
    consultantCode = hub.logins.consultant.login.toUpperCase();
    const self = await findConsultantByCode(hub.database, consultantCode);
    const today = new Date().toISOString().slice(0, 10);
    const downline = new Set(
      (await downlineAsOf(hub.database, Number(self!.id), today, new Date())).map((d) => d.code),
    );
    const all = await hub.database.db.selectFrom('consultant').select('code').orderBy('code').execute();
    outsider = all.map((c) => c.code).find((c) => c !== consultantCode && !downline.has(c))!;
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('shows the consultant their own results, lines summing to the API’s total, the income chart and their act', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.consultant);
      const me = await (await page.request.get('/api/auth/me')).json();
      expect(me.user.consultantCode).toBe(consultantCode);
      await page.getByRole('navigation').getByRole('link', { name: 'Мої результати' }).click();
      await page.getByRole('heading', { level: 1, name: 'Мої результати' }).waitFor();

      // The income chart is drawn, and its table says the server's sums.
      expect(await paintedPixels(page, /^Діаграма доходу за періодами/)).toBeGreaterThan(100);
      const income = await (await page.request.get(`/api/consultants/${consultantCode}/income`)).json();
      expect(income.periods.length).toBeGreaterThan(0);
      const incomeTable = page.getByRole('table', { name: 'Дохід за періодами та видами нарахувань, грн' });
      for (const period of income.periods) {
        const row = incomeTable.getByRole('row', { name: new RegExp(`^${period.periodCode}`) });
        expect(await row.getByRole('cell').last().textContent()).toBe(money(period.totalKop));
      }
      expect(await accessibilityViolations(page)).toEqual([]);
      await shoot(page, 'results');

      // The closed period's lines: every line shown, summing to the total shown, which is the API's.
      const card = await (await page.request.get(`/api/consultants/${consultantCode}`)).json();
      const own = card.accruals.find((a: { periodCode: string }) => a.periodCode === closed);
      expect(own).toBeDefined();
      await page.getByRole('link', { name: `Нарахування за період ${closed}` }).click();
      await page.getByRole('heading', { level: 1, name: `Нарахування за період ${closed}` }).waitFor();
      const totalText = await page.getByText(`Разом за період ${closed}:`).textContent();
      expect(kopiykyOf(totalText!)).toBe(own.totalKop);
      expect(totalText).toContain(money(own.totalKop));
      const lines = page.getByRole('table', { name: `Рядки нарахувань за період ${closed}` });
      const amounts = await lines.locator('tbody tr td:nth-child(5)').allTextContents();
      expect(amounts.length).toBe(Math.min(own.lines, 100));
      if (own.lines <= 100) expect(amounts.map(kopiykyOf).reduce((a, b) => a + b, 0)).toBe(own.totalKop);
      const api = await (await page.request.get(`/api/periods/${closed}/accruals?limit=5000`)).json();
      expect(new Set(api.items.map((l: { consultantCode: string }) => l.consultantCode))).toEqual(
        new Set([consultantCode]),
      );
      expect(api.items.reduce((s: number, l: { amountKop: number }) => s + l.amountKop, 0)).toBe(
        own.totalKop,
      );
      expect(await page.getByText('Виправлень попередніх періодів у цьому періоді немає.').isVisible()).toBe(
        true,
      );
      expect(await accessibilityViolations(page)).toEqual([]);
      await shoot(page, 'period');

      // Their act's PDF.
      await page.getByRole('link', { name: 'До моїх результатів' }).click();
      expect(card.acts.length).toBeGreaterThan(0);
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: `Завантажити PDF акта ${card.acts[0].number}` }).click();
      const file = await (await download).path();
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows the downline’s volumes and the progress, and refuses another consultant’s card by URL', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.consultant);
      await page.getByRole('navigation').getByRole('link', { name: 'Моя структура' }).click();
      await page.getByRole('heading', { level: 1, name: 'Моя структура' }).waitFor();
      const volumes = await (
        await page.request.get(`/api/consultants/${consultantCode}/downline-volumes`)
      ).json();
      await page.getByText(/^Мої обсяги за період/).waitFor();
      expect(await page.getByText(/^Мої обсяги за період/).textContent()).toContain(
        money(volumes.own.personalPremiumKop),
      );
      const table = page.getByRole('table', { name: /^Моя структура та обсяги за період/ });
      expect(await table.locator('tbody tr').count()).toBe(volumes.items.length);
      expect(await accessibilityViolations(page)).toEqual([]);
      await shoot(page, 'downline');

      await page.getByRole('navigation').getByRole('link', { name: 'Мій рівень' }).click();
      await page.getByRole('heading', { level: 1, name: 'Мій рівень і наступний' }).waitFor();
      const progress = await (await page.request.get(`/api/consultants/${consultantCode}/progress`)).json();
      expect(progress.calculated).toBe(true);
      await page.getByText(/^Поточний рівень:/).waitFor();
      expect(await page.getByText(/^Поточний рівень:/).textContent()).toContain(progress.level.code);
      if (progress.nextLevel) {
        const first = page.getByRole('table', { name: /^Умови варіанта 1/ });
        // What is reached, as the server measures it, written the trade's way (15 804,375).
        expect(await first.locator('tbody tr td').nth(1).textContent()).toBe(
          formatDecimal(progress.alternatives[0].conditions[0].reached),
        );
      }
      expect(await accessibilityViolations(page)).toEqual([]);
      await shoot(page, 'progress');

      await page.getByRole('navigation').getByRole('link', { name: 'Конкурси' }).click();
      await page.getByRole('heading', { level: 1, name: 'Конкурси' }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      // Another consultant's card by URL: the not-found screen; the API answers 404.
      expect((await page.request.get(`/api/consultants/${outsider}`)).status()).toBe(404);
      expect((await page.request.get(`/api/consultants/${outsider}/income`)).status()).toBe(404);
      await page.goto(`/portal/consultants/${outsider}`);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toBe(
        'Такої сторінки немає або у вас немає до неї доступу.',
      );
      expect(await page.getByText(outsider).count()).toBe(0);
      // Their own card in the portal is there.
      await page.goto(`/portal/consultants/${consultantCode}`);
      await page.getByRole('heading', { level: 1, name: `Консультант ${consultantCode}` }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a manager the volume by unit of their units only, drawn and tabled', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.manager);
      await page.getByRole('navigation').getByRole('link', { name: 'Обсяги за підрозділами' }).click();
      await page.getByRole('heading', { level: 1, name: 'Обсяги мережі за підрозділами' }).waitFor();
      expect(await paintedPixels(page, /^Діаграма обсягів за підрозділами/)).toBeGreaterThan(100);
      const mine = await (await page.request.get('/api/network/volumes-by-unit')).json();
      const all = await hub.database.db.selectFrom('unit').select('code').execute();
      expect(mine.items.length).toBeGreaterThan(0);
      expect(mine.items.length).toBeLessThan(all.length);
      const table = page.getByRole('table', { name: /^Обсяги за підрозділами за період/ });
      const rows = await table.locator('tbody tr').allTextContents();
      expect(rows).toHaveLength(mine.items.length);
      for (const [i, unit] of mine.items.entries()) {
        expect(rows[i]).toContain(`(${unit.unitCode})`);
        expect(rows[i]).toContain(money(unit.personalPremiumKop));
      }
      for (const other of all
        .map((u) => u.code)
        .filter((c) => !mine.items.some((u: { unitCode: string }) => u.unitCode === c)))
        expect(rows.join('\n')).not.toContain(`(${other})`);
      // The consultant's menu is not the manager's.
      expect(await page.getByRole('link', { name: 'Мої результати' }).count()).toBe(0);
      expect(await accessibilityViolations(page)).toEqual([]);
      await shoot(page, 'units');
      await page.getByLabel('Мова').selectOption('en');
      await page.getByRole('heading', { level: 1, name: 'The network’s volume by unit' }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await shoot(page, 'units-en');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
