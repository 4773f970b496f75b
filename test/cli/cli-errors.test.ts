/** The CLI as a user meets it: bad configuration gives one line naming the setting, not a stack trace. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = path.resolve(__dirname, '../../bin/ecspert.js');

function ecspert(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ECSPERT_FROM: 'sources', HOME: os.tmpdir(), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

describe('ecspert with bad configuration', () => {
  it('an unknown DATABASE_URL scheme', () => {
    const run = ecspert(['db', 'migrate'], { DATABASE_URL: 'mysql://root@localhost/hub' });
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n')).toEqual([
      "ecspert: configuration error: DATABASE_URL: unknown scheme 'mysql:' in 'mysql://root@localhost/hub': use postgres://…, oracle://…, pglite:<folder>, or leave it unset for the embedded database",
    ]);
  });

  it('an unreachable database', () => {
    const run = ecspert(['db', 'migrate'], { DATABASE_URL: 'postgres://hub:secret@127.0.0.1:1/hub' });
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^ecspert: configuration error: DATABASE_URL: cannot connect to postgres:\/\/hub:\*\*\*@127\.0\.0\.1:1\/hub \(ECONNREFUSED/,
    );
  });

  it('an unwritable data folder', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-')), 'plain-file');
    fs.writeFileSync(file, '');
    const run = ecspert(['db', 'migrate'], { ECSPERT_DATA_DIR: file });
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^ecspert: configuration error: ECSPERT_DATA_DIR: the database folder .*plain-file\/db is not writable/,
    );
  });

  it('migrates an embedded database, and a second run changes nothing', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-'));
    const first = ecspert(['db', 'migrate'], { ECSPERT_DATA_DIR: dataDir });
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/applied 0001_core/);
    const second = ecspert(['db', 'migrate'], { ECSPERT_DATA_DIR: dataDir });
    expect(second.stdout).toMatch(/0 migration\(s\) applied, \d+ already in place/);
  });

  it('has --help on each command', () => {
    for (const args of [
      ['--help'],
      ['db', '--help'],
      ['db', 'migrate', '--help'],
      ['demo', 'seed', '--help'],
      ['serve', '--help'],
      ['start', '--help'],
    ]) {
      const run = ecspert(args, {});
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^Usage: ecspert/);
    }
  });
});
