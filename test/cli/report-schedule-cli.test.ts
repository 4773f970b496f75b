/**
 * `ecspert report schedule …` as the README shows it, on the demo agency in an embedded database,
 * sending to a real SMTP server in this process: add (owned by the back office user), list, send now
 * (the mail arrives with the PDF), pause, resume, show with its deliveries, remove; refusals name the fix.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseMail } from '../../src/exchange/transports/email';
import { startSmtpSink, type SmtpSink } from '../support/mail-servers';

jest.setTimeout(600_000);
const bin = path.resolve(__dirname, '../../bin/ecspert.js');

describe('ecspert report schedule', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-schedule-cli-'));
  let smtp: SmtpSink;
  // Asynchronous: the SMTP server answers in this process while the command runs.
  const run = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: os.tmpdir(),
          ECSPERT_DATA_DIR: path.join(dir, 'data'),
          ECSPERT_USER: 'olena',
          ECSPERT_REPORT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
          ECSPERT_REPORT_MAIL_FROM: 'Агенція «Експерт» <reports@agency.example>',
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (status) => resolve({ status, stdout: stdout.trim(), stderr: stderr.trim() }));
    });
  beforeAll(async () => {
    smtp = await startSmtpSink();
  });
  afterAll(async () => {
    await smtp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('adds, lists, sends, pauses, resumes, shows and removes a schedule', async () => {
    expect((await run('db', 'migrate')).status).toBe(0);
    expect((await run('demo', 'seed')).status).toBe(0);
    const noOwner = await run(
      'report',
      'schedule',
      'add',
      '--name',
      'Продажі',
      '--report',
      'sales',
      '--to',
      'ceo@agency.example',
      '--cron',
      '0 8 1 * *',
    );
    expect(noOwner.status).not.toBe(0);
    expect(noOwner.stderr).toContain('no user olena to own the schedule');
    const badAddress = await run(
      'report',
      'schedule',
      'add',
      '--name',
      'Продажі',
      '--report',
      'sales',
      '--to',
      'ceo-at-agency',
      '--cron',
      '0 8 1 * *',
      '--owner',
      'backoffice',
    );
    expect(badAddress.stderr).toContain('not an e-mail address: ceo-at-agency');
    const added = await run(
      'report',
      'schedule',
      'add',
      '--name',
      'Продажі Львова',
      '--report',
      'sales',
      '--unit',
      'LVIV',
      '--periods',
      '3',
      '--format',
      'pdf',
      '--to',
      'ceo@agency.example',
      '--cron',
      '0 8 1 * *',
      '--owner',
      'backoffice',
    );
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/^schedule 1 added: 1\tПродажі Львова\tsales\tpdf\t0 8 1 \* \*\tnext /);
    expect((await run('report', 'schedule', 'list')).stdout).toContain('Продажі Львова');

    const sent = await run('report', 'schedule', 'send', '1');
    expect(sent.status).toBe(0);
    expect(sent.stdout).toMatch(/^1\tceo@agency\.example\tsent$/);
    const [mail] = await smtp.waitFor(1);
    const parsed = await parseMail(mail.raw);
    expect(parsed.subject).toMatch(/^Звіт «Продажі», періоди \d{4}-\d{2} – \d{4}-\d{2}$/);
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0].content.subarray(0, 5).toString()).toBe('%PDF-');

    expect((await run('report', 'schedule', 'pause', '1')).stdout).toContain('\tpaused\t');
    expect((await run('report', 'schedule', 'resume', '1')).stdout).toContain('\tnext ');
    const shown = JSON.parse((await run('report', 'schedule', 'show', '1')).stdout);
    expect(shown).toMatchObject({
      id: 1,
      owner: 'backoffice',
      filters: { unit: 'LVIV', periods: 3 },
      deliveries: { total: 1, items: [{ status: 'sent', recipient: 'ceo@agency.example' }] },
    });
    expect((await run('report', 'schedule', 'remove', '1', '--reason', 'тест')).stdout).toBe(
      'schedule 1 removed',
    );
    expect((await run('report', 'schedule', 'list')).stdout).toBe('no report schedules');
    const gone = await run('report', 'schedule', 'send', '1');
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toContain('no report schedule 1');
    // The report itself still takes its own options.
    const report = await run('report', 'sales', '--from', '2026-01', '--to', '2026-02', '--unit', 'LVIV');
    expect(JSON.parse(report.stdout).filters).toMatchObject({ from: '2026-01', to: '2026-02', unit: 'LVIV' });
  });
});
