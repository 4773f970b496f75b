/**
 * Screenshots of every main screen in both languages (Ukrainian, the default, then English), for a
 * person to look at: `npm run screenshots` writes PNGs to screenshots/ (git-ignored), named
 * `<language>-<nn>-<screen>.png`. It starts the same hub the browser suites use (the demo seeded on
 * PGlite, or on PostgreSQL when DATABASE_URL is set; Debian's Chromium), adds what a few screens need
 * to show something (a closed period with a transfer waiting for approval, a quarantined message),
 * signs in with the demo login of the role each screen is for, and photographs the whole page.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { Page } from 'playwright-core';
import { processMessage, receive } from '../src/exchange/pipeline';
import { type BrowserHub, signIn, startBrowserHub } from '../test/browser/support/hub';

const OUT = path.resolve(__dirname, '..', 'screenshots');
const LANGUAGES = ['uk', 'en'] as const;
type Role = 'back_office' | 'integration' | 'consultant' | 'manager' | 'administrator';

interface Screen {
  name: string;
  role: Role | null;
  path: string;
}

const badCommission = iconv.encode(
  'Номер договору;Дата оплати;Сума премії;Ставка, %;Сума винагороди\r\nDL-2026-000101;02.11.2026;1 200,00;25;300,00\r\nDL-2026-000102;15.11.2026;два;30;735,15\r\n',
  'win1251',
);

async function json<T>(page: Page, url: string): Promise<T> {
  const answer = await page.request.get(url);
  if (!answer.ok()) throw new Error(`${url}: ${answer.status()} ${await answer.text()}`);
  return (await answer.json()) as T;
}

/** What the screens with an id in their address show: found through the API, as a person would click. */
async function prepare(hub: BrowserHub): Promise<Screen[]> {
  const deps = { database: hub.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
  const { message } = await receive(deps, {
    insurerCode: 'DNIPRO_LIFE',
    channel: 'sftp',
    fileName: 'COMMISSION_202611.csv',
    payload: badCommission,
  });
  await processMessage(deps, message.id);

  const { page, context } = await hub.newPage();
  await signIn(page, hub.logins.back_office);
  const periods = (await json<{ items: { code: string }[] }>(page, '/api/periods')).items;
  const closed = periods[0].code;
  // The earliest period calculated, closed and its acts issued through the API, as the back office
  // would, so the ledger, the acts, the card's accruals and the portal show real figures.
  const post = async (url: string, data: unknown) => {
    const answer = await page.request.post(url, { data });
    if (!answer.ok()) throw new Error(`${url}: ${answer.status()} ${await answer.text()}`);
    return answer.json();
  };
  await post(`/api/periods/${closed}/calculate`, {});
  await post(`/api/periods/${closed}/close`, { closedBy: hub.logins.back_office.login });
  const { name, edrpou, city } = await json<{ name: string; edrpou: string; city: string }>(
    page,
    '/api/acts/intermediary',
  );
  await post(`/api/periods/${closed}/acts`, { intermediary: { name, edrpou, city } });
  const consultants = (
    await json<{ items: { code: string; unitCode: string | null }[] }>(page, '/api/consultants?pageSize=20')
  ).items;
  const someone = consultants.find((c) => c.unitCode) ?? consultants[0];
  const units = (await json<{ items: { code: string }[] }>(page, '/api/units?pageSize=50')).items;
  const target = units.find((u) => u.code !== someone.unitCode)!;
  const proposed = await page.request.post(`/api/consultants/${someone.code}/transfer`, {
    data: {
      unitCode: target.code,
      effectiveOn: `${closed}-15`,
      reason: 'наказ № 7 від 14.11: переведення заднім числом',
      recordedBy: hub.logins.back_office.login,
    },
  });
  const request = (await proposed.json()) as { changeRequest?: { id: number } };
  const policies = (
    await json<{ items: { policyId?: number; id?: number }[] }>(page, '/api/policies?pageSize=1')
  ).items;
  const policyId = policies[0]?.policyId ?? policies[0]?.id;
  const applications = (await json<{ items: { id: number }[] }>(page, '/api/applications?pageSize=1')).items;
  await context.close();

  const screens: Screen[] = [
    { name: 'sign-in', role: null, path: '/' },
    { name: 'home', role: 'back_office', path: '/' },
    { name: 'network-tree', role: 'back_office', path: '/network' },
    { name: 'consultant-card', role: 'back_office', path: `/network/consultants/${someone.code}` },
    { name: 'hire', role: 'back_office', path: '/network/hire' },
    { name: 'policies', role: 'back_office', path: '/policies' },
    ...(policyId
      ? [{ name: 'policy-card', role: 'back_office' as const, path: `/policies/${policyId}` }]
      : []),
    { name: 'applications', role: 'back_office', path: '/applications' },
    ...(applications[0]
      ? [{ name: 'application', role: 'back_office' as const, path: `/applications/${applications[0].id}` }]
      : []),
    { name: 'new-application', role: 'back_office', path: '/applications/new' },
    { name: 'periods', role: 'back_office', path: '/periods' },
    { name: 'period-closed', role: 'back_office', path: `/periods/${closed}` },
    { name: 'period-open', role: 'back_office', path: `/periods/${periods[1]?.code ?? closed}` },
    { name: 'corrections', role: 'back_office', path: '/periods/corrections' },
    { name: 'plans', role: 'back_office', path: '/plans' },
    { name: 'what-if', role: 'back_office', path: '/plans/what-if' },
    { name: 'approvals', role: 'back_office', path: '/approvals' },
    ...(request.changeRequest
      ? [{ name: 'approval', role: 'back_office' as const, path: `/approvals/${request.changeRequest.id}` }]
      : []),
    { name: 'mismatches', role: 'back_office', path: '/exchange/mismatches' },
    { name: 'exchange-dashboard', role: 'integration', path: '/exchange' },
    { name: 'messages', role: 'integration', path: '/exchange/messages' },
    { name: 'message', role: 'integration', path: `/exchange/messages/${message.id}` },
    { name: 'report-sales', role: 'back_office', path: '/reports?report=sales' },
    { name: 'report-collections', role: 'back_office', path: '/reports?report=collections' },
    { name: 'report-remuneration', role: 'back_office', path: '/reports?report=remuneration' },
    { name: 'portal-results', role: 'consultant', path: '/portal' },
    { name: 'portal-period', role: 'consultant', path: `/portal/results/${closed}` },
    { name: 'portal-downline', role: 'consultant', path: '/portal/downline' },
    { name: 'portal-progress', role: 'consultant', path: '/portal/progress' },
    { name: 'portal-contests', role: 'consultant', path: '/portal/contests' },
    { name: 'unit-volumes', role: 'manager', path: '/portal/units' },
  ];
  return screens;
}

/** Waits until the screen has its data: no request in flight and no "loading" line left. */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  for (let tries = 0; tries < 50; tries++) {
    const loading = await page.getByText(/^(Завантаження…|Loading…)$/).count();
    if (!loading) break;
    await page.waitForTimeout(200);
  }
  await page.waitForTimeout(300);
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  console.log('starting the hub with the demo (about a minute on PGlite)…');
  const hub = await startBrowserHub();
  try {
    const screens = await prepare(hub);
    for (const language of LANGUAGES) {
      // One browser context per role and language: its own session, the language kept in localStorage.
      const pages = new Map<Role | null, Page>();
      const pageFor = async (role: Role | null) => {
        let page = pages.get(role);
        if (page) return page;
        const opened = await hub.newPage();
        page = opened.page;
        await page.setViewportSize({ width: 1366, height: 900 });
        await page.goto('/');
        await page.evaluate(`localStorage.setItem('ecspert.language', '${language}')`);
        if (role) await signIn(page, hub.logins[role]);
        pages.set(role, page);
        return page;
      };
      for (const [index, screen] of screens.entries()) {
        const page = await pageFor(screen.role);
        await page.goto(screen.path);
        await settled(page);
        const file = path.join(OUT, `${language}-${String(index + 1).padStart(2, '0')}-${screen.name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`${path.relative(process.cwd(), file)}  ${screen.role ?? 'signed out'}  ${screen.path}`);
      }
      for (const page of pages.values()) await page.context().close();
    }
  } finally {
    await hub.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
