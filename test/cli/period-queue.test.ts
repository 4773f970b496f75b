/**
 * `npx ecspert period calculate <yyyy-mm> --queue [--no-wait]`, as the README says, on an embedded
 * database: `--no-wait` leaves the job queued in the database; the next `--queue` finds that job (one
 * per period at a time), runs it in its own process while it waits, prints its stages and figures;
 * the period then shows as calculated, and a later request is a new job.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { cliOnSeededBackOffice } from '../support/cli';

const root = path.resolve(__dirname, '../..');

describe('npx ecspert period calculate --queue', () => {
  const cli = cliOnSeededBackOffice('period-queue');
  const npx = (...args: string[]) => {
    const result = spawnSync('npx', ['--no-install', 'ecspert', ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        npm_config_update_notifier: 'false',
        ECSPERT_DATA_DIR: cli.dataDir,
      },
      encoding: 'utf8',
      timeout: 180_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('queues without waiting, then runs that same job while waiting, with its stages; --preview does not go with --queue', () => {
    const queued = npx('period', 'calculate', '2026-03', '--queue', '--no-wait', '--by', 'olena');
    expect(queued.stderr).not.toMatch(/error/i);
    expect(queued.status).toBe(0);
    const id = /calculation queued as job ([0-9a-f-]{36})/.exec(queued.stdout)?.[1];
    expect(id).toBeDefined();
    expect(queued.stdout).toContain('it runs when `ecspert serve` or `ecspert worker` next runs');

    const waited = npx('period', 'calculate', '2026-03', '--queue');
    expect(waited.status).toBe(0);
    expect(waited.stdout).toContain(`a calculation is already queued: job ${id}`);
    expect(waited.stdout).toMatch(/^2026-03 run \d+: \d+ line\(s\)/m);
    expect(waited.stdout).toContain(`job ${id}:`);
    expect(waited.stdout).toContain('stages inputs → calculating → lines → contests');
    // Not a terminal: one line per stage as it completes.
    expect(waited.stderr).toMatch(/reading inputs \(payments\): \d+\/\d+/);

    const list = npx('period', 'list');
    expect(list.stdout).toMatch(/^2026-03 calculated/m);
    const again = npx('period', 'calculate', '2026-03', '--queue', '--no-wait');
    expect(again.stdout).toMatch(/calculation queued as job/);
    expect(again.stdout).not.toContain(id!);

    expect(npx('period', 'calculate', '2026-03', '--queue', '--preview').status).not.toBe(0);
  });
});
