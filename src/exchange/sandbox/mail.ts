/**
 * The e-mail sandbox insurer, for any adapter with an e-mail channel: an SMTP server in-process
 * (smtp-server) that takes our mail to the insurer with the adapter's SMTP login and the sandbox
 * password, and the intermediary's own mailbox served by a private Dovecot (./dovecot.ts), where
 * mail "from the insurer" is put with IMAP APPEND (imapflow). Everything lives in the sandbox's work
 * folder (`<dataDir>/sandbox/<insurer>/`): Dovecot's configuration and mail, every mail received
 * (`received/`), and what was delivered once (`delivered.json`).
 *
 * Without a hook, it delivers the adapter's fixture mails (`__fixtures__/*.eml` that answer nothing,
 * or `email.publish` in `__fixtures__/sandbox.yaml`) once per work folder, each with a fresh
 * Message-ID and Date so the hub takes it as new mail. An insurer's hook (`adapters/<insurer>/sandbox`)
 * answers what it receives (`onMail`).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { type AddressObject, simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { SMTPServer } from 'smtp-server';
import type { LoadedAdapter } from '../adapter-config';
import type { ChannelOverrides } from '../runs';
import { fixturesDir, readSandboxConfig } from './fixtures';
import { freeLoopbackPort, type PrivateDovecot, requireDovecot, startDovecot } from './dovecot';
import type { SandboxStartOptions, StartedSandbox } from './types';

/** The password of the sandbox's SMTP login and of the intermediary's sandbox mailbox. */
export const SANDBOX_MAIL_PASSWORD = 'sandbox-mail-secret';

export interface SandboxReceivedMail {
  /** Envelope sender and recipients. */
  from: string;
  to: string[];
  raw: Buffer;
  /** Where it was kept: `<workDir>/received/<n>.eml`. */
  file: string;
}

export interface SandboxMailServer {
  host: string;
  smtpPort: number;
  imapPort: number;
  /** Our login at the insurer's SMTP server (the adapter's `smtp.user`). */
  smtpUser: string;
  /** The intermediary's mailbox login (the adapter's `imap.user`) and folder. */
  mailboxUser: string;
  mailbox: string;
  password: string;
  received: SandboxReceivedMail[];
  /** Puts a whole message into the intermediary's mailbox (IMAP APPEND), in the order asked. */
  deliver(raw: Buffer): Promise<void>;
  /** Resolves once every mail received so far has been handled (its answers delivered). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxMailServerOptions {
  workDir: string;
  smtpUser: string;
  mailboxUser: string;
  mailbox?: string;
  password?: string;
  /** SMTP listens on `port`, IMAP on `port + 1`; 0 or unset picks free ones. */
  port?: number;
  /** What the insurer does with each mail we send; its failures are told through `onError`. */
  onMail?: (mail: SandboxReceivedMail, server: SandboxMailServer) => Promise<void> | void;
  onError?: (error: Error) => void;
}

/** The SMTP server and the intermediary's mailbox; throws one line naming the fix without Dovecot. */
export async function startSandboxMailServer(options: SandboxMailServerOptions): Promise<SandboxMailServer> {
  requireDovecot();
  const password = options.password ?? SANDBOX_MAIL_PASSWORD;
  const mailbox = options.mailbox ?? 'INBOX';
  const receivedDir = path.join(options.workDir, 'received');
  fs.mkdirSync(receivedDir, { recursive: true });
  const onError = options.onError ?? ((e: Error) => console.error(`e-mail sandbox: ${e.message}`));
  const imapPort = options.port ? options.port + 1 : await freeLoopbackPort();
  const dovecot: PrivateDovecot = await startDovecot({
    users: [{ user: options.mailboxUser, password }],
    dir: path.join(options.workDir, 'dovecot'),
    port: imapPort,
  });

  let deliveries: Promise<void> = Promise.resolve();
  const deliver = (raw: Buffer): Promise<void> => {
    const next = deliveries.then(async () => {
      const client = new ImapFlow({
        host: dovecot.host,
        port: dovecot.port,
        secure: false,
        auth: { user: options.mailboxUser, pass: password },
        logger: false,
      });
      await client.connect();
      try {
        await client.append(mailbox, raw);
      } finally {
        await client.logout().catch(() => undefined);
      }
    });
    deliveries = next.catch(() => undefined);
    return next;
  };

  let handling: Promise<void> = Promise.resolve();
  const received: SandboxReceivedMail[] = [];
  const existing = fs.readdirSync(receivedDir).filter((n) => n.endsWith('.eml')).length;
  let server: SandboxMailServer;
  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.smtpUser && auth.password === password)
        callback(null, { user: auth.username });
      else callback(new Error('535 5.7.8 wrong login or password for the sandbox'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (e) => callback(e));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const file = path.join(receivedDir, `${String(existing + received.length + 1).padStart(4, '0')}.eml`);
        fs.writeFileSync(file, raw);
        const mail: SandboxReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          file,
        };
        received.push(mail);
        callback();
        // Answered after the mail is accepted, as an insurer's desk would: in order, one at a time.
        if (options.onMail) {
          const onMail = options.onMail;
          handling = handling.then(() =>
            Promise.resolve(onMail(mail, server)).catch((e: unknown) => onError(e as Error)),
          );
        }
      });
    },
  });
  try {
    const smtpPort = options.port || (await freeLoopbackPort());
    await new Promise<void>((resolve, reject) => {
      smtp.once('error', reject);
      smtp.listen(smtpPort, '127.0.0.1', () => {
        smtp.off('error', reject);
        resolve();
      });
    });
    smtp.on('error', (e: Error) => onError(e));
    server = {
      host: '127.0.0.1',
      smtpPort,
      imapPort: dovecot.port,
      smtpUser: options.smtpUser,
      mailboxUser: options.mailboxUser,
      mailbox,
      password,
      received,
      deliver,
      idle: async () => {
        for (;;) {
          const [h, d] = [handling, deliveries];
          await h;
          await d;
          if (h === handling && d === deliveries) return;
        }
      },
      close: async () => {
        await new Promise<void>((resolve) => smtp.close(() => resolve()));
        await server.idle().catch(() => undefined);
        await dovecot.destroy();
      },
    };
    return server;
  } catch (e) {
    await dovecot.destroy();
    throw e;
  }
}

/** `delivered.json` in the work folder: the fixture mails already put in the mailbox, by file name. */
function deliveredFile(workDir: string): string {
  return path.join(workDir, 'delivered.json');
}

export function readDelivered(workDir: string): Record<string, string> {
  const file = deliveredFile(workDir);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

/** A Message-ID like the original's, made new: `<local.sbx-1a2b3c4d@domain>`. */
export function freshMessageId(original: string | undefined, fallbackDomain: string): string {
  const m = /^<?([^@<>]+)@([^>]+)>?$/.exec(original ?? '');
  const suffix = randomBytes(4).toString('hex');
  return m ? `<${m[1]}.sbx-${suffix}@${m[2]}>` : `<sbx-${suffix}@${fallbackDomain}>`;
}

function addressList(value: AddressObject | AddressObject[] | undefined) {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((group) =>
    group.value.filter((a) => a.address).map((a) => ({ name: a.name ?? '', address: a.address! })),
  );
}

/**
 * A fixture mail made new with nodemailer's MailComposer: the same sender, recipients, subject, text
 * and attachments, with a fresh Message-ID and today's Date, so the hub takes it as a new mail.
 */
export async function freshenMail(
  raw: Buffer,
  date = new Date(),
): Promise<{ messageId: string; raw: Buffer }> {
  const mail = await simpleParser(raw, { skipImageLinks: true });
  const from = addressList(mail.from);
  const messageId = freshMessageId(mail.messageId, from[0]?.address.split('@')[1] ?? 'sandbox.local');
  const rebuilt = await new MailComposer({
    from: from[0],
    to: addressList(mail.to),
    cc: addressList(mail.cc),
    subject: mail.subject ?? '',
    text: mail.text ?? '',
    messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    date,
    attachments: mail.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
    })),
  })
    .compile()
    .build();
  return { messageId, raw: rebuilt };
}

/** The fixture mails a sandbox delivers by default: `*.eml` that reply to nothing (no In-Reply-To). */
export async function defaultMailFixtures(adapter: LoadedAdapter): Promise<string[]> {
  const dir = fixturesDir(adapter);
  if (!fs.existsSync(dir)) return [];
  const names: string[] = [];
  for (const name of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.eml'))
    .sort()) {
    const head = fs
      .readFileSync(path.join(dir, name))
      .toString('latin1')
      .split(/\r?\n\r?\n/)[0];
    if (!/^in-reply-to:/im.test(head)) names.push(name);
  }
  return names;
}

/**
 * Delivers each named fixture mail once per work folder (remembered in `delivered.json`), freshened;
 * answers the names delivered now.
 */
export async function deliverFixturesOnce(
  adapter: LoadedAdapter,
  workDir: string,
  server: Pick<SandboxMailServer, 'deliver'>,
  names: string[],
): Promise<string[]> {
  const delivered = readDelivered(workDir);
  const now: string[] = [];
  for (const name of names) {
    if (delivered[name]) continue;
    const file = path.join(fixturesDir(adapter), path.basename(name));
    if (!fs.existsSync(file)) throw new Error(`e-mail sandbox: fixture ${file} does not exist`);
    const fresh = await freshenMail(fs.readFileSync(file));
    await server.deliver(fresh.raw);
    delivered[name] = fresh.messageId;
    fs.writeFileSync(deliveredFile(workDir), JSON.stringify(delivered, null, 2) + '\n');
    now.push(name);
  }
  return now;
}

export interface MailSandboxBehaviour {
  /** What the insurer does with each mail we send (answers by `server.deliver`). */
  onMail?: (mail: SandboxReceivedMail, server: SandboxMailServer) => Promise<void> | void;
  /** The fixture mails to deliver once; default `email.publish` of sandbox.yaml, else `defaultMailFixtures`. */
  fixtures?: string[];
  /** Lines of its own for `ecspert sandbox <insurer>` (what it answers). */
  lines?: string[];
}

/**
 * The e-mail sandbox of an adapter: its SMTP login and mailbox user from the adapter's e-mail
 * channel, the sandbox password instead of the secrets, its fixture mails delivered once (unless
 * `publishFixtures` is false), and the channel overrides an exchange run uses to talk to it.
 */
export async function startMailSandbox(
  options: SandboxStartOptions,
  behaviour: MailSandboxBehaviour = {},
): Promise<StartedSandbox & { mail: SandboxMailServer }> {
  const { adapter, workDir } = options;
  const channel = adapter.channels.email;
  if (!channel?.imap || !channel.smtp)
    throw new Error(`${adapter.file}: the e-mail sandbox needs channels.email with imap and smtp`);
  const config = readSandboxConfig(adapter);
  const server = await startSandboxMailServer({
    workDir,
    smtpUser: channel.smtp.user ?? channel.imap.user,
    mailboxUser: channel.imap.user,
    mailbox: channel.imap.mailbox ?? 'INBOX',
    port: options.port,
    onMail: behaviour.onMail,
    onError: (e) => console.error(`${adapter.insurer.code} sandbox: ${e.message}`),
  });
  let delivered: string[] = [];
  try {
    if (options.publishFixtures !== false)
      delivered = await deliverFixturesOnce(
        adapter,
        workDir,
        server,
        behaviour.fixtures ?? config.email?.publish ?? (await defaultMailFixtures(adapter)),
      );
  } catch (e) {
    await server.close();
    throw e;
  }
  const smtpUrl = `smtp://${server.host}:${server.smtpPort}`;
  const imapUrl = `imap://${server.host}:${server.imapPort}`;
  const login = { host: server.host, secure: false, password: server.password };
  const overrides: ChannelOverrides = {
    email: {
      smtp: { ...login, port: server.smtpPort, user: server.smtpUser },
      imap: { ...login, port: server.imapPort, user: server.mailboxUser },
    },
  };
  const already = Object.keys(readDelivered(workDir)).filter((n) => !delivered.includes(n));
  return {
    url: `${smtpUrl} ${imapUrl}`,
    overrides,
    lines: [
      `${adapter.insurer.name} sandbox (${adapter.insurer.code}) listening on ${smtpUrl} ${imapUrl}`,
      `  SMTP ${server.host}:${server.smtpPort} (plain, no TLS) for our mail to the insurer: login ${server.smtpUser}, password ${server.password}`,
      `  IMAP ${server.host}:${server.imapPort} (plain, no TLS), the intermediary's mailbox ${server.mailbox}: login ${server.mailboxUser}, password ${server.password}`,
      `  mail we send is kept in ${path.join(workDir, 'received')}`,
      ...(behaviour.lines ?? []),
      ...(delivered.length ? [`  delivered to ${server.mailbox}: ${delivered.join(', ')}`] : []),
      ...(already.length ? [`  delivered before (${deliveredFile(workDir)}): ${already.join(', ')}`] : []),
    ],
    mail: server,
    idle: () => server.idle(),
    close: () => server.close(),
  };
}
