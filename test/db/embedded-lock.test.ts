/**
 * The lock file of the embedded database (<folder>.lock): refused while its owner runs, taken over
 * when the owner is gone, even when its pid now belongs to another process or the file is half-written.
 * The two-process cases (serve + CLI, kill -9) are in test/cli/embedded-lock.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseLockedError, lockEmbeddedDatabase } from '../../src/db/dialects/pglite-lock';

describe('the embedded database lock file', () => {
  let folder: string;
  let lockFile: string;

  beforeEach(() => {
    folder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-lockfile-')), 'db');
    lockFile = `${folder}.lock`;
  });

  afterEach(() => {
    fs.rmSync(path.dirname(folder), { recursive: true, force: true });
  });

  it('holds the owner pid, refuses a second open while held, and is removed on release', () => {
    const lock = lockEmbeddedDatabase(folder);
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8'))).toMatchObject({
      pid: process.pid,
      host: os.hostname(),
    });
    // A second open, even in this process, would be a second PGlite on the same folder.
    expect(() => lockEmbeddedDatabase(folder)).toThrow(DatabaseLockedError);
    lock.note({ api: 'http://127.0.0.1:3000' });
    expect(() => lockEmbeddedDatabase(folder)).toThrow(/use its API at http:\/\/127\.0\.0\.1:3000/);
    lock.release();
    lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
    lockEmbeddedDatabase(folder).release();
  });

  it('takes over a lock whose pid was reused by another process', () => {
    // Our parent runs, but it started at another moment than the owner the file names.
    fs.writeFileSync(
      lockFile,
      JSON.stringify({
        pid: process.ppid,
        startTicks: 1,
        host: os.hostname(),
        command: 'ecspert start',
        since: '2026-01-01T00:00:00.000Z',
      }),
    );
    const lock = lockEmbeddedDatabase(folder);
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a half-written lock file', () => {
    fs.writeFileSync(lockFile, '{"pid": 12');
    const lock = lockEmbeddedDatabase(folder);
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(fs.readdirSync(path.dirname(folder))).toEqual([]);
  });
});
