/**
 * `ecspert correspondence` run for real (node bin/ecspert.js) on an embedded database: Polissia's
 * letter stored as received mail is filed (`file`), listed with its policy, shown with its text and
 * attachment, and closed with a reason by a signed-in user of the back office; a consultant may not.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createUser } from '../../../src/auth';
import { openDatabase } from '../../../src/db';
import { LETTER_POLICY, seedPolissia, storeReceived } from './world';

const bin = path.resolve(__dirname, '../../../bin/ecspert.js');

describe('ecspert correspondence', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'correspondence-cli-'));
  const dataDir = path.join(dir, 'data');
  const passwords: Record<string, string> = {};
  const run = (args: string[], password?: string) => {
    const result = spawnSync(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        ECSPERT_DATA_DIR: dataDir,
        ECSPERT_FROM: 'sources',
        ...(password ? { ECSPERT_PASSWORD: password } : {}),
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
  };

  beforeAll(async () => {
    expect(run(['db', 'migrate']).status).toBe(0);
    const database = await openDatabase({ engine: 'pglite', dataDir: path.join(dataDir, 'db') });
    try {
      await seedPolissia(database);
      await storeReceived(database, LETTER_POLICY);
      passwords.olena = (
        await createUser(database, { login: 'olena', role: 'back_office' }, 'test')
      ).password;
      passwords.k = (
        await createUser(database, { login: 'k452', role: 'consultant', consultantCode: 'K-00452' }, 'test')
      ).password;
    } finally {
      await database.close();
    }
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('files, lists, shows and closes a thread', () => {
    expect(run(['correspondence', 'file'])).toMatchObject({ status: 0, stdout: '1 letter(s) filed' });
    const listed = run(['correspondence', 'list', '--state', 'waiting_for_us']);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(
      /^#1 waiting_for_us POLISSIA "Договір №PL-ACC-0000452: потрібна копія паспорта страхувальника" policy PL-ACC-0000452 consultant K-00452; 1 letter\(s\)/,
    );
    const shown = run(['correspondence', 'show', '1']);
    expect(shown.stdout).toContain('from i.hnatiuk@polissia.example');
    expect(shown.stdout).toContain('attachment 1: Запит.pdf (application/pdf');
    const refused = run(
      ['correspondence', 'state', '1', 'closed', '--by', 'k452', '--reason', 'x'],
      passwords.k,
    );
    expect(refused).toMatchObject({
      status: 1,
      stderr: 'ecspert: k452 (consultant) may not write to insurers',
    });
    const closed = run(
      ['correspondence', 'state', '1', 'closed', '--by', 'olena', '--reason', 'вирішено'],
      passwords.olena,
    );
    expect(closed.status).toBe(0);
    expect(closed.stdout).toMatch(/^#1 closed POLISSIA/);
    expect(
      run(['correspondence', 'state', '1', 'done', '--by', 'olena', '--reason', 'x'], passwords.olena).status,
    ).toBe(1);
  }, 240_000);
});
