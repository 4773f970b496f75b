/**
 * An exchange run with Polissia over e-mail, against a real Dovecot: the run pulls the mailbox
 * (each mail stored raw first), types and processes the mail, calls the filing step after the pull,
 * and a second run after Dovecot restarts takes in nothing twice and loses nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { runExchange } from '../../../src/exchange/runs/run-exchange';
import { describeEachEngine } from '../../support/engines';
import { describeWithDovecot, type PrivateDovecot, startDovecot } from '../../support/mail-servers';
import { seedPolissia } from '../support/polissia';

const USER = { user: 'exchange@agency.example', password: 'mail-secret-2' };
const root = path.resolve(__dirname, '../../..');
const sample = (name: string) => fs.readFileSync(path.join(root, 'adapters/polissia/__fixtures__', name));

describeWithDovecot('Polissia mail run')('an exchange run with Polissia over e-mail', () => {
  let dovecot: PrivateDovecot;
  beforeAll(async () => {
    dovecot = await startDovecot([USER]);
    const client = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      auth: { user: USER.user, pass: USER.password },
      logger: false,
    });
    await client.connect();
    for (const name of ['register-result.eml', 'bordereau-2026-10.eml', 'letter-policy.eml'])
      await client.append('INBOX', sample(name));
    await client.logout();
  });
  afterAll(async () => {
    await dovecot?.destroy();
  });

  describeEachEngine('run', (ctx) => {
    it('pulls, types and applies the mail, files it after the pull, and never takes a mail in twice', async () => {
      await seedPolissia(ctx.database);
      const deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
      // The deployment's secrets: the mailbox password (overridden below for the test's Dovecot) and SMTP's.
      fs.writeFileSync(path.join(deps.secretsDir, 'polissia-imap-password'), USER.password);
      fs.writeFileSync(path.join(deps.secretsDir, 'polissia-smtp-password'), 'smtp-secret');
      const overrides = {
        email: { imap: { host: dovecot.host, port: dovecot.port, secure: false, password: USER.password } },
      };
      let filings = 0;
      const run = () =>
        runExchange(deps, 'POLISSIA', {
          overrides,
          today: '2026-11-06',
          afterMailPull: async () => {
            filings++;
          },
        });
      const first = await run();
      expect(first.receiveFailures).toEqual([]);
      expect(first.received.map((r) => r.duplicate)).toEqual([false, false, false]);
      expect(first.processed.map((p) => [p.messageType, p.status])).toEqual([
        ['register-answer', 'applied'],
        ['bordereau', 'applied'],
      ]);
      expect(filings).toBe(1);
      await dovecot.stop();
      await dovecot.start();
      const second = await run();
      expect(second.receiveFailures).toEqual([]);
      expect(second.received).toEqual([]);
      const stored = await ctx.database.db
        .selectFrom('exchange_message')
        .select(['message_type'])
        .where('channel', '=', 'email')
        .orderBy('id')
        .execute();
      expect(stored.map((m) => m.message_type)).toEqual(['register-answer', 'bordereau', 'letter']);
    });
  });
});
