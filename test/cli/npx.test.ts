/**
 * The README tells a user to run `npx ecspert …` in the project folder: run exactly that. npx starts
 * the bin through a link whose name is not `ecspert.js`, so the command line must not depend on
 * the name it was started by.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

function npx(args: string[]) {
  const result = spawnSync('npx', ['--no-install', 'ecspert', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), npm_config_update_notifier: 'false' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npx ecspert, as the README says', () => {
  it('--help lists the commands', () => {
    const run = npx(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: ecspert /m);
    for (const command of ['start', 'serve', 'worker', 'db', 'exchange', 'period', 'user', 'consultant'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('an unknown command is refused with its name and a non-zero exit', () => {
    const run = npx(['no-such-command']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('no-such-command');
  });
});
