/**
 * Two people from the command line, as the README says (`npx ecspert …` in the project folder), on
 * the embedded database and on PostgreSQL: olena enters a career change inside closed January
 * (signing in with her password), petro approves it; olena cannot approve her own; a transfer is
 * rejected with a reason. No name typed for an approver is trusted: each decision signs in.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createUser } from '../../src/auth';
import { type Database, migrate, openDatabase } from '../../src/db';
import { seedNetwork } from '../back-office/compensation/db-support';
import { postgresUrl } from '../support/engines';

const root = path.resolve(__dirname, '../..');

async function seed(database: Database): Promise<{ olena: string; petro: string }> {
  await migrate(database.db, database.dialect);
  await seedNetwork(database, [
    ['A', null, 'MANAGER'],
    ['B', 'A', 'CONSULTANT'],
  ]);
  const db = database.db as any;
  await db
    .insertInto('career_level')
    .values(['CONSULTANT', 'MANAGER'].map((code, n) => ({ code, name: code, rank_order: n + 1 })))
    .execute();
  await db
    .insertInto('production_period')
    .values({
      code: '2026-01',
      starts_on: '2026-01-01',
      ends_on: '2026-01-31',
      status: 'closed',
      calculated_at: new Date('2026-02-02T10:00:00Z'),
      closed_at: new Date('2026-02-03T10:00:00Z'),
      closed_by: 'buh',
    })
    .execute();
  const olena = (await createUser(database, { login: 'olena', role: 'back_office' }, 'test')).password;
  const petro = (await createUser(database, { login: 'petro', role: 'back_office' }, 'test')).password;
  return { olena, petro };
}

const engines: Array<'pglite' | 'postgres'> = postgresUrl() ? ['pglite', 'postgres'] : ['pglite'];

describe.each(engines)('ecspert approval, two people [%s]', (engine) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-approval-'));
  const dbName = `approval_cli_${randomBytes(4).toString('hex')}`;
  let env: Record<string, string>;
  let passwords: { olena: string; petro: string };

  const npx = (args: string[], password?: string) => {
    const result = spawnSync('npx', ['--no-install', 'ecspert', ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        npm_config_update_notifier: 'false',
        ECSPERT_FROM: 'sources',
        LOG_LEVEL: 'warn',
        ...env,
        ...(password === undefined ? {} : { ECSPERT_PASSWORD: password }),
      },
      encoding: 'utf8',
      timeout: 240_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
  };

  beforeAll(async () => {
    if (engine === 'pglite') {
      env = { ECSPERT_DATA_DIR: dataDir };
      const database = await openDatabase({ engine: 'pglite', dataDir: path.join(dataDir, 'db') });
      try {
        passwords = await seed(database);
      } finally {
        await database.close();
      }
    } else {
      const admin = await openDatabase({ engine: 'postgres', url: postgresUrl()! }, { poolSize: 1 });
      await sql`create database ${sql.id(dbName)}`.execute(admin.db);
      await admin.close();
      const url = new URL(postgresUrl()!);
      url.pathname = `/${dbName}`;
      env = { ECSPERT_DATA_DIR: dataDir, DATABASE_URL: url.toString() };
      const database = await openDatabase({ engine: 'postgres', url: url.toString() }, { poolSize: 2 });
      try {
        passwords = await seed(database);
      } finally {
        await database.close();
      }
    }
  }, 600_000);

  afterAll(async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (engine === 'postgres') {
      const admin = await openDatabase({ engine: 'postgres', url: postgresUrl()! }, { poolSize: 1 });
      await sql`drop database if exists ${sql.id(dbName)}`.execute(admin.db);
      await admin.close();
    }
  });

  it('keeps the change for a second person, who signs in to approve or reject it', () => {
    const change = [
      'career-change',
      'B',
      'MANAGER',
      '--from',
      '2026-01-15',
      '--reason',
      'наказ 7',
      '--by',
      'olena',
    ];
    const unsigned = npx(change);
    expect({ status: unsigned.status, stderr: unsigned.stderr }).toEqual({
      status: 1,
      stderr:
        'ecspert: a change inside a closed period needs olena signed in: run it on a terminal to be asked for the password, or set ECSPERT_PASSWORD',
    });
    const proposed = npx(change, passwords.olena);
    expect(proposed).toMatchObject({ status: 0, stderr: '' });
    expect(proposed.stdout).toBe(
      'change request #1: career_change of B from 2026-01-15 reaches into closed period 2026-01; kept for approval, nothing applied. Another user approves it: ecspert approval approve 1 --by <login>\n',
    );

    const list = npx(['approval', 'list']);
    expect(list.stdout.split('\n')).toEqual([
      expect.stringMatching(
        /^#1 pending career_change B: level MANAGER from 2026-01-15 \(closed 2026-01\); proposed by olena \d{4}-\d\d-\d\d \d\d:\d\d$/,
      ),
      'page 1: 1 of 1',
      '',
    ]);

    const own = npx(['approval', 'approve', '1', '--by', 'olena'], passwords.olena);
    expect({ status: own.status, stderr: own.stderr }).toEqual({
      status: 1,
      stderr: 'ecspert: olena proposed change request 1: another person must approve it',
    });
    const typedName = npx(['approval', 'approve', '1', '--by', 'petro'], 'not-his-password');
    expect(typedName.status).toBe(1);
    expect(typedName.stderr).toBe(
      'ecspert: approving change request #1: signing in as petro was refused (wrong login or password)',
    );

    const approved = npx(['approval', 'approve', '1', '--by', 'petro'], passwords.petro);
    expect(approved).toMatchObject({
      status: 0,
      stdout:
        'change request #1 approved by petro and applied (proposed by olena); recalculation requested for 2026-01\n',
    });
    const shown = JSON.parse(npx(['approval', 'show', '1', '--json']).stdout);
    expect(shown).toMatchObject({
      status: 'approved',
      proposedBy: 'olena',
      decidedBy: 'petro',
      result: { requestedPeriods: ['2026-01'] },
    });
    const card = JSON.parse(npx(['consultant', 'show', 'B', '--json']).stdout);
    expect(JSON.stringify(card)).toMatch(/"levelCode":"MANAGER"/);

    const transfer = npx(
      [
        'consultant',
        'transfer',
        'B',
        '--sponsor',
        '-',
        '--from',
        '2026-01-20',
        '--reason',
        'заява',
        '--by',
        'olena',
      ],
      passwords.olena,
    );
    expect(transfer.stdout).toMatch(/^change request #2: transfer of B from 2026-01-20 /);
    const rejected = npx(
      ['approval', 'reject', '2', '--by', 'petro', '--reason', 'немає заяви'],
      passwords.petro,
    );
    expect(rejected.stdout).toBe('change request #2 rejected by petro: немає заяви\n');
    const all = JSON.parse(npx(['approval', 'list', '--status', 'all', '--json']).stdout);
    expect(all).toMatchObject({ total: 2 });
    expect(all.items.map((r: { status: string }) => r.status)).toEqual(['approved', 'rejected']);
  }, 900_000);
});
