/**
 * The command line as a user runs it: `node bin/ecspert.js` in a child process, on an embedded
 * database in a temporary folder of its own, with stdout and stderr trimmed for comparing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db';
import { seedInsurersAndConsultants } from '../exchange/support/intermediary';

const bin = path.resolve(__dirname, '../../bin/ecspert.js');

export interface EmbeddedCli {
  /** The temporary folder; the database is in `dataDir`. */
  dir: string;
  /** ECSPERT_DATA_DIR of every run. */
  dataDir: string;
  run(...args: string[]): { status: number | null; stdout: string; stderr: string };
}

/**
 * For a describe block: the command line on a fresh embedded database, migrated (`ecspert db
 * migrate`) and holding the insurers, products and consultants another part of the back office keeps
 * (seedInsurersAndConsultants), as user `olena`. The folder is removed after the block.
 */
export function cliOnSeededBackOffice(prefix: string): EmbeddedCli {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const dataDir = path.join(dir, 'data');
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        ECSPERT_DATA_DIR: dataDir,
        ECSPERT_USER: 'olena',
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    expect(run('db', 'migrate').status).toBe(0);
    const database = await openDatabase({ engine: 'pglite', dataDir: path.join(dataDir, 'db') });
    try {
      await seedInsurersAndConsultants(database);
    } finally {
      await database.close();
    }
  }, 120_000);
  return { dir, dataDir, run };
}
