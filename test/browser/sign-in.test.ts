/**
 * Signing in to the web application in real Chromium: the sign-in form, a refusal in the server's
 * words, the frame with the menu of the role, English on request, a screen's address that survives a
 * reload, signing out, and the accessibility check of both screens.
 */
import {
  accessibilityViolations,
  type BrowserHub,
  describeInBrowser,
  signIn,
  startBrowserHub,
} from './support/hub';

describeInBrowser('web application: sign-in')('web application: signing in and the frame', () => {
  let hub: BrowserHub;
  beforeAll(async () => {
    hub = await startBrowserHub();
  }, 240_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('refuses a wrong password in the server’s words, then signs in as back office, in Ukrainian by default', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await page.goto('/');
      expect(await page.getAttribute('html', 'lang')).toBe('uk');
      await expect(page.getByRole('heading', { name: 'Вхід до eCSpert hub' }).isVisible()).resolves.toBe(
        true,
      );
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByLabel('Логін').fill(hub.logins.back_office.login);
      await page.getByLabel('Пароль').fill('not-the-password');
      await page.getByRole('button', { name: 'Увійти' }).click();
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/Не вдалося увійти: .*(login|password|логін|пароль)/i);

      await signIn(page, hub.logins.back_office);
      expect(await page.getByText(/Ви увійшли як .*\(бек-офіс\)/).isVisible()).toBe(true);
      // The session cookie is the server's, http-only: the page's scripts cannot read it.
      expect(await page.evaluate('document.cookie')).not.toContain('ecspert_session');
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'ecspert_session')).toMatchObject({
        httpOnly: true,
        sameSite: 'Strict',
      });
      expect(await accessibilityViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('switches to English and keeps it; a screen’s address survives a reload; signing out ends the session', async () => {
    const { page, context, problems } = await hub.newPage();
    try {
      await signIn(page, hub.logins.integration);
      await page.getByLabel('Мова').selectOption('en');
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.getByText(/Signed in as .*\(integration engineer\)/).isVisible()).toBe(true);

      // A deep link is answered with the application, not a 404 of the API.
      const response = await page.goto('/some/screen/address?asOf=2026-11-30&page=2');
      expect(response?.status()).toBe(200);
      expect(await response?.headerValue('content-type')).toContain('text/html');
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      // …while an unknown API path still answers the API's JSON 404.
      const api = await page.request.get('/api/no-such-thing');
      expect(api.status()).toBe(404);
      expect(await api.json()).toMatchObject({ error: 'not_found' });

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to eCSpert hub' }).waitFor();
      const me = await page.request.get('/api/auth/me');
      expect(me.status()).toBe(401);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('serves the built files with their content types, and no path outside web/dist', async () => {
    const { page, context } = await hub.newPage();
    try {
      const html = await (await page.request.get('/')).text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await page.request.get(script!);
      expect(asset.status()).toBe(200);
      expect(asset.headers()['content-type']).toContain('javascript');
      expect(asset.headers()['cache-control']).toContain('immutable');
      for (const probe of [
        '/..%2f..%2fpackage.json',
        '/%2e%2e/%2e%2e/package.json',
        '/assets/..%2f..%2f..%2fpackage.json',
      ]) {
        const answer = await page.request.get(probe);
        expect(await answer.text()).not.toContain('"name": "ecspert-hub"');
      }
    } finally {
      await context.close();
    }
  });
});
