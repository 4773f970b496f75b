/**
 * Real mail servers for the e-mail channel's tests, each the test's own:
 * - Dovecot (Debian's dovecot-imapd) from a small configuration in a temp folder: IMAP on a free port
 *   of 127.0.0.1, plain-text login, one passwd-file of users, Maildir mail; stop and start it again
 *   mid-test (a dropped connection, a server restart) with its mail kept. It is the e-mail sandbox's
 *   own starter (src/exchange/sandbox/dovecot.ts), re-exported here;
 * - an SMTP server in-process (the npm package smtp-server) that keeps every message it accepts,
 *   byte for byte, with its envelope.
 *
 *     describeWithDovecot('e-mail channel')('…', () => { … })
 */
import { SMTPServer } from 'smtp-server';
import { dovecotInstalled, DOVECOT_FIX, type MailUser } from '../../src/exchange/sandbox/dovecot';
import { freePort } from './private-postgres';
import { describeWhen } from './services';

// One Dovecot starter for the tests and the e-mail sandbox (src/exchange/sandbox/dovecot.ts).
export {
  dovecotInstalled,
  startDovecot,
  type MailUser,
  type PrivateDovecot,
} from '../../src/exchange/sandbox/dovecot';

export function describeWithDovecot(suite: string): jest.Describe {
  return describeWhen(
    dovecotInstalled(),
    suite,
    `Dovecot is not installed (${DOVECOT_FIX}; .ci/services.sh does)`,
  );
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface SmtpSink {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Resolves once `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** An SMTP server that accepts every message (optionally only with this login) and keeps it. */
export async function startSmtpSink(login?: MailUser): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: login ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !login,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (login && auth.username === login.user && auth.password === login.password)
        callback(null, { user: auth.username });
      else callback(new Error('535 wrong login or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    received,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`${received.length} of ${count} messages arrived in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return received.slice(0, count);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
