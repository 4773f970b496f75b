/**
 * Applications and policies in real Chromium: the back office enters an application (premium typed
 * in hryvnias) and sees it pending, on its card and in the list; a demo policy's card shows its
 * versions and the payment calendar whose sums are the API's, to the kopiyka; the policy card passes
 * the accessibility check; the list speaks English on request.
 */
import type { Page } from 'playwright-core';
import {
  accessibilityViolations,
  type BrowserHub,
  describeInBrowser,
  signIn,
  startBrowserHub,
} from './support/hub';

/** Kopiyky as the screens write them: `1 234,56 грн` (no-break spaces), minus sign for negatives. */
function money(kop: number): string {
  const text = String(Math.abs(kop)).padStart(3, '0');
  const whole = text.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${kop < 0 ? '−' : ''}${whole},${text.slice(-2)}\u00a0грн`;
}

function taxNumber(nine: string): string {
  const weights = [-1, 5, 7, 9, 4, 6, 10, 5, 7];
  const sum = [...nine].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return `${nine}${(((sum % 11) + 11) % 11) % 10}`;
}

const two = (n: number) => String(n).padStart(2, '0');
const shownDate = (d: Date) => `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()}`;

async function apiGet<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(path);
  expect(response.status()).toBe(200);
  return (await response.json()) as T;
}

interface Calendar {
  instalments: { no: number; amountKop: number; paidKop: number; status: string }[];
  totals: { dueToDateKop: number; receivedKop: number; overdueKop: number; advanceKop: number };
}

describeInBrowser('web application: policies')('web application: applications and policies', () => {
  let hub: BrowserHub;
  beforeAll(async () => {
    hub = await startBrowserHub();
  }, 240_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('enters an application and sees it pending on its card and in the list', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.back_office);
      const consultants = await apiGet<{ items: { code: string; status: string | null }[] }>(
        page,
        '/api/consultants?pageSize=50',
      );
      const consultant = consultants.items.find((c) => c.status === 'active')!.code;
      const products = await apiGet<{ items: { code: string; insurerCode: string; name: string }[] }>(
        page,
        '/api/products?active=true&pageSize=50',
      );
      const product = products.items[0];
      const holder = 'Страхувальниченко Олена Іванівна';

      await page.getByRole('link', { name: 'Заяви', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Заяви' }).waitFor();
      await page.getByRole('link', { name: 'Нова заява' }).click();
      await page.getByLabel('Код консультанта').fill(consultant);
      await page.getByLabel('Страховик').selectOption(product.insurerCode);
      await page
        .getByRole('option', { name: new RegExp(`^${product.code} ·`) })
        .waitFor({ state: 'attached' });
      await page.getByLabel('Продукт').selectOption(product.code);
      await page.getByLabel('ПІБ').fill(holder);
      await page.getByLabel('РНОКПП').fill(taxNumber(String(Date.now()).slice(-9)));
      await page.getByLabel('Премія за платіж, грн').fill('1 234,56');
      await page.getByLabel('Страхова сума, грн').fill('100 000');
      await page.getByLabel('Платежів на рік').selectOption('12');
      await page
        .getByLabel('Початок дії (дд.мм.рррр)')
        .fill(shownDate(new Date(Date.now() + 10 * 86_400_000)));
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Зберегти заяву' }).click();

      const heading = page.getByRole('heading', { name: /^Заява / });
      await heading.waitFor();
      const number = (await heading.textContent())!.replace('Заява ', '');
      expect(await page.getByText('очікує реєстру').isVisible()).toBe(true);
      expect(await page.getByText('1\u00a0234,56\u00a0грн').isVisible()).toBe(true);
      expect(await page.getByText('Заява ще не потрапила до реєстру.').isVisible()).toBe(true);

      await page.goto('/applications');
      await page.getByLabel('Стан').selectOption('pending');
      await page.getByLabel('Код консультанта').fill(consultant);
      await page.getByRole('button', { name: 'Застосувати' }).click();
      const row = page
        .getByRole('table', { name: /Заяви/ })
        .getByRole('row')
        .filter({ has: page.getByRole('link', { name: number }) });
      await row.waitFor();
      expect(await row.getByText('очікує реєстру').isVisible()).toBe(true);
      expect(await row.getByText(holder).isVisible()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 150_000);

  it('shows a demo policy’s card with the payment calendar’s sums equal to the API’s', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.back_office);
      const policies = await apiGet<{ items: { id: number; number: string }[] }>(
        page,
        '/api/policies?status=in_force&pageSize=30',
      );
      let chosen: { id: number; number: string; calendar: Calendar } | undefined;
      for (const policy of policies.items) {
        const calendar = await apiGet<Calendar>(page, `/api/policies/${policy.id}/calendar`);
        if (calendar.totals.receivedKop > 0 && calendar.instalments.length > 1) {
          chosen = { ...policy, calendar };
          break;
        }
      }
      expect(chosen).toBeDefined();
      const { calendar } = chosen!;

      await page.getByRole('link', { name: 'Поліси', exact: true }).first().click();
      await page.getByLabel('Номер').fill(chosen!.number);
      await page.getByRole('button', { name: 'Застосувати' }).click();
      await page.getByRole('link', { name: chosen!.number }).click();
      await page.getByRole('heading', { name: `Поліс ${chosen!.number}` }).waitFor();
      const table = page.getByRole('table', { name: /Графік платежів/ });
      await table.waitFor();
      expect(await table.getByRole('row').count()).toBe(calendar.instalments.length + 1);
      for (const instalment of calendar.instalments.slice(0, 3)) {
        const row = table.getByRole('row').nth(instalment.no);
        expect(await row.getByRole('cell').nth(3).textContent()).toBe(money(instalment.amountKop));
        expect(await row.getByRole('cell').nth(4).textContent()).toBe(money(instalment.paidKop));
      }
      const totals = page.getByRole('definition');
      const texts = await totals.allTextContents();
      for (const kop of [
        calendar.totals.dueToDateKop,
        calendar.totals.receivedKop,
        calendar.totals.overdueKop,
      ])
        expect(texts).toContain(money(kop));
      expect(await page.getByRole('table', { name: 'Версії' }).isVisible()).toBe(true);
      expect(await page.getByRole('table', { name: /Отримані платежі/ }).isVisible()).toBe(true);
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByLabel('Мова').selectOption('en');
      await page.getByRole('heading', { name: 'Payment calendar' }).waitFor();
      expect(await page.getByRole('heading', { name: 'Versions' }).isVisible()).toBe(true);
      await page.getByRole('link', { name: 'Applications', exact: true }).first().click();
      await page.getByRole('link', { name: 'New application' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 150_000);
});
