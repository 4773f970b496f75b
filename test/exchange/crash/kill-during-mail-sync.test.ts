/**
 * kill -9 in the middle of a mailbox sync, against a real Dovecot and PostgreSQL: the sync that
 * follows takes in exactly what the killed one had not, with no mail stored twice and none lost;
 * then Dovecot restarts, and the next sync brings only the mail that arrived meanwhile. The mailbox
 * itself is left as it was (nothing deleted, moved or marked seen).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import { composeMail, pullNew } from '../../../src/exchange/transports';
import { availableEngines, openTestDatabase, postgresUrl, type TestDatabase } from '../../support/engines';
import { dovecotInstalled, type PrivateDovecot, startDovecot } from '../../support/mail-servers';
import { describeWhen } from '../../support/services';
import { insurerMailbox, storeMail } from '../support/mailbox-sync';

const root = path.resolve(__dirname, '../../..');
const child = path.join(__dirname, 'mail-sync-child.ts');
const USER = { user: 'agency@polissia.test', password: 'mail-secret-9' };
const MAILS = 40;

const describeOnBoth = describeWhen(
  dovecotInstalled() && availableEngines().includes('postgres'),
  'kill -9 during a mailbox sync',
  'needs Dovecot (apt-get install -y dovecot-imapd) and PostgreSQL (DATABASE_URL)',
);

/** Resolves with the count once the child has stored `count` mails; rejects if it ends first. */
function storedAtLeast(proc: ChildProcess, count: number, output: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        output.push(line);
        const m = /^stored (\d+)$/.exec(line);
        if (m && Number(m[1]) >= count) {
          proc.stdout!.off('data', onData);
          resolve(Number(m[1]));
        }
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    proc.once('exit', (code) =>
      reject(new Error(`the sync ended (${code}) before ${count}: ${output.join('\n')}`)),
    );
  });
}

describeOnBoth('kill -9 during a mailbox sync [postgres, Dovecot]', () => {
  let dovecot: PrivateDovecot;
  let database: TestDatabase & { drop(): Promise<void> };
  let insurerId: number;
  let proc: ChildProcess | null = null;

  const client = () =>
    new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      auth: { user: USER.user, pass: USER.password },
      logger: false,
    });

  async function deliver(from: number, to: number): Promise<void> {
    const imap = client();
    await imap.connect();
    try {
      for (let n = from; n <= to; n++) {
        const { raw } = await composeMail({
          from: '"Полісся партнери" <partners@polissia.test>',
          to: [USER.user],
          subject: `Договір №PL-${String(n).padStart(6, '0')}: лист ${n}`,
          messageId: `<mail-${n}@polissia.test>`,
          text: `Лист номер ${n}.`,
        });
        await imap.append('INBOX', raw);
      }
    } finally {
      await imap.logout();
    }
  }

  /** The sync as the hub runs it, in this process. */
  async function syncHere(): Promise<number> {
    const channel = insurerMailbox(database, insurerId, {
      host: dovecot.host,
      port: dovecot.port,
      user: USER.user,
      password: USER.password,
    });
    let stored = 0;
    try {
      const result = await pullNew(channel, async (item) => {
        const { duplicate } = await storeMail(database, item);
        if (!duplicate) stored += 1;
      });
      expect(result.failed).toEqual([]);
    } finally {
      await channel.close();
    }
    return stored;
  }

  /** Each mail's Message-ID with the number of times it is in the store. */
  async function storedIds(): Promise<Map<string, number>> {
    const rows = await sql<{ id: string; n: number }>`select external_id as id, count(*)::int as n
      from exchange_message where channel = 'email' group by external_id`.execute(database.db);
    return new Map(rows.rows.map((r) => [r.id, Number(r.n)]));
  }

  beforeAll(async () => {
    dovecot = await startDovecot([USER]);
    database = await openTestDatabase('postgres');
    const row = await database.db
      .insertInto('insurer')
      .values({ code: 'POLISSIA', name: 'Полісся', created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    insurerId = Number(row.id);
  }, 60_000);

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    await dovecot?.destroy();
    await database?.drop();
  });

  it('takes in each mail exactly once after the syncing process is killed, and again after Dovecot restarts', async () => {
    await deliver(1, MAILS);

    // 1. A worker syncs the mailbox and is killed with SIGKILL part of the way through.
    const output: string[] = [];
    proc = spawn(
      process.execPath,
      [
        '-r',
        'tsx/cjs',
        child,
        database.schemaName!,
        String(insurerId),
        dovecot.host,
        String(dovecot.port),
        USER.user,
        USER.password,
        '100',
      ],
      { cwd: root, env: { ...process.env, DATABASE_URL: postgresUrl()! }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await storedAtLeast(proc, 5, output);
    const exited = new Promise<string | null>((resolve) =>
      proc!.once('exit', (_c, signal) => resolve(signal)),
    );
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(output.join('\n')).not.toMatch(/^done /m);
    const before = await storedIds();
    expect(before.size).toBeGreaterThanOrEqual(5);
    expect(before.size).toBeLessThan(MAILS);

    // 2. The next sync takes in the rest: every mail once, none lost.
    expect(await syncHere()).toBe(MAILS - before.size);
    const after = await storedIds();
    expect(after.size).toBe(MAILS);
    expect([...after.values()].every((n) => n === 1)).toBe(true);
    expect(await syncHere()).toBe(0);

    // 3. Dovecot restarts; mail that came meanwhile is taken in once, the rest not again.
    await dovecot.stop();
    await dovecot.start();
    await deliver(MAILS + 1, MAILS + 3);
    expect(await syncHere()).toBe(3);
    const last = await storedIds();
    expect(last.size).toBe(MAILS + 3);
    expect([...last.values()].every((n) => n === 1)).toBe(true);

    // The mailbox is as it was: every mail there, none seen.
    const imap = client();
    await imap.connect();
    try {
      expect(await imap.status('INBOX', { messages: true, unseen: true })).toMatchObject({
        messages: MAILS + 3,
        unseen: MAILS + 3,
      });
    } finally {
      await imap.logout();
    }
  }, 180_000);
});
