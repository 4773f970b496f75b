/**
 * Real mail servers for the e-mail channel's tests, each the test's own:
 * - Dovecot (Debian's dovecot-imapd) from a small configuration in a temp folder: IMAP on a free port
 *   of 127.0.0.1, plain-text login, one passwd-file of users, Maildir mail; stop and start it again
 *   mid-test (a dropped connection, a server restart) with its mail kept;
 * - an SMTP server in-process (the npm package smtp-server) that keeps every message it accepts,
 *   byte for byte, with its envelope.
 *
 *     describeWithDovecot('e-mail channel')('…', () => { … })
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { freePort } from './private-postgres';
import { describeWhen } from './services';

const DOVECOT = '/usr/sbin/dovecot';

export function dovecotInstalled(): boolean {
  return fs.existsSync(DOVECOT);
}

export function describeWithDovecot(suite: string): jest.Describe {
  return describeWhen(
    dovecotInstalled(),
    suite,
    `Dovecot is not installed (apt-get install -y dovecot-imapd; .ci/services.sh does)`,
  );
}

export interface MailUser {
  user: string;
  password: string;
}

export interface PrivateDovecot {
  readonly host: string;
  readonly port: number;
  readonly users: MailUser[];
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

async function waitForPort(port: number, open: boolean): Promise<void> {
  const net = await import('node:net');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (answered === open) return;
    if (Date.now() > deadline)
      throw new Error(`Dovecot did not ${open ? 'open' : 'close'} port ${port} in 20 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a Dovecot of the test's own with these users (`{PLAIN}` passwords). */
export async function startDovecot(users: MailUser[]): Promise<PrivateDovecot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dovecot-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  for (const sub of ['run', 'state', 'mail']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(
    path.join(dir, 'passwd'),
    users.map((u) => `${u.user}:{PLAIN}${u.password}`).join('\n') + '\n',
  );
  // Mail belongs to the static mail user (nobody), as the configuration below says.
  execFileSync('chown', ['-R', '65534:65534', path.join(dir, 'mail')]);
  const config = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(
    config,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
first_valid_uid = 65534
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
`,
  );
  let running = false;
  const server: PrivateDovecot = {
    host: '127.0.0.1',
    port,
    users,
    async start() {
      // It daemonizes: with pipes for its output the daemon would hold them open forever.
      const result = spawnSync(DOVECOT, ['-c', config], { stdio: 'ignore' });
      const log = () =>
        fs.existsSync(path.join(dir, 'dovecot.log'))
          ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8')
          : '';
      if (result.status !== 0) throw new Error(`dovecot did not start (exit ${result.status}):\n${log()}`);
      running = true;
      await waitForPort(port, true);
    },
    async stop() {
      if (!running) return;
      const pid = Number(fs.readFileSync(path.join(dir, 'run', 'master.pid'), 'utf8'));
      // The master leads its own process group (it daemonized with setsid): the group is the
      // master and its imap and imap-login children, killed at once as a crash would.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        process.kill(pid, 'SIGKILL');
      }
      running = false;
      await waitForPort(port, false);
      fs.rmSync(path.join(dir, 'run', 'master.pid'), { force: true });
    },
    async destroy() {
      await server.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
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
