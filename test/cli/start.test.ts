/**
 * `npm start` as a new user meets it: on an empty data folder it migrates, seeds the demo, serves,
 * and prints where to look and the demo's logins; /health answers, the API wants a login, and with
 * one of the printed logins the demo data is there; Ctrl+C stops it cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dovecotInstalled } from '../support/mail-servers';
import { ensureWebBuilt } from '../support/web-build';

const bin = path.resolve(__dirname, '../../bin/ecspert.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

describe('ecspert start on an empty embedded database', () => {
  let child: ChildProcess;
  let output = '';
  let port: number;
  /** The session cookie of the demo's administrator, signed in with the password start printed. */
  let cookie = '';
  const api = (url: string) => fetch(`http://127.0.0.1:${port}${url}`, { headers: { cookie } });

  beforeAll(async () => {
    // What `npm install` builds (prepare): the web application that start serves at `/`.
    ensureWebBuilt();
    port = await freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-start-'));
    child = spawn(process.execPath, [bin, 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        ECSPERT_FROM: 'sources',
        HOME: os.tmpdir(),
        ECSPERT_DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const started = Date.now();
    while (!/is ready in/.test(output)) {
      if (child.exitCode !== null) throw new Error(`ecspert start exited early:\n${output}`);
      if (Date.now() - started > 150_000) throw new Error(`not ready after 150 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 160_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints where to look', () => {
    expect(output).toMatch(new RegExp(`eCSpert hub is ready in [\\d.]+ s on pglite:`));
    expect(output).toMatch(new RegExp(`web app +http://127\\.0\\.0\\.1:${port}/$`, 'm'));
    expect(output).toContain(`http://127.0.0.1:${port}/docs`);
    expect(output).toContain(`http://127.0.0.1:${port}/health`);
    expect(output).toMatch(/demo: 200 consultants, 2000 policies, \d+ premium payments/);
    expect(output).toMatch(/sign in +POST http:\/\/127\.0\.0\.1:\d+\/api\/auth\/login/);
    for (const role of ['administrator', 'integration', 'back_office', 'manager', 'consultant'])
      expect(output).toMatch(new RegExp(`^  \\S+ +${role} +[A-Za-z0-9]{20}$`, 'm'));
  });

  it('wants a login, and signs in with a printed password (a session cookie)', async () => {
    const anonymous = await fetch(`http://127.0.0.1:${port}/api/insurers`);
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
    const password = /^ {2}admin +administrator +([A-Za-z0-9]{20})$/m.exec(output)![1];
    const signedIn = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'admin', password }),
    });
    expect(signedIn.status).toBe(200);
    const setCookie = signedIn.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^ecspert_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    cookie = setCookie.split(';')[0];
    expect(await (await api('/api/auth/me')).json()).toMatchObject({
      user: { login: 'admin', role: 'administrator' },
    });
  });

  it('answers /health and serves the demo data', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      database: { engine: 'pglite', ok: true },
      queue: { mode: 'embedded', ok: true },
    });
    const insurers = (await (await api('/api/insurers')).json()) as {
      total: number;
      items: { code: string }[];
    };
    expect(insurers.total).toBe(3);
    expect(insurers.items.map((i) => i.code)).toEqual(['DNIPRO_LIFE', 'KARPATY', 'POLISSIA']);
    // The front door is the web application's page (its screens read the API above).
    const front = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
    expect(front.status).toBe(200);
    expect(front.headers.get('content-type')).toContain('text/html');
    const page = await front.text();
    expect(page).toContain('<div id="root"></div>');
    expect(page).toMatch(/<script type="module"[^>]*src="\/assets\/index-[\w-]+\.js"/);
  });

  it('exchanges with the sandbox insurers by itself: registers out, documents in and applied', async () => {
    const applied = async (insurer: string) =>
      (
        (await (await api(`/api/exchange/messages?status=applied&insurer=${insurer}`)).json()) as {
          total: number;
        }
      ).total;
    const sent = async (insurer: string) =>
      (
        (await (await api(`/api/exchange/messages?status=sent&insurer=${insurer}`)).json()) as {
          total: number;
        }
      ).total;
    const inbound = async (insurer: string) =>
      (
        (await (await api(`/api/exchange/messages?direction=inbound&insurer=${insurer}`)).json()) as {
          total: number;
        }
      ).total;
    // Polissia is played by mail when Dovecot is here (CI installs it): its register goes out over
    // the sandbox's SMTP and the bordereau and the letter it delivered come in from its mailbox.
    const mail = dovecotInstalled();
    const until = Date.now() + 60_000;
    while (
      Date.now() < until &&
      ((await applied('KARPATY')) < 3 ||
        (await sent('DNIPRO_LIFE')) < 1 ||
        (mail && ((await sent('POLISSIA')) < 1 || (await inbound('POLISSIA')) < 2)))
    ) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await sent('DNIPRO_LIFE')).toBeGreaterThanOrEqual(1);
    expect(await sent('KARPATY')).toBeGreaterThanOrEqual(1);
    expect(await applied('KARPATY')).toBeGreaterThanOrEqual(3);
    expect(output).toMatch(/sandbox DNIPRO_LIFE +sftp:\/\/agency@127\.0\.0\.1:\d+/);
    if (mail) {
      expect(output).toMatch(/sandbox POLISSIA +smtp:\/\/127\.0\.0\.1:\d+ imap:\/\/127\.0\.0\.1:\d+/);
      expect(await sent('POLISSIA')).toBeGreaterThanOrEqual(1);
      expect(await inbound('POLISSIA')).toBeGreaterThanOrEqual(2);
    } else {
      // Without Dovecot that one sandbox says how to get it, and the others run.
      expect(output).toMatch(/^sandbox POLISSIA not started: .*apt-get install -y dovecot-imapd$/m);
    }
    expect(output).toMatch(/jobs: .+, \d+ exchange schedule\(s\)/);
  }, 70_000);

  it('stops cleanly on Ctrl+C', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 30_000);
});
