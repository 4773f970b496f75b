/**
 * Correspondence over HTTP against real mail servers: Polissia's letter about PL-ACC-0000452 lands in
 * the agency's Dovecot mailbox, is pulled into the message store and filed, shows up in that policy's
 * correspondence waiting for us, and is answered through the API: an SMTP server receives a threaded
 * reply (In-Reply-To the letter's Message-ID), stored first, and the thread waits for the insurer. The
 * insurer's answer to our reply joins the same thread. A failed send is kept as not sent and retried
 * once; a letter sent is never sent again. An unknown sender's letter waits in the queue and is
 * assigned. Managers and consultants see nothing here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ImapFlow } from 'imapflow';
import { fileNewMail } from '../../back-office/correspondence';
import { buildApi, createQueueProbe } from '../../src/api';
import { correspondenceRoutes } from '../../src/api/routes/correspondence';
import { findMessage, storeMessage } from '../../src/exchange/message-store';
import { DatabaseFetchedRegistry, ExchangeCursors } from '../../src/exchange/runs/state';
import { ImapMailbox, parseMail, pullNew } from '../../src/exchange/transports';
import { compose, LETTER_POLICY, seedPolissia } from '../back-office/correspondence/world';
import { describeEachEngine } from '../support/engines';
import {
  describeWithDovecot,
  type PrivateDovecot,
  type SmtpSink,
  startDovecot,
  startSmtpSink,
} from '../support/mail-servers';
import { closedPort, memoryLogger, type SignedIn, signInAs, testConfig } from './support/api-harness';

jest.setTimeout(120_000);

const MAILBOX = { user: 'exchange@agency.example', password: 'imap-secret-1' };
const SMTP = { user: 'agency', password: 'smtp-secret-1' };

describeWithDovecot('correspondence over HTTP')('with Dovecot and an SMTP server', () => {
  describeEachEngine('correspondence API', (ctx) => {
    let dovecot: PrivateDovecot;
    let sink: SmtpSink;
    let app: FastifyInstance;
    let dir: string;
    let insurerId: number;
    let policyId: number;
    let office: SignedIn;
    let threadId: number;
    let ourReplyId: string;

    function writeAdapter(port: number): void {
      fs.writeFileSync(
        path.join(dir, 'adapters', 'polissia', 'adapter.yaml'),
        `insurer: { code: POLISSIA, name: Полісся, companyCode: '33908150' }
owner: test
specVersion: '1.0'
channels:
  email:
    smtp: { host: 127.0.0.1, port: ${port}, secure: false, user: ${SMTP.user}, password: secret:polissia-smtp.password }
    from: 'Агенція <exchange@agency.example>'
    to: 'partners@polissia.example'
    allowedSenders: ['desk@polissia.example']
messages:
  letter: { direction: in, fileNamePattern: '\\.eml$', format: csv, mapping: mappings/zahid-test/contracts.yaml }
`,
      );
    }

    /** The insurer (or anyone) writes to the agency's mailbox. */
    async function deliver(raw: Buffer): Promise<void> {
      const client = new ImapFlow({
        host: dovecot.host,
        port: dovecot.port,
        secure: false,
        auth: { user: MAILBOX.user, pass: MAILBOX.password },
        logger: false,
      });
      await client.connect();
      try {
        await client.append('INBOX', raw);
      } finally {
        await client.logout();
      }
    }

    /** One pull as the e-mail channel does it (stored raw first), then filing, as it calls it. */
    async function pullAndFile(): Promise<void> {
      const channel = new ImapMailbox({
        host: dovecot.host,
        port: dovecot.port,
        user: MAILBOX.user,
        password: MAILBOX.password,
        registry: new DatabaseFetchedRegistry(ctx.database, insurerId, 'email'),
        positions: new ExchangeCursors(ctx.database, insurerId),
      });
      try {
        const result = await pullNew(channel, async (item) => {
          const mail = await parseMail(item.bytes);
          await storeMessage(ctx.database, {
            insurerCode: 'POLISSIA',
            channel: 'email',
            direction: 'inbound',
            messageType: mail.from.every((a) => a.endsWith('@polissia.example'))
              ? 'letter'
              : 'unknown-sender',
            externalName: item.name,
            externalId: item.externalId,
            payload: item.bytes,
            contentType: 'message/rfc822',
          });
        });
        expect(result.failed).toEqual([]);
      } finally {
        await channel.close();
      }
      expect((await fileNewMail(ctx.database)).failed).toEqual([]);
    }

    beforeAll(async () => {
      dovecot = await startDovecot([MAILBOX]);
      sink = await startSmtpSink(SMTP);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'correspondence-'));
      fs.mkdirSync(path.join(dir, 'adapters', 'polissia'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'secrets'));
      fs.writeFileSync(path.join(dir, 'secrets', 'polissia-smtp.password'), SMTP.password);
      writeAdapter(sink.port);
      ({ policyId } = await seedPolissia(ctx.database));
      insurerId = Number(
        (
          await ctx.database.db
            .selectFrom('insurer')
            .select('id')
            .where('code', '=', 'POLISSIA')
            .executeTakeFirstOrThrow()
        ).id,
      );
      app = await buildApi(
        {
          database: ctx.database,
          config: testConfig(),
          logger: memoryLogger('silent').logger,
          queue: createQueueProbe(null),
        },
        {
          routes: [
            correspondenceRoutes({
              secretsDir: path.join(dir, 'secrets'),
              adaptersDir: path.join(dir, 'adapters'),
            }),
          ],
        },
      );
      await app.ready();
      office = await signInAs(app, ctx.database, 'back_office');
    });

    afterAll(async () => {
      await app?.close();
      await sink?.close();
      await dovecot?.destroy();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('the letter about a policy shows in that policy’s correspondence, waiting for us, its PDF downloadable', async () => {
      await deliver(LETTER_POLICY);
      await pullAndFile();
      const list = await office.inject(`/api/policies/${policyId}/correspondence`);
      expect(list.statusCode).toBe(200);
      expect(list.json()).toMatchObject({
        total: 1,
        items: [
          {
            insurer: 'POLISSIA',
            policyNumber: 'PL-ACC-0000452',
            consultantCode: 'K-00452',
            state: 'waiting_for_us',
            letters: 1,
          },
        ],
      });
      threadId = list.json().items[0].id;
      const thread = await office.inject(`/api/correspondence/threads/${threadId}`);
      expect(thread.statusCode).toBe(200);
      const [letter] = thread.json().letters;
      expect(letter).toMatchObject({
        direction: 'inbound',
        mailMessageId: '<q-8812@polissia.example>',
        subject: 'Договір №PL-ACC-0000452: потрібна копія паспорта страхувальника',
        attachments: [{ fileName: 'Запит.pdf', contentType: 'application/pdf' }],
      });
      const pdf = await office.inject(`/api/correspondence/attachments/${letter.attachments[0].id}`);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.headers['content-disposition']).toContain(encodeURIComponent('Запит.pdf'));
      expect((await office.inject('/api/correspondence/attachments/999999')).statusCode).toBe(404);
    });

    it('is answered through the API: the SMTP server receives a threaded reply, stored, and the thread waits for the insurer', async () => {
      const before = sink.received.length;
      const answer = await office.inject({
        method: 'POST',
        url: `/api/correspondence/threads/${threadId}/reply`,
        payload: { text: 'Добрий день! Копію паспорта надішлемо до 20.10.2026.' },
      });
      expect(answer.statusCode).toBe(201);
      expect(answer.json()).toMatchObject({ threadId, sendStatus: 'sent', sendError: null, sendAttempts: 1 });
      ourReplyId = answer.json().mailMessageId;
      const [received] = (await sink.waitFor(before + 1)).slice(before);
      expect(received.to).toEqual(['i.hnatiuk@polissia.example']);
      const sent = await parseMail(received.raw);
      expect(sent).toMatchObject({
        messageId: ourReplyId,
        inReplyTo: '<q-8812@polissia.example>',
        references: ['<q-8812@polissia.example>'],
        subject: 'Re: Договір №PL-ACC-0000452: потрібна копія паспорта страхувальника',
        from: ['exchange@agency.example'],
      });
      expect(sent.text).toContain('Копію паспорта надішлемо');
      // Stored in the message store, as outgoing mail, sent.
      const view = (await office.inject(`/api/correspondence/threads/${threadId}`)).json();
      expect(view.thread.state).toBe('waiting_for_insurer');
      const reply = view.letters[1];
      expect(reply).toMatchObject({ direction: 'outbound', sendStatus: 'sent', author: office.login });
      const stored = await findMessage(ctx.database, reply.messageId);
      expect(stored).toMatchObject({
        channel: 'email',
        direction: 'outbound',
        status: 'sent',
        externalId: ourReplyId,
      });
      // Sending it again is refused: a letter sent is never sent twice.
      const again = await office.inject({
        method: 'POST',
        url: `/api/correspondence/letters/${reply.id}/send`,
        payload: {},
      });
      expect(again.statusCode).toBe(409);
      expect(sink.received.length).toBe(before + 1);
    });

    it('the insurer’s answer to our reply joins the same thread, waiting for us again', async () => {
      await deliver(
        await compose({
          subject: 'Re: Re: Договір №PL-ACC-0000452: потрібна копія паспорта страхувальника',
          inReplyTo: ourReplyId,
          references: ['<q-8812@polissia.example>', ourReplyId],
          text: 'Дякуємо, чекаємо.',
        }),
      );
      await pullAndFile();
      const view = (await office.inject(`/api/correspondence/threads/${threadId}`)).json();
      expect(view.letters.map((l: { direction: string }) => l.direction)).toEqual([
        'inbound',
        'outbound',
        'inbound',
      ]);
      expect(view.letters[2].inReplyTo).toBe(ourReplyId);
      expect(view.thread.state).toBe('waiting_for_us');
      const all = (await office.inject('/api/correspondence/threads?insurer=POLISSIA')).json();
      expect(all.total).toBe(1);
    });

    it('a failed send is kept as not sent and retried once', async () => {
      writeAdapter(await closedPort());
      const before = sink.received.length;
      const failed = await office.inject({
        method: 'POST',
        url: `/api/correspondence/threads/${threadId}/reply`,
        payload: { text: 'Ще одне уточнення.' },
      });
      expect(failed.statusCode).toBe(201);
      expect(failed.json()).toMatchObject({ sendStatus: 'not_sent', sendAttempts: 1 });
      expect(failed.json().sendError).toMatch(/cannot send/);
      const letterId = failed.json().letterId;
      let view = (await office.inject(`/api/correspondence/threads/${threadId}`)).json();
      expect(view.letters.at(-1)).toMatchObject({ id: letterId, sendStatus: 'not_sent' });
      expect(view.thread.state).toBe('waiting_for_us');
      writeAdapter(sink.port);
      const retried = await office.inject({
        method: 'POST',
        url: `/api/correspondence/letters/${letterId}/send`,
        payload: {},
      });
      expect(retried.statusCode).toBe(200);
      expect(retried.json()).toMatchObject({ sendStatus: 'sent', sendAttempts: 2 });
      await sink.waitFor(before + 1);
      const [a, b] = await Promise.all([
        office.inject({ method: 'POST', url: `/api/correspondence/letters/${letterId}/send`, payload: {} }),
        office.inject({ method: 'POST', url: `/api/correspondence/letters/${letterId}/send`, payload: {} }),
      ]);
      expect([a.statusCode, b.statusCode]).toEqual([409, 409]);
      expect(sink.received.length).toBe(before + 1);
      view = (await office.inject(`/api/correspondence/threads/${threadId}`)).json();
      expect(view.thread.state).toBe('waiting_for_insurer');
    });

    it('an unknown sender’s letter waits in the queue and is assigned to an insurer', async () => {
      await deliver(
        await compose({
          from: 'Брокер <broker@elsewhere.example>',
          subject: 'Договір №PL-ACC-0000452 — питання',
        }),
      );
      await pullAndFile();
      const queue = (await office.inject('/api/correspondence/threads?queue=unknown-sender')).json();
      expect(queue).toMatchObject({
        total: 1,
        items: [{ insurer: null, pendingUnknown: 1, policyId: null }],
      });
      const letter = (await office.inject(`/api/correspondence/threads/${queue.items[0].id}`)).json()
        .letters[0];
      expect(letter.senderQueue).toBe('pending');
      const refused = await office.inject({
        method: 'POST',
        url: `/api/correspondence/threads/${queue.items[0].id}/reply`,
        payload: { text: 'x' },
      });
      expect(refused.statusCode).toBe(409);
      const assigned = await office.inject({
        method: 'POST',
        url: `/api/correspondence/letters/${letter.id}/assign`,
        payload: { insurer: 'POLISSIA', reason: 'брокер Полісся' },
      });
      expect(assigned.statusCode).toBe(200);
      expect(assigned.json()).toMatchObject({
        insurer: 'POLISSIA',
        policyNumber: 'PL-ACC-0000452',
        pendingUnknown: 0,
      });
      expect((await office.inject('/api/correspondence/threads?queue=unknown-sender')).json().total).toBe(0);
    });

    it('a person sets the state and relinks, with a reason; a wrong policy number is refused naming the field', async () => {
      const closed = await office.inject({
        method: 'POST',
        url: `/api/correspondence/threads/${threadId}/state`,
        payload: { state: 'closed', reason: 'питання вирішено' },
      });
      expect(closed.statusCode).toBe(200);
      expect(closed.json().state).toBe('closed');
      const wrong = await office.inject({
        method: 'POST',
        url: `/api/correspondence/threads/${threadId}/links`,
        payload: { policyNumber: 'PL-NOPE', reason: 'x' },
      });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json().message).toMatch(/^policyNumber: /);
      expect(
        (await office.inject('/api/correspondence/threads?state=closed&policy=' + policyId)).json().total,
      ).toBe(1);
    });

    it('managers and consultants see nothing here; the integration engineer does', async () => {
      const consultant = await signInAs(app, ctx.database, 'consultant', { consultantCode: 'K-00452' });
      for (const url of [
        '/api/correspondence/threads',
        `/api/policies/${policyId}/correspondence`,
        `/api/correspondence/threads/${threadId}`,
      ])
        expect((await consultant.inject(url)).statusCode).toBe(403);
      const post = await consultant.inject({
        method: 'POST',
        url: `/api/correspondence/threads/${threadId}/reply`,
        payload: { text: 'x' },
      });
      expect(post.statusCode).toBe(403);
      const integration = await signInAs(app, ctx.database, 'integration');
      expect((await integration.inject('/api/correspondence/threads')).statusCode).toBe(200);
    });
  });
});
