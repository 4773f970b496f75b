/**
 * kill -9 in the middle of storing a payload in chunks: the message row, its chunks and its trail are
 * written in one transaction, so the killed store leaves nothing behind, neither while it writes
 * (another connection sees no half message) nor after (the server, or PGlite recovering its folder,
 * rolls the transaction back); the same content stored again is a new, whole message.
 *
 * A real child process (store-child.ts) is killed with SIGKILL after it has handed over some chunks:
 * on PostgreSQL in a schema of its own, on PGlite in a data folder that this process opens after the
 * child is dead (PGlite is one process's database: it cannot look while the child writes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { type Database, openDatabase } from '../../../src/db';
import { storeMessage } from '../../../src/exchange/message-store';
import { availableEngines, postgresUrl } from '../../support/engines';

const root = path.resolve(__dirname, '../../..');
const child = path.join(__dirname, 'store-child.ts');
const CHUNKS = 400;

/** Resolves once the child has handed over `n` chunks; rejects when it ends first. */
function chunksHandedOver(proc: ChildProcess, n: number, output: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (data: Buffer) => {
      buffered += data.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        const m = /^chunk (\d+)$/.exec(line);
        if (m && Number(m[1]) >= n) {
          proc.stdout!.off('data', onData);
          resolve();
          return;
        }
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (data: Buffer) => output.push(data.toString('utf8')));
    proc.once('exit', (code, signal) =>
      reject(new Error(`the child ended (code ${code}, signal ${signal}) early:\n${output.join('\n')}`)),
    );
  });
}

const killed = (proc: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });

async function stored(database: Database) {
  const count = async (table: 'exchange_message' | 'exchange_message_chunk' | 'exchange_message_event') =>
    Number(
      (
        await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    messages: await count('exchange_message'),
    chunks: await count('exchange_message_chunk'),
    events: await count('exchange_message_event'),
  };
}

const nothing = { messages: 0, chunks: 0, events: 0 };

async function storeAgain(database: Database) {
  async function* same() {
    for (let n = 1; n <= CHUNKS; n++) yield Buffer.alloc(1000, n % 256);
  }
  const { message, duplicate } = await storeMessage(
    database,
    {
      insurerCode: 'DNIPRO_LIFE',
      channel: 'sftp',
      direction: 'inbound',
      messageType: 'contracts',
      externalName: 'CONTRACTS_20261002.csv',
      payload: same(),
    },
    new Date(),
    { chunkBytes: 1000 },
  );
  expect(duplicate).toBe(false);
  expect(message.sizeBytes).toBe(CHUNKS * 1000);
  expect(await stored(database)).toEqual({ messages: 1, chunks: CHUNKS, events: 1 });
}

const spawnChild = (args: string[]) =>
  spawn(process.execPath, ['-r', 'tsx/cjs', child, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

for (const engine of availableEngines()) {
  describe(`kill -9 while a payload is stored in chunks [${engine}]`, () => {
    let proc: ChildProcess | null = null;
    afterEach(async () => {
      if (proc) await killed(proc);
    });

    if (engine === 'postgres')
      it('leaves no half message, while writing or after', async () => {
        const url = postgresUrl()!;
        const schema = `t_kill_store_${process.pid}`;
        const admin = await openDatabase({ engine: 'postgres', url }, { poolSize: 1 });
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
        await sql`create schema ${sql.id(schema)}`.execute(admin.db);
        const database = await openDatabase({ engine: 'postgres', url }, { searchPath: schema, poolSize: 2 });
        try {
          const output: string[] = [];
          proc = spawnChild(['postgres', schema, String(CHUNKS)]);
          await chunksHandedOver(proc, 40, output);
          // While the child writes, its chunks are not visible to anyone else.
          expect(await stored(database)).toEqual(nothing);
          await killed(proc);
          expect(proc.signalCode).toBe('SIGKILL');
          // The server rolls the dead connection's transaction back: still nothing, and never anything.
          expect(await stored(database)).toEqual(nothing);
          await storeAgain(database);
        } finally {
          await database.close();
          await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
          await admin.close();
        }
      }, 120_000);
    else
      it('leaves no half message once the folder is opened again', async () => {
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kill-store-'));
        try {
          const output: string[] = [];
          proc = spawnChild(['pglite', dataDir, String(CHUNKS)]);
          await chunksHandedOver(proc, 40, output);
          await killed(proc);
          expect(proc.signalCode).toBe('SIGKILL');
          const database = await openDatabase({ engine: 'pglite', dataDir });
          try {
            expect(await stored(database)).toEqual(nothing);
            await storeAgain(database);
          } finally {
            await database.close();
          }
        } finally {
          fs.rmSync(dataDir, { recursive: true, force: true });
        }
      }, 180_000);
  });
}
