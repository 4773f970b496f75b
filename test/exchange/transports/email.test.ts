/**
 * The e-mail channel against real servers: Dovecot for IMAP, an SMTP server for sending.
 *
 * - A register goes out by SMTP with a Cyrillic subject and file name, byte for byte as composed.
 * - Mail in the mailbox (a windows-1251 letter, a base64 attachment with an RFC 2231 Cyrillic name)
 *   is stored raw in the message store, parsed back with its charset and names; a second sync brings
 *   nothing; nothing is deleted, moved or even marked seen.
 * - Sync resumes after a restart (a new channel object, as after kill -9), after a dropped
 *   connection and a server restart between listing and download, and after the server renumbers
 *   the mailbox (new UIDVALIDITY): never a duplicate, never a loss.
 * - A message over the size limit is not downloaded, and says so naming its UID and subject.
 * - IDLE tells of new mail at once; `afterStore: moveTo` files stored mail away when configured.
 */
import { ImapFlow } from 'imapflow';
import {
  composeMail,
  ImapMailbox,
  parseMail,
  pullNew,
  SmtpSender,
  TransportError,
} from '../../../src/exchange/transports';
import { listMessages, readPayload, type StoredMessage } from '../../../src/exchange/message-store';
import iconv from 'iconv-lite';
import { availableEngines, openTestDatabase, type TestDatabase } from '../../support/engines';
import {
  describeWithDovecot,
  type PrivateDovecot,
  startDovecot,
  startSmtpSink,
} from '../../support/mail-servers';
import { insurerMailbox, storeMail } from '../support/mailbox-sync';

const USER = { user: 'agency@polissia.test', password: 'mail-secret-1' };
const INSURER = 'POLISSIA';

/** A letter in windows-1251, subject and body, as some insurers' mail systems still send. */
function cp1251Letter(messageId: string, subject: string, body: string): Buffer {
  const encodedSubject = `=?windows-1251?B?${iconv.encode(subject, 'win1251').toString('base64')}?=`;
  return Buffer.concat([
    Buffer.from(
      [
        'From: "Полісся" <exchange@polissia.test>',
        'To: agency@polissia.test',
        `Subject: ${encodedSubject}`,
        `Message-ID: ${messageId}`,
        'Date: Mon, 30 Nov 2026 10:00:00 +0200',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=windows-1251',
        'Content-Transfer-Encoding: 8bit',
        '',
        '',
      ].join('\r\n'),
    ),
    iconv.encode(body, 'win1251'),
    Buffer.from('\r\n'),
  ]);
}

describeWithDovecot('e-mail channel')('the e-mail channel against Dovecot and an SMTP server', () => {
  let dovecot: PrivateDovecot;
  let database: TestDatabase & { drop(): Promise<void> };
  let insurerId: number;
  const opened: ImapMailbox[] = [];

  /** A plain IMAP client of the mailbox, for what the test does as the insurer or checks as a person. */
  function imapClient(): ImapFlow {
    return new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      auth: { user: USER.user, pass: USER.password },
      logger: false,
    });
  }

  /** An IMAP client of the insurer's side, putting mail into the agency's mailbox. */
  async function deliver(raw: Buffer, mailbox = 'INBOX'): Promise<void> {
    const client = imapClient();
    await client.connect();
    try {
      await client.append(mailbox, raw);
    } finally {
      await client.logout();
    }
  }

  function mailbox(options: Partial<ConstructorParameters<typeof ImapMailbox>[0]> = {}): ImapMailbox {
    const channel = insurerMailbox(
      database,
      insurerId,
      { host: dovecot.host, port: dovecot.port, user: USER.user, password: USER.password },
      options,
    );
    opened.push(channel);
    return channel;
  }

  async function sync(channel: ImapMailbox): Promise<{ stored: StoredMessage[]; failed: unknown[] }> {
    const stored: StoredMessage[] = [];
    const result = await pullNew(channel, async (item) => {
      const { message } = await storeMail(database, item);
      stored.push(message);
    });
    return { stored, failed: result.failed.map((f) => f.error) };
  }

  async function storedCount(): Promise<number> {
    return (await listMessages(database, { insurerCode: INSURER }, { page: 1, pageSize: 100 })).total;
  }

  beforeAll(async () => {
    dovecot = await startDovecot([USER]);
    database = await openTestDatabase(availableEngines().includes('postgres') ? 'postgres' : 'pglite');
    const row = await database.db
      .insertInto('insurer')
      .values({ code: INSURER, name: 'Полісся', created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    insurerId = Number(row.id);
  }, 60_000);

  afterEach(async () => {
    for (const channel of opened.splice(0)) await channel.close();
  });

  afterAll(async () => {
    await dovecot?.destroy();
    await database?.drop();
  });

  it('sends a register by SMTP with a Cyrillic subject and file name, exactly the bytes composed', async () => {
    const sink = await startSmtpSink(USER);
    const sender = new SmtpSender({
      host: '127.0.0.1',
      port: sink.port,
      user: USER.user,
      password: USER.password,
    });
    try {
      const xlsx = Buffer.from(
        'PK\u0003\u0004 not really a workbook, but bytes that must arrive unchanged \u00ff',
        'latin1',
      );
      const mail = await composeMail({
        from: 'Агенція <agency@polissia.test>',
        to: ['exchange@polissia.test'],
        subject: 'Реєстр заяв АГ-0042 від 30.11.2026',
        text: 'Додаємо реєстр заяв.',
        attachments: [
          {
            filename: 'Реєстр_заяв_30.11.2026.xlsx',
            content: xlsx,
            contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          },
        ],
        inReplyTo: '<earlier@polissia.test>',
        references: ['<earlier@polissia.test>'],
      });
      const receipt = await sender.send(mail);
      expect(receipt.accepted).toEqual(['exchange@polissia.test']);
      const [arrived] = await sink.waitFor(1);
      expect(arrived.to).toEqual(['exchange@polissia.test']);
      expect(arrived.from).toBe('agency@polissia.test');
      // What was composed (and what the message store keeps) is what arrived.
      expect(arrived.raw.toString('latin1').trimEnd()).toBe(mail.raw.toString('latin1').trimEnd());
      const parsed = await parseMail(arrived.raw);
      expect(parsed.subject).toBe('Реєстр заяв АГ-0042 від 30.11.2026');
      expect(parsed.messageId).toBe(mail.messageId);
      expect(parsed.inReplyTo).toBe('<earlier@polissia.test>');
      expect(parsed.attachments).toHaveLength(1);
      expect(parsed.attachments[0].filename).toBe('Реєстр_заяв_30.11.2026.xlsx');
      expect(parsed.attachments[0].content.equals(xlsx)).toBe(true);
    } finally {
      sender.close();
      await sink.close();
    }
  });

  it('refuses a wrong SMTP login with an error naming the server', async () => {
    const sink = await startSmtpSink(USER);
    const sender = new SmtpSender({ host: '127.0.0.1', port: sink.port, user: USER.user, password: 'wrong' });
    try {
      const mail = await composeMail({ from: 'agency@polissia.test', to: ['x@polissia.test'], subject: 'x' });
      await expect(sender.send(mail)).rejects.toThrow(
        new RegExp(`cannot send .* through smtp://127\\.0\\.0\\.1:${sink.port}`),
      );
      expect(sink.received).toHaveLength(0);
    } finally {
      sender.close();
      await sink.close();
    }
  });

  it('stores each new message raw, parses its charset and attachment names, and brings nothing the second time', async () => {
    const letter = cp1251Letter(
      '<letter-1@polissia.test>',
      'Договір №ПЛ-123456: зміна адреси',
      'Просимо оновити адресу страхувальника.',
    );
    const withAttachment = await composeMail({
      from: 'exchange@polissia.test',
      to: [USER.user],
      subject: 'Бордеро за жовтень 2026',
      messageId: '<bordereau-2026-10@polissia.test>',
      attachments: [
        { filename: 'Бордеро_2026_10.xlsx', content: Buffer.from([0x50, 0x4b, 3, 4, 0, 1, 2, 255]) },
      ],
    });
    await deliver(letter);
    await deliver(withAttachment.raw);

    const channel = mailbox();
    const first = await sync(channel);
    expect(first.failed).toEqual([]);
    expect(first.stored.map((m) => m.externalId).sort()).toEqual([
      '<bordereau-2026-10@polissia.test>',
      '<letter-1@polissia.test>',
    ]);
    const letterStored = first.stored.find((m) => m.externalId === '<letter-1@polissia.test>')!;
    expect(letterStored.externalName).toBe('Договір №ПЛ-123456: зміна адреси');

    const raw = Buffer.from(await readPayload(database, letterStored.id));
    expect(raw.toString('latin1').replace(/\r\n/g, '\n')).toBe(
      letter.toString('latin1').replace(/\r\n/g, '\n'),
    );
    const parsed = await parseMail(raw);
    expect(parsed.subject).toBe('Договір №ПЛ-123456: зміна адреси');
    expect(parsed.text.trim()).toBe('Просимо оновити адресу страхувальника.');
    const bordereau = await parseMail(
      Buffer.from(await readPayload(database, first.stored.find((m) => m !== letterStored)!.id)),
    );
    expect(bordereau.attachments.map((a) => a.filename)).toEqual(['Бордеро_2026_10.xlsx']);
    expect([...bordereau.attachments[0].content]).toEqual([0x50, 0x4b, 3, 4, 0, 1, 2, 255]);

    expect((await sync(channel)).stored).toEqual([]);
    // A new channel object, as after a restart or kill -9: the database remembers.
    expect((await sync(mailbox())).stored).toEqual([]);
    expect(await storedCount()).toBe(2);

    // The mailbox is as it was: nothing deleted, moved or marked seen.
    const reader = imapClient();
    await reader.connect();
    try {
      const status = await reader.status('INBOX', { messages: true, unseen: true });
      expect(status).toMatchObject({ messages: 2, unseen: 2 });
    } finally {
      await reader.logout();
    }
  });

  it('takes only what is new after a restart, and survives a server killed between listing and download', async () => {
    const before = await storedCount();
    const channel = mailbox();
    await deliver(cp1251Letter('<letter-2@polissia.test>', 'Заява №З-77: уточнення', 'Текст 2'));
    const listed = await channel.listNew();
    expect(listed.map((i) => i.externalId)).toEqual(['<letter-2@polissia.test>']);

    await dovecot.stop();
    await expect(channel.fetch(listed[0])).rejects.toBeInstanceOf(TransportError);
    await dovecot.start();
    await deliver(cp1251Letter('<letter-3@polissia.test>', 'Лист без номера', 'Текст 3'));

    // The same channel object reconnects by itself; the message that failed is not skipped.
    const again = await sync(channel);
    expect(again.failed).toEqual([]);
    expect(again.stored.map((m) => m.externalId).sort()).toEqual([
      '<letter-2@polissia.test>',
      '<letter-3@polissia.test>',
    ]);
    expect(await storedCount()).toBe(before + 2);
    expect((await sync(mailbox())).stored).toEqual([]);
  });

  it('starts over when the server renumbers the mailbox (new UIDVALIDITY) without storing a message twice', async () => {
    const before = await storedCount();
    // The mailbox recreated with the same mail: new UIDVALIDITY, UIDs from 1 again.
    const admin = imapClient();
    await admin.connect();
    const copies: Buffer[] = [];
    try {
      await admin.mailboxOpen('INBOX');
      for await (const message of admin.fetch('1:*', { source: true }))
        copies.push(Buffer.from(message.source!));
      await admin.mailboxCreate('Renumbered');
      for (const copy of copies) await admin.append('Renumbered', copy);
    } finally {
      await admin.logout();
    }
    const renumbered = mailbox({ mailbox: 'Renumbered' });
    const result = await sync(renumbered);
    // Every message is looked at again, and the store recognises each one it already holds.
    expect(result.failed).toEqual([]);
    expect(result.stored).toHaveLength(copies.length);
    expect(await storedCount()).toBe(before);
    await deliver(cp1251Letter('<letter-4@polissia.test>', 'Новий лист', 'Текст 4'), 'Renumbered');
    const next = await sync(mailbox({ mailbox: 'Renumbered' }));
    expect(next.stored.map((m) => m.externalId)).toEqual(['<letter-4@polissia.test>']);
  });

  it('leaves a message over the size limit in the mailbox, naming its UID and subject, and goes on with the rest', async () => {
    await dovecot.stop();
    await dovecot.start();
    const big = await composeMail({
      from: 'exchange@polissia.test',
      to: [USER.user],
      subject: 'Величезний файл',
      messageId: '<huge@polissia.test>',
      attachments: [{ filename: 'big.bin', content: Buffer.alloc(300_000, 7) }],
    });
    await deliver(big.raw, 'Renumbered');
    await deliver(cp1251Letter('<letter-5@polissia.test>', 'Після великого', 'Текст 5'), 'Renumbered');
    const result = await sync(mailbox({ mailbox: 'Renumbered', maxMessageBytes: 100_000 }));
    expect(result.stored.map((m) => m.externalId)).toEqual(['<letter-5@polissia.test>']);
    expect(result.failed).toHaveLength(1);
    expect(String((result.failed[0] as Error).message)).toMatch(
      /message UID \d+ "Величезний файл" .* over the limit of 100000: left in the mailbox/,
    );
    // Asked again, it is refused again: never skipped silently.
    expect((await sync(mailbox({ mailbox: 'Renumbered', maxMessageBytes: 100_000 }))).failed).toHaveLength(1);
  });

  it('hears of new mail at once by IDLE, and files stored mail away only when configured to', async () => {
    const admin = imapClient();
    await admin.connect();
    await admin.mailboxCreate('Fresh');
    await admin.mailboxCreate('Processed');
    await admin.logout();
    const channel = mailbox({ mailbox: 'Fresh', afterStore: { moveTo: 'Processed' } });
    expect(await channel.listNew()).toEqual([]);
    const waiting = channel.waitForNews(15_000);
    await new Promise((r) => setTimeout(r, 300));
    await deliver(cp1251Letter('<letter-6@polissia.test>', 'Свіжий лист', 'Текст 6'), 'Fresh');
    expect(await waiting).toBe('news');
    const result = await sync(channel);
    expect(result.stored.map((m) => m.externalId)).toEqual(['<letter-6@polissia.test>']);
    const reader = imapClient();
    await reader.connect();
    try {
      expect(await reader.status('Fresh', { messages: true })).toMatchObject({ messages: 0 });
      expect(await reader.status('Processed', { messages: true })).toMatchObject({ messages: 1 });
    } finally {
      await reader.logout();
    }
  });
});
