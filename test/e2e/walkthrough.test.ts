/**
 * The "Done when" of issue 10, tried as a new user would, on a fresh database, following the README
 * literally: the command line as `npx ecspert …` (child processes) and the API of a running
 * `npx ecspert serve` over HTTP.
 *
 *   the first administrator (`ecspert user add admin --role administrator`, password printed once),
 *   an insurer and its catalogue (`ecspert insurer sync dnipro-life`), the compensation plan
 *   (`ecspert plan register`, which adds the career levels it names), sign in, a unit, three
 *   consultants hired in a line, an application, exchange runs against the sandbox insurer (the
 *   register goes out, the contract comes back, then a premium payment), the policy and its payment
 *   calendar, a promotion by a level of the plan, the period calculated; then a consultant signs in
 *   and sees only their own data.
 *
 * On PGlite the embedded database belongs to one process, so, as the README says, the command line
 * runs while the server is stopped; on PostgreSQL both run at once. Each engine gets a fresh data
 * folder, and on PostgreSQL a database of its own (created and dropped here).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db';
import { availableEngines, postgresUrl } from '../support/engines';
import { freePort } from '../support/private-postgres';
import { addDays, encodeCsv } from '../../adapters/dnipro-life/sandbox/csv-1251';

const root = path.resolve(__dirname, '../..');
const CLI_TIMEOUT_MS = 240_000;

/** Today and this month, as the server and the sandbox insurer see them. */
const today = new Date().toISOString().slice(0, 10);
const month = today.slice(0, 7);
const firstOfMonth = `${month}-01`;
const dmy = (iso: string) => iso.split('-').reverse().join('.');

/** A РНОКПП with its check digit (weights -1,5,7,9,4,6,10,5,7, sum mod 11 mod 10). */
function taxNumber(nine: string): string {
  const weights = [-1, 5, 7, 9, 4, 6, 10, 5, 7];
  const sum = [...nine].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return `${nine}${(((sum % 11) + 11) % 11) % 10}`;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

for (const engine of availableEngines())
  describe(`the Done-when walkthrough [${engine}]`, () => {
    let dataDir: string;
    let env: NodeJS.ProcessEnv;
    let databaseName: string | null = null;
    let server: ChildProcess | null = null;
    let serverLog = '';
    let origin = '';
    let adminPassword = '';
    let adminCookie = '';
    let consultantCookie = '';
    let policyId = 0;
    let policyNumber = '';
    let applicationId = 0;
    let coverStart = '';
    const ids: Record<string, number> = {};

    /** `npx ecspert …` in the project folder, as the README says. */
    function npx(args: string[]): Promise<Run> {
      return new Promise((resolve, reject) => {
        const child = spawn('npx', ['--no-install', 'ecspert', ...args], {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
        child.on('error', reject);
        child.on('close', (status) => {
          clearTimeout(timer);
          resolve({ status, stdout, stderr });
        });
      });
    }

    /** Runs a command and expects it to succeed, showing its output when it does not. */
    async function ecspert(...args: string[]): Promise<string> {
      const run = await npx(args);
      if (run.status !== 0)
        throw new Error(`npx ecspert ${args.join(' ')} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
      return run.stdout;
    }

    async function startServer(): Promise<void> {
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      serverLog = '';
      // Its own process group, so that stopping it stops npx and the node process it started.
      server = spawn('npx', ['--no-install', 'ecspert', 'serve', '--no-schedules'], {
        cwd: root,
        env: { ...env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      server.stdout!.on('data', (d) => (serverLog += d));
      server.stderr!.on('data', (d) => (serverLog += d));
      const until = Date.now() + CLI_TIMEOUT_MS;
      while (Date.now() < until) {
        if (server.exitCode !== null)
          throw new Error(`ecspert serve exited ${server.exitCode}:\n${serverLog}`);
        const health = await fetch(`${origin}/health`).catch(() => null);
        if (health?.ok) return;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`ecspert serve did not answer /health:\n${serverLog}`);
    }

    async function stopServer(): Promise<void> {
      const running = server;
      server = null;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((r) => running.once('exit', r));
      process.kill(-running.pid!, 'SIGTERM');
      await exited;
      // npx's own process leaves with the server; give the group a moment to release the database.
      await new Promise((r) => setTimeout(r, 500));
    }

    /** The command line next to the server: PGlite belongs to one process, so the server stops meanwhile. */
    async function withCommandLine<T>(work: () => Promise<T>): Promise<T> {
      if (engine === 'postgres') return work();
      await stopServer();
      try {
        return await work();
      } finally {
        await startServer();
      }
    }

    async function api(
      method: string,
      url: string,
      cookie: string,
      body?: unknown,
    ): Promise<{ status: number; body: any }> {
      const answer = await fetch(`${origin}${url}`, {
        method,
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await answer.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: kept as text for the failure message
      }
      return { status: answer.status, body: parsed };
    }

    /** POST /api/auth/login; answers the session cookie. */
    async function signIn(login: string, password: string): Promise<string> {
      const answer = await fetch(`${origin}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login, password }),
      });
      expect(answer.status).toBe(200);
      const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('ecspert_session='));
      expect(cookie).toMatch(/HttpOnly/i);
      return cookie!.split(';')[0];
    }

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-walkthrough-'));
      env = {
        PATH: process.env.PATH ?? '',
        HOME: dataDir,
        npm_config_update_notifier: 'false',
        ECSPERT_DATA_DIR: path.join(dataDir, 'data'),
        LOG_LEVEL: 'warn',
      };
      if (engine === 'postgres') {
        databaseName = `walkthrough_${randomBytes(5).toString('hex')}`;
        const admin = await openDatabase({ engine: 'postgres', url: postgresUrl()! }, { poolSize: 1 });
        await sql`create database ${sql.id(databaseName)}`.execute(admin.db);
        await admin.close();
        const url = new URL(postgresUrl()!);
        url.pathname = `/${databaseName}`;
        env.DATABASE_URL = url.toString();
      }
    }, 60_000);

    afterAll(async () => {
      await stopServer().catch(() => undefined);
      if (databaseName) {
        const admin = await openDatabase({ engine: 'postgres', url: postgresUrl()! }, { poolSize: 1 });
        await sql`drop database if exists ${sql.id(databaseName)} with (force)`.execute(admin.db);
        await admin.close();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    it(
      'the first administrator: `npx ecspert user add admin --role administrator` prints a generated password once',
      async () => {
        const out = await ecspert('user', 'add', 'admin', '--role', 'administrator');
        expect(out).toMatch(/admin \(administrator\) added/);
        adminPassword = /password: (\S+)/.exec(out)?.[1] ?? '';
        expect(adminPassword.length).toBeGreaterThanOrEqual(10);
      },
      CLI_TIMEOUT_MS,
    );

    it(
      'an insurer and its catalogue from its adapter folder, and the compensation plan with its levels',
      async () => {
        const sync = await ecspert('insurer', 'sync', 'dnipro-life', '--by', 'admin');
        expect(sync).toMatch(/insurer added/);
        expect(sync).toMatch(/DL-SAV10/);
        // Run again: nothing changed, and it says so.
        expect(await ecspert('insurer', 'sync', 'dnipro-life', '--by', 'admin')).toMatch(/nothing to change/);
        const plan = await ecspert(
          'plan',
          'register',
          'back-office/plans/default.plan.yaml',
          '--by',
          'admin',
        );
        expect(plan).toMatch(/version id \d+/);
      },
      3 * CLI_TIMEOUT_MS,
    );

    it(
      'the server asks for a login, and the printed administrator signs in',
      async () => {
        await startServer();
        const anonymous = await api('GET', '/api/consultants', '');
        expect(anonymous.status).toBe(401);
        adminCookie = await signIn('admin', adminPassword);
        const me = await api('GET', '/api/auth/me', adminCookie);
        expect(me.status).toBe(200);
        expect(me.body.user ?? me.body).toMatchObject({ login: 'admin', role: 'administrator' });
      },
      CLI_TIMEOUT_MS,
    );

    it('opens a unit and hires three consultants in a line (each sponsors the next)', async () => {
      const unit = await api('POST', '/api/units', adminCookie, {
        code: 'KYIV',
        name: 'Kyiv office',
        openedOn: '2026-01-01',
        recordedBy: 'admin',
      });
      expect(unit.status).toBeLessThan(300);
      const hires: [string, string, string | null, string][] = [
        ['K-1', 'Олена Коваль', null, '300000001'],
        ['K-2', 'Петро Шевчук', 'K-1', '300000002'],
        ['K-3', 'Іван Бондар', 'K-2', '300000003'],
      ];
      for (const [code, fullName, sponsorCode, tax] of hires) {
        const hired = await api('POST', '/api/consultants', adminCookie, {
          code,
          fullName,
          taxNumber: taxNumber(tax),
          legalForm: 'individual',
          sponsorCode,
          unitCode: 'KYIV',
          hiredOn: '2026-01-05',
          recordedBy: 'admin',
        });
        expect(hired).toMatchObject({ status: 201, body: { code } });
        ids[code] = hired.body.consultantId;
      }
      const upline = await api('GET', '/api/consultants/K-3/upline', adminCookie);
      expect(upline.status).toBe(200);
      expect(upline.body.items.map((c: { code: string }) => c.code)).toEqual(['K-2', 'K-1']);
      const units = await api('GET', '/api/units/KYIV', adminCookie);
      expect(units.status).toBe(200);
    });

    it('enters an application for the last of them; it waits for the next register', async () => {
      const entered = await api('POST', '/api/applications', adminCookie, {
        consultant: 'K-3',
        insurer: 'DNIPRO_LIFE',
        product: 'DL-SAV10',
        holder: { fullName: 'Марія Лисенко', taxNumber: taxNumber('300000004') },
        premium: '1200.00',
        sumInsured: '250000.00',
        paymentFrequency: 12,
        startOn: today,
        enteredBy: 'admin',
      });
      expect(entered.status).toBe(201);
      expect(entered.body).toMatchObject({ status: 'pending', consultant: 'K-3', premiumKop: 120000 });
      applicationId = entered.body.id;
    });

    it('promotes a consultant by a level of the plan (a manual career change through the API)', async () => {
      const change = await api('POST', '/api/careers/changes', adminCookie, {
        consultantCode: 'K-2',
        levelCode: 'SENIOR_CONSULTANT',
        validFrom: firstOfMonth,
        reason: 'promoted at the review',
        recordedBy: 'admin',
      });
      expect(change.status).toBeLessThan(300);
      const card = await api('GET', '/api/consultants/K-2', adminCookie);
      expect(card.status).toBe(200);
      expect(card.body.level).toBe('SENIOR_CONSULTANT');
      expect(card.body.careerHistory).toEqual(
        expect.arrayContaining([expect.objectContaining({ levelCode: 'SENIOR_CONSULTANT' })]),
      );
      // Every level the plan names can be given; one it does not name is refused, naming it.
      const unknown = await api('POST', '/api/careers/changes', adminCookie, {
        consultantCode: 'K-3',
        levelCode: 'GRAND_WIZARD',
        validFrom: firstOfMonth,
        reason: 'no such level',
        recordedBy: 'admin',
      });
      expect(unknown.status).toBe(422);
      expect(unknown.body.message).toMatch(/GRAND_WIZARD/);
    });

    it(
      'runs the exchange against the sandbox insurer: the register goes out, the contract comes back',
      async () => {
        await withCommandLine(async () => {
          const first = await ecspert('exchange', 'run', 'dnipro-life', '--sandbox');
          expect(first).toMatch(/built REG_\S+ with 1 application/);
          // The insurer answers a register in its own time: a later run takes the answer in.
          let answered = first;
          for (let run = 0; run < 3 && !/CONTRACTS_\d{8}\.csv: applied/.test(answered); run++)
            answered += await ecspert('exchange', 'run', 'dnipro-life', '--sandbox');
          expect(answered).toMatch(/ACK_REG_\S+: applied/);
          expect(answered).toMatch(/CONTRACTS_\d{8}\.csv: applied/);
        });
        const policies = await api('GET', '/api/policies?consultant=K-3', adminCookie);
        expect(policies.status).toBe(200);
        expect(policies.body.total).toBe(1);
        const [policy] = policies.body.items;
        expect(policy).toMatchObject({
          insurer: 'DNIPRO_LIFE',
          product: 'DL-SAV10',
          consultant: 'K-3',
          holderName: 'Марія Лисенко',
          status: 'in_force',
          paymentFrequency: 12,
        });
        // The sandbox insurer issues today with cover from tomorrow, as its spec sheet says.
        expect(policy.coverStart > today).toBe(true);
        policyId = policy.id;
        coverStart = policy.coverStart;
        policyNumber = policy.number;
        const application = await api('GET', `/api/applications/${applicationId}`, adminCookie);
        expect(application.body).toMatchObject({ status: 'issued', policyNumber });
      },
      5 * CLI_TIMEOUT_MS,
    );

    it(
      "a premium arrives from the insurer, and the policy's payment calendar shows it paid",
      async () => {
        await withCommandLine(async () => {
          // The insurer publishes its payments file (spec: PAYMENTS_yyyymm.csv, windows-1251), as its
          // sandbox publishes the samples: into the folder its SFTP server serves, then the marker.
          const out = path.join(env.ECSPERT_DATA_DIR!, 'sandbox', 'dnipro-life', 'sftp-root', 'out');
          const name = `PAYMENTS_${month.replace('-', '')}.csv`;
          const csv = encodeCsv(
            ['Номер договору', 'Дата оплати', 'Сума', 'Покриття з', 'Покриття по', 'Рік дії договору'],
            [[policyNumber, dmy(today), '1 200,00', dmy(coverStart), dmy(addDays(coverStart, 30)), '1']],
          );
          fs.writeFileSync(path.join(out, name), csv);
          fs.writeFileSync(path.join(out, `${name}.done`), '');
          expect(await ecspert('exchange', 'run', 'dnipro-life', '--sandbox')).toMatch(
            new RegExp(`${name}: applied — 1 row\\(s\\), 1 applied`),
          );
        });
        const shown = await api('GET', `/api/policies/${policyId}`, adminCookie);
        expect(shown.status).toBe(200);
        expect(shown.body).toMatchObject({ number: policyNumber });
        const calendar = await api('GET', `/api/policies/${policyId}/calendar`, adminCookie);
        expect(calendar.status).toBe(200);
        const [first, second] = calendar.body.instalments;
        expect(first).toMatchObject({
          no: 1,
          dueOn: coverStart,
          amountKop: 120000,
          paidKop: 120000,
          paidOn: today,
          status: 'paid',
        });
        expect(second).toMatchObject({ no: 2, amountKop: 120000, paidKop: 0 });
      },
      2 * CLI_TIMEOUT_MS,
    );

    it('calculates the period: the seller and the promoted sponsor earn on the premium', async () => {
      const calculated = await api('POST', `/api/periods/${month}/calculate`, adminCookie, {
        createdBy: 'admin',
      });
      expect(calculated.status).toBe(200);
      const lines = await api('GET', `/api/periods/${month}/accruals`, adminCookie);
      expect(lines.status).toBe(200);
      const earners = new Set(lines.body.items.map((l: { consultantCode: string }) => l.consultantCode));
      expect(earners).toEqual(new Set(['K-3', 'K-2']));
    });

    it('a consultant login, added by the administrator, signs in', async () => {
      const added = await api('POST', '/api/users', adminCookie, {
        login: 'k-2',
        role: 'consultant',
        consultantCode: 'K-2',
        password: 'k2-first-password',
      });
      expect(added.status).toBe(201);
      consultantCookie = await signIn('k-2', 'k2-first-password');
      const me = await api('GET', '/api/auth/me', consultantCookie);
      expect(me.body.user ?? me.body).toMatchObject({
        login: 'k-2',
        role: 'consultant',
        consultantCode: 'K-2',
      });
    });

    it("the consultant sees their own accruals only; another consultant's are not there (404)", async () => {
      const own = await api('GET', `/api/periods/${month}/accruals`, consultantCookie);
      expect(own.status).toBe(200);
      expect(own.body.items.length).toBeGreaterThan(0);
      expect(new Set(own.body.items.map((l: { consultantCode: string }) => l.consultantCode))).toEqual(
        new Set(['K-2']),
      );
      const others = await api(
        'GET',
        `/api/periods/${month}/accruals?consultantId=${ids['K-3']}`,
        consultantCookie,
      );
      expect(others.status).toBe(404);
      const top = await api(
        'GET',
        `/api/periods/${month}/accruals?consultantId=${ids['K-1']}`,
        consultantCookie,
      );
      expect(top.status).toBe(404);
    });

    it('the consultant changes nothing: a hire is refused (403)', async () => {
      const hire = await api('POST', '/api/consultants', consultantCookie, {
        code: 'K-9',
        fullName: 'Не має бути',
        taxNumber: taxNumber('300000009'),
        legalForm: 'individual',
        sponsorCode: 'K-2',
        unitCode: 'KYIV',
        hiredOn: '2026-01-05',
        recordedBy: 'k-2',
      });
      expect(hire.status).toBe(403);
      expect((await api('GET', '/api/consultants/K-9', adminCookie)).status).toBe(404);
    });

    // The consultant's scoped reads of the network and policies (own records and downline) are the
    // final intended behaviour of issue 10; until they land, a consultant is refused these routes (403).
    it("the consultant reads their own card and their downline's, not another's (404)", async () => {
      const own = await api('GET', '/api/consultants/K-2', consultantCookie);
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ code: 'K-2', level: 'SENIOR_CONSULTANT' });
      expect((await api('GET', '/api/consultants/K-3', consultantCookie)).status).toBe(200);
      expect((await api('GET', '/api/consultants/K-1', consultantCookie)).status).toBe(404);
      const downline = await api('GET', '/api/consultants/K-2/downline', consultantCookie);
      expect(downline.status).toBe(200);
      expect(downline.body.items.map((c: { code: string }) => c.code)).toEqual(['K-3']);
      const policies = await api('GET', '/api/policies', consultantCookie);
      expect(policies.status).toBe(200);
      // K-2 sold nothing; the policy K-3 sold is in the downline: what the list shows is within scope.
      for (const p of policies.body.items) expect(['K-2', 'K-3']).toContain(p.consultant);
    });
  });
