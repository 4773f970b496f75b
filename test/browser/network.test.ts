/**
 * The network screens in real Chromium: the back office hires a consultant (a refusal shown next to
 * the field the server names), finds them by search on the hire date and not the day before, sees
 * them under their sponsor in the tree (expanded from the keyboard) and opens their card; a manager
 * sees only their units' consultants and is refused another's card; the tree, the card and the hire
 * form pass the accessibility check; the screens speak English on request.
 */
import type { Page } from 'playwright-core';
import {
  accessibilityViolations,
  type BrowserHub,
  describeInBrowser,
  signIn,
  startBrowserHub,
} from './support/hub';

/** A valid РНОКПП from 9 digits (check digit: weights -1,5,7,9,4,6,10,5,7, sum mod 11 mod 10). */
function taxNumber(nine: string): string {
  const weights = [-1, 5, 7, 9, 4, 6, 10, 5, 7];
  const sum = [...nine].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return `${nine}${(((sum % 11) + 11) % 11) % 10}`;
}

const two = (n: number) => String(n).padStart(2, '0');
const iso = (d: Date) => `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
const shown = (isoDate: string) => isoDate.split('-').reverse().join('.');

interface Summary {
  code: string;
  fullName: string;
  unitCode: string | null;
  status: string | null;
}

async function apiGet<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(path);
  expect(response.status()).toBe(200);
  return (await response.json()) as T;
}

describeInBrowser('web application: network')('web application: the network', () => {
  let hub: BrowserHub;
  const code = `WEB-${Date.now() % 100000}`;
  const fullName = 'Тестенко Ганна Петрівна';
  let sponsor: Summary;
  let managerUnit: string;

  beforeAll(async () => {
    hub = await startBrowserHub();
  }, 240_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('hires a consultant, finds them by search and as-of date and in the tree, and opens their card', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.manager);
      managerUnit = (await apiGet<{ user: { unitCode: string } }>(page, '/api/auth/me')).user.unitCode;
      await page.context().clearCookies();

      await signIn(page, hub.logins.back_office);
      // A sponsor outside the manager's unit, active today.
      const all = await apiGet<{ items: Summary[] }>(page, '/api/consultants?pageSize=200');
      sponsor = all.items.find((c) => c.status === 'active' && c.unitCode && c.unitCode !== managerUnit)!;
      expect(sponsor).toBeDefined();
      const today = iso(new Date());
      const yesterday = iso(new Date(Date.now() - 86_400_000));

      await page.getByRole('link', { name: 'Мережа', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Мережа консультантів' }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole('link', { name: 'Прийняти консультанта' }).click();
      await page.getByRole('heading', { name: 'Прийняти консультанта' }).waitFor();

      await page.getByLabel('Код', { exact: true }).fill(code);
      await page.getByLabel('ПІБ').fill(fullName);
      await page.getByLabel('РНОКПП').fill('1234567890');
      await page.getByLabel('Код спонсора (порожньо — вершина мережі)').fill(sponsor.code);
      await page.getByLabel('Підрозділ').selectOption(sponsor.unitCode!);
      await page.getByLabel('Дата початку (дд.мм.рррр)').fill(shown(today));
      await page.getByRole('button', { name: 'Надіслати' }).click();
      // The server's refusal sits next to the tax number, tied to its input.
      const tax = page.getByLabel('РНОКПП');
      await page.locator('input[aria-invalid="true"]').first().waitFor();
      expect(await tax.getAttribute('aria-invalid')).toBe('true');
      const errorId = (await tax.getAttribute('aria-describedby'))!;
      expect((await page.locator(`[id="${errorId}"]`).textContent())?.length).toBeGreaterThan(5);
      expect(await accessibilityViolations(page)).toEqual([]);

      await tax.fill(taxNumber(String(Date.now()).slice(-9)));
      await page.getByRole('button', { name: 'Надіслати' }).click();
      await page.getByText(`Консультанта ${code} прийнято.`).waitFor();

      // Search by name finds them: active on the hire date, with no status the day before.
      await page.goto('/network');
      await page.getByLabel('Пошук за кодом або ім’ям').fill('Тестенко');
      await page.getByRole('button', { name: 'Знайти' }).click();
      const row = (date: string) =>
        page
          .getByRole('table', { name: `Знайдені консультанти станом на ${shown(date)}` })
          .getByRole('row')
          .filter({ has: page.getByRole('link', { name: code }) });
      await row(today).getByRole('cell', { name: 'активний' }).waitFor();
      await page.getByLabel('Станом на (дд.мм.рррр)').fill(shown(yesterday));
      await page.getByRole('button', { name: 'Показати' }).click();
      await row(yesterday).getByRole('cell', { name: '—', exact: true }).waitFor();
      // In the tree on today's date: the sponsor's branch (from the search), expanded from the keyboard.
      await page.getByLabel('Станом на (дд.мм.рррр)').fill(shown(today));
      await page.getByRole('button', { name: 'Показати' }).click();
      await page.getByLabel('Пошук за кодом або ім’ям').fill(sponsor.code);
      await page.getByRole('button', { name: 'Знайти' }).click();
      await page
        .getByRole('table', { name: `Знайдені консультанти станом на ${shown(today)}` })
        .getByRole('row')
        .filter({ has: page.getByRole('link', { name: sponsor.code, exact: true }) })
        .getByRole('link', { name: 'Гілка в дереві' })
        .click();
      await page.getByRole('heading', { name: `Гілка від ${sponsor.code}` }).waitFor();
      const expand = page.getByRole('button', { name: `Розгорнути ${sponsor.code} ${sponsor.fullName}` });
      await expand.focus();
      await page.keyboard.press('Enter');
      const collapse = page.getByRole('button', { name: `Згорнути ${sponsor.code} ${sponsor.fullName}` });
      expect(await collapse.getAttribute('aria-expanded')).toBe('true');
      const node = page.getByRole('link', { name: `${code} · ${fullName}` });
      await node.waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      await node.click();
      await page.getByRole('heading', { name: `${fullName} (${code})` }).waitFor();
      const card = await apiGet<{ unit: { code: string; name: string }; status: string }>(
        page,
        `/api/consultants/${code}`,
      );
      expect(card.status).toBe('active');
      expect(
        await page
          .getByRole('definition')
          .filter({ hasText: `${card.unit.code} · ${card.unit.name}` })
          .isVisible(),
      ).toBe(true);
      expect(
        await page
          .getByRole('table', { name: 'Спонсори (вгору)' })
          .getByRole('link', { name: sponsor.code })
          .isVisible(),
      ).toBe(true);
      // The newly hired consultant's status has no end: it reads "безстроково", not 31.12.9999.
      const statuses = page.getByRole('table', { name: 'Історія статусів' });
      await statuses.getByRole('cell', { name: 'безстроково' }).first().waitFor();
      expect(await statuses.textContent()).not.toContain('9999');
      // The career change form offers the levels of the plan in force.
      const levels = await apiGet<{ items: { code: string }[] }>(page, `/api/careers/levels?asOf=${today}`);
      expect(levels.items.length).toBeGreaterThan(1);
      await page
        .getByRole('option', { name: new RegExp(`^${levels.items[1].code} ·`) })
        .waitFor({ state: 'attached' });
      expect(await accessibilityViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('a manager sees only their units’ consultants and is refused another’s card', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.manager);
      await page.getByRole('link', { name: 'Мережа', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Мережа консультантів' }).waitFor();
      expect(await page.getByRole('link', { name: 'Прийняти консультанта' }).count()).toBe(0);
      const mine = await apiGet<{ items: Summary[]; total: number }>(page, '/api/consultants?pageSize=500');
      expect(mine.total).toBeGreaterThan(0);
      const units = await apiGet<{ items: { code: string }[] }>(page, '/api/units?pageSize=500');
      const unitCodes = new Set(units.items.map((u) => u.code));
      expect(unitCodes.has(managerUnit)).toBe(true);
      expect(mine.items.every((c) => c.unitCode && unitCodes.has(c.unitCode))).toBe(true);
      const own = mine.items[0];

      await page.getByLabel('Пошук за кодом або ім’ям').fill(own.code);
      await page.getByRole('button', { name: 'Знайти' }).click();
      await page
        .getByRole('table', { name: /Знайдені консультанти/ })
        .getByRole('link', { name: own.code })
        .waitFor();

      await page.getByLabel('Пошук за кодом або ім’ям').fill(sponsor.code);
      await page.getByRole('button', { name: 'Знайти' }).click();
      await page.getByText('Нічого не знайдено').first().waitFor();

      await page.goto(`/network/consultants/${encodeURIComponent(sponsor.code)}`);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toMatch(/немає|доступу/);
      expect(await page.getByRole('heading', { name: new RegExp(sponsor.fullName) }).count()).toBe(0);

      await page.goto(`/network/consultants/${encodeURIComponent(own.code)}`);
      await page.getByRole('heading', { name: `${own.fullName} (${own.code})` }).waitFor();
      expect(await page.getByRole('heading', { name: 'Дії' }).count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('speaks English on request on the tree and the card', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.back_office);
      await page.getByLabel('Мова').selectOption('en');
      await page.getByRole('link', { name: 'Network', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Consultant network' }).waitFor();
      expect(await page.getByRole('link', { name: 'Hire a consultant' }).isVisible()).toBe(true);
      expect(await page.getByLabel('Search by code or name').isVisible()).toBe(true);
      await page.goto(`/network/consultants/${encodeURIComponent(code)}`);
      await page.getByRole('heading', { name: 'Career history' }).waitFor();
      expect(await page.getByRole('heading', { name: 'Manual career change' }).isVisible()).toBe(true);
      expect(await page.getByText('active', { exact: true }).first().isVisible()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
