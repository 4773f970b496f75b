/**
 * A private Dovecot (Debian's dovecot-imapd) started from a small configuration of its own: IMAP on
 * a free port of 127.0.0.1, plain-text login, one passwd-file of users, Maildir mail. The e-mail
 * sandbox serves the intermediary's mailbox with it, and the e-mail channel's tests use the same
 * one (test/support/mail-servers.ts). It can be stopped and started again with its mail kept.
 *
 * Dovecot runs its mail processes as `nobody` (65534) when started by root, so the mail folder must
 * be reachable by that user; see `mailFolderFor`.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const DOVECOT = '/usr/sbin/dovecot';

/** What to do when Dovecot is missing, in one line. */
export const DOVECOT_FIX = 'apt-get install -y dovecot-imapd';

export function dovecotInstalled(): boolean {
  return fs.existsSync(DOVECOT);
}

/** Throws a one-line error naming the fix when Dovecot is not installed. */
export function requireDovecot(what = 'the e-mail sandbox'): void {
  if (!dovecotInstalled())
    throw new Error(
      `Dovecot is not installed (${DOVECOT} is missing), and ${what} serves the intermediary's mailbox with it: ${DOVECOT_FIX}`,
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
  /** Where its mail (Maildir, one folder per user) is kept. */
  readonly mailDir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folder (only when the folder was its own temp folder). */
  destroy(): Promise<void>;
}

export interface DovecotOptions {
  users: MailUser[];
  /**
   * The folder for its configuration, state and mail, kept across starts; default a new temp folder
   * that `destroy()` removes.
   */
  dir?: string;
  /** 0 or unset: a free port. */
  port?: number;
}

const NOBODY = 65534;

/** A free TCP port on loopback. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, open: boolean): Promise<void> {
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

/** Whether every folder above `folder` lets other users pass (the x bit for others). */
function passableByOthers(folder: string): boolean {
  let at = path.dirname(path.resolve(folder));
  for (;;) {
    try {
      if ((fs.statSync(at).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const up = path.dirname(at);
    if (up === at) return true;
    at = up;
  }
}

/**
 * The mail folder for a Dovecot kept in `dir`: `<dir>/mail` when Dovecot's mail user can reach it,
 * otherwise (a data folder under a private home or a 0700 temp folder) a folder of its own in the
 * system's temp folder, named after `dir` so a restart finds the same mail.
 */
export function mailFolderFor(dir: string): string {
  const own = path.join(dir, 'mail');
  if (process.getuid?.() !== 0 || passableByOthers(own)) return own;
  const key = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `ecspert-mail-${key}`);
}

/** Starts a Dovecot of its own with these users (`{PLAIN}` passwords). */
export async function startDovecot(options: DovecotOptions | MailUser[]): Promise<PrivateDovecot> {
  const { users, dir: keptDir, port: wantedPort } = Array.isArray(options) ? { users: options } : options;
  requireDovecot('this Dovecot');
  const dir = keptDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dovecot-'));
  fs.mkdirSync(dir, { recursive: true });
  if (!keptDir) fs.chmodSync(dir, 0o755);
  // Its sockets live here: a short path of its own (a socket's path is limited to about 100 bytes).
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dovecot-run-'));
  fs.chmodSync(runDir, 0o755);
  const mailDir = keptDir ? mailFolderFor(dir) : path.join(dir, 'mail');
  for (const sub of [path.join(dir, 'state'), mailDir]) fs.mkdirSync(sub, { recursive: true });
  const port = wantedPort || (await freeLoopbackPort());
  // Read by its auth process (user dovecot), which may not reach `dir`: written afresh at each start.
  const passwd = path.join(runDir, 'passwd');
  fs.writeFileSync(passwd, users.map((u) => `${u.user}:{PLAIN}${u.password}`).join('\n') + '\n');
  // Mail belongs to the static mail user (nobody), as the configuration below says.
  if (process.getuid?.() === 0) {
    fs.chmodSync(mailDir, 0o755);
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, mailDir]);
  }
  const config = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(
    config,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${runDir}
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${mailDir}/%u
first_valid_uid = ${NOBODY}
passdb {
  driver = passwd-file
  args = ${passwd}
}
userdb {
  driver = static
  args = uid=${NOBODY} gid=${NOBODY} home=${mailDir}/%u
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
  const pidFile = path.join(runDir, 'master.pid');
  /** Kills the master's process group (it daemonized with setsid): the master and its children. */
  const kill = () => {
    if (!running) return;
    running = false;
    try {
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        process.kill(pid, 'SIGKILL');
      }
    } catch {
      // already gone
    }
  };
  // A process that ends without stopping it does not leave a Dovecot behind.
  process.once('exit', kill);
  const server: PrivateDovecot = {
    host: '127.0.0.1',
    port,
    users,
    mailDir,
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
      kill();
      await waitForPort(port, false);
      fs.rmSync(pidFile, { force: true });
    },
    async destroy() {
      await server.stop().catch(() => undefined);
      process.off('exit', kill);
      fs.rmSync(runDir, { recursive: true, force: true });
      if (!keptDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (e) {
    fs.rmSync(runDir, { recursive: true, force: true });
    process.off('exit', kill);
    throw e;
  }
  return server;
}
