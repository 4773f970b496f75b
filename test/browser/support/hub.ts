/**
 * The web application as its users meet it, for the browser suites: the current web/ built (when a
 * source is newer than web/dist), a fresh database seeded with the demo intermediary (one login per
 * role, passwords handed out by the seed), the full API and the web app on a real port on
 * 127.0.0.1, and Debian's Chromium driven by playwright-core.
 *
 * PostgreSQL when DATABASE_URL points at one (a schema of the suite's own), else embedded PGlite.
 * Without Chromium the suite says so in one line and skips; under CI=true it fails instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { sql } from 'kysely';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildApi, createQueueProbe } from '../../../src/api';
import { productRoutes } from '../../../src/api/routes';
import { resetPassword, type Role } from '../../../src/auth';
import { type Database, migrate, openDatabase } from '../../../src/db';
import { seedDemo } from '../../../src/demo';
import { intermediary } from '../../back-office/acts/fixtures';
import { memoryLogger, testConfig } from '../../api/support/api-harness';
import { openTestDatabase, postgresUrl } from '../../support/engines';
import { describeWhen } from '../../support/services';
import { ensureWebBuilt } from '../../support/web-build';

const root = path.resolve(__dirname, '../../..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Playwright's waits, generous: two cores shared with the database and the server. */
export const UI_TIMEOUT_MS = 20_000;

/** `describe` for a suite that needs Chromium (see test/support/services.ts). */
export function describeInBrowser(suite: string): jest.Describe {
  return describeWhen(
    fs.existsSync(CHROMIUM),
    suite,
    `${CHROMIUM} is missing (apt-get install -y chromium; .ci/services.sh does)`,
  );
}

export interface BrowserHub {
  url: string;
  database: Database;
  /** The demo's login of each role, with its password. */
  logins: Record<Role, { login: string; password: string }>;
  browser: Browser;
  /** A fresh browser context (cookies of its own) with one page, errors collected. */
  newPage(): Promise<{ page: Page; context: BrowserContext; problems: string[] }>;
  close(): Promise<void>;
}

export { ensureWebBuilt };

type Logins = BrowserHub['logins'];

/** What the demo seed is made of today: a change to the migrations, the demo or the date makes a new one. */
function seedFingerprint(): string {
  const hash = createHash('sha256').update(new Date().toISOString().slice(0, 10));
  for (const dir of ['migrations', 'src/demo'])
    for (const name of fs.readdirSync(path.join(root, dir)).sort())
      if (name.endsWith('.ts')) hash.update(name).update(fs.readFileSync(path.join(root, dir, name)));
  return hash.digest('hex').slice(0, 12);
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * On PostgreSQL the demo is seeded once per fingerprint into a template database, under an advisory
 * lock (suites run in parallel workers), and each suite gets a copy of its own (CREATE DATABASE …
 * TEMPLATE, about a second) instead of a 30–60 s seed. The seed's passwords are not kept anywhere:
 * each copy's demo logins get new passwords through the users module, as `ecspert user
 * reset-password` would.
 */
async function seededPostgres(
  url: string,
): Promise<{ database: Database; logins: Logins; drop(): Promise<void> }> {
  const template = `ecspert_web_${seedFingerprint()}`;
  // One connection: the advisory lock is held by the session that takes it.
  const admin = await openDatabase({ engine: 'postgres', url }, { poolSize: 1 });
  const run = async (text: string, ...values: unknown[]) =>
    (
      await sql
        .raw(values.length ? text.replace(/\$1/g, `'${String(values[0]).replace(/'/g, "''")}'`) : text)
        .execute(admin.db)
    ).rows as Array<Record<string, unknown>>;
  const copy = `ecspert_web_suite_${randomBytes(5).toString('hex')}`;
  let roles: Array<{ login: string; role: Role }>;
  try {
    const client = { query: run };
    try {
      await client.query(`select pg_advisory_lock(hashtext('ecspert browser demo seed'))`);
      const exists = await client.query('select 1 from pg_database where datname = $1', template);
      if (!exists.length) {
        const stale = await client.query(
          `select datname from pg_database where datname like 'ecspert\\_web\\_%' and datname not like 'ecspert\\_web\\_suite\\_%'`,
        );
        for (const row of stale as Array<{ datname: string }>)
          await client.query(`drop database if exists "${row.datname}"`);
        const building = `${template}_building`;
        await client.query(`drop database if exists "${building}"`);
        await client.query(`create database "${building}"`);
        const seeding = await openDatabase(
          { engine: 'postgres', url: withDatabase(url, building) },
          { poolSize: 2 },
        );
        try {
          await migrate(seeding.db, seeding.dialect);
          await seedDemo(seeding);
        } finally {
          await seeding.close();
        }
        await client.query(`alter database "${building}" rename to "${template}"`);
      }
      await client.query(`create database "${copy}" template "${template}"`);
    } finally {
      await client
        .query(`select pg_advisory_unlock(hashtext('ecspert browser demo seed'))`)
        .catch(() => undefined);
    }
    const database = await openDatabase(
      { engine: 'postgres', url: withDatabase(url, copy) },
      { poolSize: 6 },
    );
    roles = (
      await sql<{
        login: string;
        role: Role;
      }>`select login, role from auth_user where created_by = 'demo'`.execute(database.db)
    ).rows;
    const logins = {} as Logins;
    for (const { login, role } of roles)
      logins[role] = { login, password: (await resetPassword(database, login, 'browser tests')).password };
    return {
      database,
      logins,
      drop: async () => {
        await database.close();
        await run(`drop database if exists "${copy}" with (force)`).catch(() => undefined);
        await admin.close();
      },
    };
  } catch (error) {
    await admin.close();
    throw error;
  }
}

async function seededPglite(): Promise<{ database: Database; logins: Logins; drop(): Promise<void> }> {
  const database = await openTestDatabase('pglite');
  const summary = await seedDemo(database);
  const logins = Object.fromEntries(
    summary.logins.map((l) => [l.role, { login: l.login, password: l.password }]),
  ) as Logins;
  return { database, logins, drop: () => database.drop() };
}

export async function startBrowserHub(): Promise<BrowserHub> {
  const webRoot = ensureWebBuilt();
  const url = postgresUrl();
  const seeded = url ? await seededPostgres(url) : await seededPglite();
  const { database, logins } = seeded;
  const app = await buildApi(
    { database, config: testConfig(), logger: memoryLogger('silent').logger, queue: createQueueProbe(null) },
    {
      routes: productRoutes({ secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')), intermediary }),
      webRoot,
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const hubUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    url: hubUrl,
    database,
    logins,
    browser,
    async newPage() {
      const context = await browser.newContext({ baseURL: hubUrl, acceptDownloads: true, locale: 'uk-UA' });
      context.setDefaultTimeout(UI_TIMEOUT_MS);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // A refused API call (401 before sign-in, a 404 a test asks for) is logged by the browser
        // as a failed resource; the page's own errors are what count.
        if (message.type() === 'error' && !/Failed to load resource/.test(message.text()))
          problems.push(`console: ${message.text()}`);
      });
      return { page, context, problems };
    },
    async close() {
      await browser.close().catch(() => undefined);
      await app.close();
      await seeded.drop();
    },
  };
}

/** Signs in through the sign-in form, as a person would, and waits for the frame. */
export async function signIn(page: Page, credentials: { login: string; password: string }): Promise<void> {
  await page.goto('/');
  await page.getByLabel(/^(Логін|Login)$/).fill(credentials.login);
  await page.getByLabel(/^(Пароль|Password)$/).fill(credentials.password);
  await page.getByRole('button', { name: /^(Увійти|Sign in)$/ }).click();
  await page.getByRole('button', { name: /^(Вийти|Sign out)$/ }).waitFor();
}

export interface AccessibilityViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * The automated accessibility check (axe-core, WCAG 2 A and AA rules) of the page as it stands:
 * the violations, each with the elements it found. Run through the DevTools protocol, so the page's
 * Content-Security-Policy (scripts of this origin only) stays as users get it.
 */
export async function accessibilityViolations(page: Page): Promise<AccessibilityViolation[]> {
  await page.evaluate(axe.source);
  // A string, evaluated in the page: the test's own TypeScript knows no DOM.
  const violations = (await page.evaluate(`
    window.axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
      .then((result) => result.violations.map((v) => ({
        id: v.id,
        impact: v.impact ?? null,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ')),
      })))
  `)) as AccessibilityViolation[];
  return violations;
}
