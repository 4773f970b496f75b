/**
 * The sandbox insurer playing Polissia by e-mail (adapters/polissia/sandbox over
 * src/exchange/sandbox/mail.ts), as `ecspert exchange run polissia --sandbox` and `npm start` use it:
 * our register goes out over its SMTP server, it answers from the partner desk into the
 * intermediary's mailbox (a private Dovecot), the next fetch takes the answer in and applies it to
 * that register's applications, the bordereau and the letter it delivers once are applied and filed,
 * and fetching again takes nothing twice. `ecspert sandbox polissia` prints how to reach it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { fileNewMail } from '../../../back-office/correspondence';
import { readPayload } from '../../../src/exchange/message-store';
import { runExchange } from '../../../src/exchange/runs/run-exchange';
import { runSandbox, SANDBOX_MAIL_PASSWORD } from '../../../src/exchange/sandbox';
import { DOVECOT, mailFolderFor } from '../../../src/exchange/sandbox/dovecot';
import { SANDBOXED_INSURERS, startLinkedSandbox } from '../../../src/exchange/sandbox-link';
import { parseMail } from '../../../src/exchange/transports/email';
import { describeEachEngine } from '../../support/engines';
import { describeWithDovecot } from '../../support/mail-servers';
import { seedPolissia } from '../support/polissia';

const at = new Date('2026-11-02T08:00:00Z');

describeWithDovecot('Polissia sandbox')('the sandbox insurer playing Polissia by e-mail', () => {
  it('is one of the insurers npm start exchanges with through their sandboxes', () => {
    expect(SANDBOXED_INSURERS).toEqual(['DNIPRO_LIFE', 'KARPATY', 'POLISSIA']);
  });

  describeEachEngine('an exchange run against it', (ctx) => {
    it('sends the register by SMTP, applies the answer it mails back, applies and files the bordereau and the letter, and takes nothing twice', async () => {
      const { db } = ctx.database;
      const seeded = await seedPolissia(ctx.database);
      const product = await db
        .selectFrom('product')
        .select('id')
        .where('code', '=', 'ACC-IND')
        .executeTakeFirstOrThrow();
      const consultant = await db
        .selectFrom('consultant')
        .select('id')
        .where('code', '=', 'K-00047')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('application')
        .values({
          number: 'Z-2026-00600',
          insurer_id: seeded.insurerId,
          product_id: product.id,
          consultant_id: consultant.id,
          policyholder_id: seeded.holderId,
          insured_person_id: null,
          signed_on: '2026-11-01',
          sum_insured: '200000.00',
          premium: '2600.00',
          payment_frequency: 1,
          status: 'pending',
          status_reason: null,
          policy_id: null,
          details: null,
          created_at: at,
          updated_at: at,
        })
        .execute();

      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polissia-sandbox-'));
      // Reachable by Dovecot's mail user, so its mail stays in the data folder (removed below).
      fs.chmodSync(dataDir, 0o755);
      const sandbox = await startLinkedSandbox('POLISSIA', dataDir);
      try {
        expect(sandbox.url).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+ imap:\/\/127\.0\.0\.1:\d+$/);
        expect(sandbox.overrides.email).toMatchObject({
          smtp: {
            host: '127.0.0.1',
            secure: false,
            user: 'exchange@agency.example',
            password: SANDBOX_MAIL_PASSWORD,
          },
          imap: {
            host: '127.0.0.1',
            secure: false,
            user: 'exchange@agency.example',
            password: SANDBOX_MAIL_PASSWORD,
          },
        });
        // No secret of the real mailbox is needed: the sandbox's login replaces it.
        const deps = { database: ctx.database, secretsDir: sandbox.secretsDir };
        const run = () =>
          runExchange(deps, 'POLISSIA', {
            overrides: sandbox.overrides,
            afterMailPull: () => fileNewMail(ctx.database).then(() => undefined),
          });

        const first = await run();
        expect(first.receiveFailures).toEqual([]);
        expect(first.deliveries.map((d) => d.status)).toEqual(['sent']);
        // The register arrived at the sandbox's SMTP server, to the partner desk.
        const sent = fs.readFileSync(path.join(dataDir, 'sandbox', 'polissia', 'received', '0001.eml'));
        const register = await parseMail(sent);
        expect(register.to).toEqual(['partners@polissia.example']);
        expect(register.subject).toMatch(/^Реєстр заяв AG0042 від \d{2}\.\d{2}\.\d{4} №\d+$/);

        await sandbox.idle();
        const second = await run();
        expect(second.receiveFailures).toEqual([]);
        const processed = [...first.processed, ...second.processed].map((p) => [p.messageType, p.status]);
        expect(processed).toEqual(
          expect.arrayContaining([
            ['register-answer', 'applied'],
            ['bordereau', 'applied'],
          ]),
        );
        expect(processed).toHaveLength(2);

        // The answer is a reply from the partner desk to that register, applied to its application.
        const answer = await db
          .selectFrom('exchange_message')
          .select('id')
          .where('message_type', '=', 'register-answer')
          .executeTakeFirstOrThrow();
        const reply = await parseMail(await readPayload(ctx.database, Number(answer.id)));
        expect(reply.from).toEqual(['partners@polissia.example']);
        expect(reply.inReplyTo).toBe(register.messageId);
        expect(reply.references).toEqual([register.messageId]);
        expect(reply.subject).toBe(`Re: ${register.subject}`);
        expect(reply.attachments.map((a) => a.filename)).toEqual([
          `Результат_${/№(\d+)$/.exec(register.subject)![1]}.xlsx`,
        ]);
        const item = await db
          .selectFrom('application_register_item as i')
          .innerJoin('application as a', 'a.id', 'i.application_id')
          .innerJoin('application_register as r', 'r.id', 'i.register_id')
          .select(['i.status', 'i.policy_number', 'a.status as application', 'r.external_id'])
          .where('a.number', '=', 'Z-2026-00600')
          .executeTakeFirstOrThrow();
        expect(item.external_id).toBe(register.messageId);
        // Accepted with the policy number the sandbox gave it: the hub holds it as issued.
        expect(item.status).toBe('issued');
        expect(item.policy_number).toMatch(/^PL-ACC-09\d{5}$/);
        expect(item.application).toBe('issued');

        // The letter about PL-ACC-0000452 is filed as correspondence, threaded by that policy number.
        const letters = await db
          .selectFrom('correspondence_letter as l')
          .innerJoin('correspondence_thread as t', 't.id', 'l.thread_id')
          .innerJoin('exchange_message as m', 'm.id', 'l.message_id')
          .select(['m.message_type', 't.subject_key', 't.state'])
          .where('l.direction', '=', 'inbound')
          .where('m.message_type', '=', 'letter')
          .execute();
        expect(letters).toEqual([
          { message_type: 'letter', subject_key: 'policy:PL-ACC-0000452', state: 'waiting_for_us' },
        ]);

        const third = await run();
        expect(third.receiveFailures).toEqual([]);
        expect(third.received).toEqual([]);
        expect(third.processed).toEqual([]);
      } finally {
        await sandbox.close();
      }

      // Started again on the same data folder, it does not deliver the bordereau and the letter again.
      const again = await startLinkedSandbox('POLISSIA', dataDir);
      try {
        const fourth = await runExchange(
          { database: ctx.database, secretsDir: again.secretsDir },
          'POLISSIA',
          {
            overrides: again.overrides,
          },
        );
        expect(fourth.receiveFailures).toEqual([]);
        expect(fourth.received).toEqual([]);
      } finally {
        await again.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }, 60_000);
  });

  it('ecspert sandbox polissia prints its SMTP and IMAP addresses and login, and its mailbox holds the delivered mail', async () => {
    // A private (0700) data folder, as under a home folder: Dovecot's mail user cannot reach into it,
    // so the mailbox is kept in a temp folder of its own, named after the sandbox's folder.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polissia-sandbox-cli-'));
    const mailDir = mailFolderFor(path.join(dataDir, 'sandbox', 'polissia', 'dovecot'));
    expect(mailDir.startsWith(path.join(os.tmpdir(), 'ecspert-mail-'))).toBe(true);
    const lines: string[] = [];
    const sandbox = await runSandbox('polissia', { dataDir, print: (l) => lines.push(l) });
    try {
      const text = lines.join('\n');
      const smtpPort = Number(/^ {2}SMTP 127\.0\.0\.1:(\d+) /m.exec(text)![1]);
      const imapPort = Number(/^ {2}IMAP 127\.0\.0\.1:(\d+) /m.exec(text)![1]);
      expect(lines[0]).toBe(
        `ТДВ «СК «Полісся»» sandbox (POLISSIA) listening on smtp://127.0.0.1:${smtpPort} imap://127.0.0.1:${imapPort}`,
      );
      expect(text).toContain(`login exchange@agency.example, password ${SANDBOX_MAIL_PASSWORD}`);
      expect(text).toContain('delivered to INBOX: bordereau-2026-10.eml, letter-policy.eml');
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: imapPort,
        secure: false,
        auth: { user: 'exchange@agency.example', pass: SANDBOX_MAIL_PASSWORD },
        logger: false,
      });
      await client.connect();
      try {
        const box = await client.mailboxOpen('INBOX');
        expect(box.exists).toBe(2);
        const ids: string[] = [];
        for await (const m of client.fetch('1:*', { envelope: true })) ids.push(m.envelope!.messageId!);
        // Fresh Message-IDs, not the fixtures' own.
        expect(ids).toEqual([
          expect.stringMatching(/^<bdx-2026-10-AG0042\.sbx-[0-9a-f]{8}@polissia\.example>$/),
          expect.stringMatching(/^<q-8812\.sbx-[0-9a-f]{8}@polissia\.example>$/),
        ]);
      } finally {
        await client.logout();
      }
    } finally {
      await sandbox.close();
      await sandbox.closed;
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(mailDir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('the e-mail sandbox without Dovecot', () => {
  afterEach(() => jest.restoreAllMocks());

  it('does not start, and says in one line how to install it', async () => {
    const existsSync = fs.existsSync;
    jest.spyOn(fs, 'existsSync').mockImplementation((p) => p !== DOVECOT && existsSync(p));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polissia-no-dovecot-'));
    try {
      const started = startLinkedSandbox('POLISSIA', dataDir);
      await expect(started).rejects.toThrow(
        /^Dovecot is not installed \(\/usr\/sbin\/dovecot is missing\), .*: apt-get install -y dovecot-imapd$/,
      );
      const message = await started.catch((e: Error) => e.message);
      expect(message).not.toContain('\n');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
