/**
 * Changes inside closed periods in real Chromium: the earliest demo period is closed; back office A
 * transfers a consultant to another unit from a day inside it on the consultant's card (kept as a
 * change request, nothing applied); A cannot approve it (the screen says why, and the server refuses
 * if tried); back office B finds it in the approvals list filtered by kind and consultant, sees what
 * it would do, approves it, and the consultant's card shows the new unit. The screens pass the
 * accessibility check. The closed period's acts form starts from the intermediary's own details.
 */
import type { Locator } from 'playwright-core';
import { createUser } from '../../src/auth';
import { intermediary } from '../back-office/acts/fixtures';
import {
  accessibilityViolations,
  type BrowserHub,
  describeInBrowser,
  signIn,
  startBrowserHub,
} from './support/hub';

/** Waits until an input holds `value` (the form fills itself once the server answers). */
async function expectValue(input: Locator, value: string): Promise<void> {
  for (let tries = 0; tries < 100 && (await input.inputValue()) !== value; tries++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await input.inputValue()).toBe(value);
}

interface Period {
  code: string;
  startsOn: string;
  status: string;
}

describeInBrowser('web application: approvals')(
  'web application: approvals of changes in closed periods',
  () => {
    let hub: BrowserHub;
    let second: { login: string; password: string };
    let closedPeriod: string;

    beforeAll(async () => {
      hub = await startBrowserHub();
      const created = await createUser(
        hub.database,
        { login: 'bo-second', role: 'back_office', displayName: 'Друга Особа' },
        'test',
      );
      second = { login: 'bo-second', password: created.password };
    }, 240_000);
    afterAll(async () => {
      await hub?.close();
    });

    it('A transfers into a closed period, B approves it, and the card shows the new unit', async () => {
      const a = await hub.newPage();
      const b = await hub.newPage();
      try {
        await signIn(a.page, hub.logins.back_office);
        const periods = (await (await a.page.request.get('/api/periods')).json()).items as Period[];
        const earliest = periods[0];
        // The demo has no closed period yet: the earliest one is closed here as the periods screen would.
        await hub.database.db
          .updateTable('production_period')
          .set({ status: 'closed', calculated_at: new Date(), closed_at: new Date(), closed_by: 'test' })
          .where('code', '=', earliest.code)
          .execute();
        closedPeriod = earliest.code;
        const day = `${earliest.code}-15`;

        // A consultant whose unit exists on that day, and another unit to move them to.
        const list = (await (await a.page.request.get(`/api/consultants?asOf=${day}&pageSize=50`)).json())
          .items as { code: string; unitCode: string | null; status: string | null }[];
        const who = list.find((c) => c.unitCode && c.status !== 'terminated')!;
        const units = (await (await a.page.request.get(`/api/units?asOf=${day}&pageSize=100`)).json())
          .items as { code: string; name: string }[];
        const target = units.find((u) => u.code !== who.unitCode)!;
        expect(who && target).toBeTruthy();

        await a.page.goto(`/network/consultants/${encodeURIComponent(who.code)}`);
        const form = a.page.locator('form[aria-labelledby="transfer-heading"]');
        await form.getByLabel(/^Новий підрозділ/).selectOption(target.code);
        await form.getByLabel(/^Дата набуття чинності/).fill(day.split('-').reverse().join('.'));
        await form.getByLabel(/^Підстава/).fill('наказ № 7: переведення заднім числом');
        await form.getByRole('button', { name: 'Надіслати' }).click();
        const kept = form.getByRole('status');
        await kept.filter({ hasText: earliest.code }).waitFor();
        const id = Number(/№ (\d+)/.exec((await kept.textContent()) ?? '')![1]);
        expect(id).toBeGreaterThan(0);
        // Nothing applied yet: the card still shows the old unit.
        const before = await (await a.page.request.get(`/api/consultants/${who.code}?asOf=${day}`)).json();
        expect(before.unit.code).toBe(who.unitCode);

        // A, its author, is told they cannot approve it; trying shows the server's refusal.
        await a.page.goto(`/approvals/${id}`);
        await a.page.getByTestId('own-request').waitFor();
        expect(await a.page.getByTestId('own-request').textContent()).toContain(hub.logins.back_office.login);
        await a.page.getByRole('button', { name: 'Погодити й застосувати' }).click();
        await a.page.getByRole('alert').filter({ hasText: 'Сервер відмовив' }).waitFor();
        expect(await a.page.getByTestId('request-status').textContent()).toBe('очікує');

        // B finds it by kind and consultant, sees what it would do, and approves it.
        await signIn(b.page, second);
        await b.page.getByRole('navigation').getByRole('link', { name: 'Погодження' }).click();
        await b.page.getByRole('heading', { name: /на погодження/ }).waitFor();
        const filters = b.page.getByRole('form', { name: 'Фільтр запитів' });
        await filters.getByLabel('Вид зміни').selectOption('transfer');
        await filters.getByLabel('Код консультанта').fill(who.code);
        await filters.getByRole('button', { name: 'Показати' }).click();
        await b.page.waitForURL(/kind=transfer/);
        const row = b.page.getByRole('row').filter({ hasText: who.code });
        await row.waitFor();
        expect(await row.textContent()).toContain('переведення');
        expect(await row.textContent()).toContain(hub.logins.back_office.login);
        expect(await accessibilityViolations(b.page)).toEqual([]);
        await b.page.getByRole('link', { name: `Розглянути запит ${id}` }).click();
        const what = b.page.getByRole('definition').filter({ hasText: target.code });
        await what.waitFor();
        expect(await b.page.getByTestId('own-request').count()).toBe(0);
        expect(await accessibilityViolations(b.page)).toEqual([]);
        await b.page.getByRole('button', { name: 'Погодити й застосувати' }).click();
        await b.page.getByRole('status').filter({ hasText: 'Погоджено' }).waitFor();
        await b.page.getByTestId('request-status').filter({ hasText: 'погоджено' }).waitFor();

        // The consultant's card shows the new unit from that day.
        await b.page.getByRole('link', { name: `Картка консультанта ${who.code}` }).click();
        await b.page.getByRole('heading', { name: new RegExp(who.code) }).waitFor();
        await b.page
          .getByRole('definition')
          .filter({ hasText: `${target.code} · ${target.name}` })
          .waitFor();
        expect(a.problems).toEqual([]);
        expect(b.problems).toEqual([]);
      } finally {
        await a.context.close();
        await b.context.close();
      }
    }, 240_000);

    it("pre-fills the closed period's acts form with the intermediary's own details", async () => {
      const { page, context, problems } = await hub.newPage();
      try {
        await signIn(page, hub.logins.back_office);
        await page.goto(`/periods/${closedPeriod}`);
        const customer = page.getByLabel('Замовник (посередник)');
        await customer.waitFor();
        await expectValue(customer, intermediary.name);
        expect(await page.getByLabel('Код ЄДРПОУ замовника').inputValue()).toBe(intermediary.edrpou);
        expect(await page.getByLabel('Місто складання акта').inputValue()).toBe(intermediary.city);
        // The server's own intermediary: not the demo's, so no note asks to set it.
        expect(await page.getByTestId('demo-intermediary').count()).toBe(0);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }, 120_000);
  },
);
