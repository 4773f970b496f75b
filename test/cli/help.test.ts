/**
 * `ecspert --help` answers without loading any command's module: the list of commands in
 * src/cli/main.ts stands in for them, so it must print exactly what the loaded commands print, and
 * the heavy libraries (database drivers, fastify, pdfkit, exceljs, bullmq…) stay unloaded. (The
 * time it takes is measured by `npm run bench:cli`, not here.)
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { buildProgram, COMMAND_LIST } from '../../src/cli/main';

const root = path.resolve(__dirname, '../..');

describe('ecspert --help', () => {
  it('lists every command with the same term and description as the command itself', () => {
    const light = buildProgram([]).helpInformation();
    const loaded = buildProgram([], { all: true }).helpInformation();
    expect(light).toBe(loaded);
    expect(COMMAND_LIST.map((c) => c.name)).toEqual(
      buildProgram([], { all: true }).commands.map((c) => c.name()),
    );
  });

  it('loads the area of the command asked for, and only that one', () => {
    const program = buildProgram(['period', 'calculate', '--help']);
    const period = program.commands.find((c) => c.name() === 'period')!;
    expect(period.commands.map((c) => c.name())).toContain('calculate');
    expect(program.commands.find((c) => c.name() === 'user')!.commands).toEqual([]);
    expect(
      buildProgram(['help', 'user'])
        .commands.find((c) => c.name() === 'user')!
        .commands.map((c) => c.name()),
    ).toContain('add');
  });

  it('loads none of the heavy libraries nor any command module', () => {
    // The sources, as the tests run them; the modules loaded are listed when the process exits.
    const script = `
      process.on('exit', () => {
        process.stderr.write(JSON.stringify(Object.keys(require.cache)));
      });
      require('./src/cli/main.ts').runCli(['node', 'ecspert', '--help']);
    `;
    const run = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: ecspert /);
    const loaded = JSON.parse(run.stderr) as string[];
    expect(loaded.some((f) => f.includes('/node_modules/commander/'))).toBe(true);
    const heavy = loaded.filter((f) =>
      /\/node_modules\/(pdfkit|exceljs|oracledb|bullmq|ioredis|fastify|pg|kysely|ssh2|@electric-sql|pino)\//.test(
        f,
      ),
    );
    expect(heavy).toEqual([]);
    expect(loaded.filter((f) => f.startsWith(path.join(root, 'src/cli/commands')))).toEqual([]);
    expect(loaded).toContain(path.join(root, 'src/cli/main.ts'));
  });
});
