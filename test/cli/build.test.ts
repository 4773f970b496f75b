/**
 * The build that `npm install` / `npm ci` make (the `prepare` script) and the bin's choice between
 * it and the sources: the build runs only while no source is newer than it, so a developer never
 * runs stale code; and the built command line works on its own (migrations, the plan schema and
 * the default plan are found beside the compiled code).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildState } = require('../../bin/build-state.js') as {
  buildState(projectRoot?: string): { built: boolean; fresh: boolean; newer: string | null };
};

describe('which code the bin runs', () => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-build-state-'));
  const write = (file: string, text = '') => {
    fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    fs.writeFileSync(path.join(project, file), text);
  };
  const age = (file: string, seconds: number) => {
    const at = new Date(Date.now() - seconds * 1000);
    fs.utimesSync(path.join(project, file), at, at);
  };
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  it('the sources without a build, the build while nothing is newer, the sources once a file is', () => {
    for (const file of [
      'tsconfig.json',
      'src/cli/main.ts',
      'migrations/0001_core.ts',
      'schemas/plan.schema.json',
    ])
      write(file);
    write('src/cli/main.test.ts');
    for (const dir of ['src/cli', 'src', 'migrations', 'schemas', 'tsconfig.json', 'src/cli/main.ts'])
      age(dir, 60);
    age('migrations/0001_core.ts', 60);
    age('schemas/plan.schema.json', 60);
    expect(buildState(project)).toMatchObject({ built: false, fresh: false });

    const folders = ['src', 'src/cli', 'migrations', 'schemas'];
    write('dist/build-stamp.json', JSON.stringify({ startedAt: Date.now() - 30_000, folders }));
    // A test file is never built: newer or not, the build stays fresh.
    expect(buildState(project)).toMatchObject({ built: true, fresh: true });

    write('schemas/plan.schema.json', '{}');
    expect(buildState(project)).toEqual(
      expect.objectContaining({ fresh: false, newer: path.join('schemas', 'plan.schema.json') }),
    );
    age('schemas/plan.schema.json', 60);
    age('schemas', 60);
    expect(buildState(project).fresh).toBe(true);

    // A migration deleted since the build: its compiled copy must not run.
    fs.rmSync(path.join(project, 'migrations/0001_core.ts'));
    expect(buildState(project)).toEqual(expect.objectContaining({ fresh: false, newer: 'migrations' }));
  });
});

describe('npm run build (the prepare step of npm install and npm ci)', () => {
  // Built in a copy of the project, so that the other suites' commands never meet a half-made dist/.
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-project-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-built-'));
  beforeAll(() => {
    for (const entry of [
      'bin',
      'src',
      'back-office',
      'adapters',
      'mappings',
      'migrations',
      'schemas',
      'test/sandbox',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ])
      fs.cpSync(path.join(root, entry), path.join(project, entry), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'));
  });
  afterAll(() => {
    fs.rmSync(project, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const built = (...args: string[]) => {
    const result = spawnSync(process.execPath, [path.join(project, 'bin/ecspert.js'), ...args], {
      cwd: os.tmpdir(),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        ECSPERT_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        ECSPERT_FROM: 'build',
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
  };

  it('is what prepare runs, followed by the web application’s build', () => {
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.prepare).toBe(`${scripts.build} && ${scripts['build:web']}`);
  });

  it('builds dist/, and the built command line migrates, checks the default plan and reads the adapters', () => {
    const build = spawnSync(process.execPath, [path.join(project, 'bin/build.js')], {
      cwd: project,
      encoding: 'utf8',
      timeout: 400_000,
    });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    expect(build.stdout).toMatch(/^ecspert build: dist\/ in [\d.]+ s/m);
    expect(buildState(project)).toMatchObject({ built: true, fresh: true });

    const help = built('--help');
    expect(help).toMatchObject({ status: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: ecspert /);

    const migrated = built('db', 'migrate');
    expect(migrated.stderr).toBe('');
    expect(migrated.stdout).toMatch(/applied 0001_core/);

    const plan = built('plan', 'check', path.join(project, 'back-office/plans/default.plan.yaml'));
    expect(plan.stderr).toBe('');
    expect(JSON.parse(plan.stdout)).toMatchObject({ ok: true });

    // adapters/ and mappings/ are read from the project folder, not from the build's copies.
    const adapters = built('adapter', 'list');
    expect(adapters).toMatchObject({ status: 0, stderr: '' });
    expect(adapters.stdout.split('\n')).toEqual(expect.arrayContaining(['DNIPRO_LIFE', 'KARPATY']));
    const check = built('adapter', 'check', 'karpaty');
    expect(check.stdout).not.toMatch(/no adapter for insurer/);
    expect(check.stdout).toMatch(/^contracts \(received\): /m);
    const mapped = built(
      'mapping',
      'try',
      'dnipro-life',
      'contracts',
      path.join(project, 'adapters/dnipro-life/__fixtures__/CONTRACTS_20261002.csv'),
    );
    expect(mapped.stdout).toMatch(/^row 2: /m);
  }, 600_000);

  it('loads the sandbox hooks of adapters/ compiled, with no TypeScript loader, and starts them', () => {
    expect(buildState(project)).toMatchObject({ built: true, fresh: true });
    // Plain node on the built modules: a hook read as TypeScript would not even parse here.
    const script = `
      const { loadAdapter } = require('./dist/src/exchange/adapter-config');
      const { loadSandboxHook } = require('./dist/src/exchange/sandbox');
      (async () => {
        for (const insurer of ['karpaty', 'dnipro-life']) {
          const adapter = loadAdapter(insurer);
          const hook = loadSandboxHook(adapter);
          const started = await hook.start({
            adapter,
            workDir: require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'ecspert-built-sandbox-')),
            secretsDir: ${JSON.stringify(path.join(dataDir, 'secrets'))},
            publishFixtures: true,
          });
          console.log(insurer + ' ' + started.lines.join(' | '));
          await started.close();
        }
        const loaded = Object.keys(require.cache).filter((f) => f.includes('/adapters/'));
        console.log(JSON.stringify(loaded.map((f) => require('node:path').relative(process.cwd(), f))));
      })().catch((e) => { console.error(e.stack); process.exit(1); });
    `;
    fs.mkdirSync(path.join(dataDir, 'secrets'), { recursive: true });
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^karpaty .*listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(lines[1]).toMatch(/^dnipro-life .*sftp:\/\/.*127\.0\.0\.1:\d+/);
    // Its fixtures are read from the project's adapter folder: the build has no copy of them.
    expect(lines[1]).toMatch(/samples in \/out: .*CONTRACTS_20261002\.csv/);
    const loaded = JSON.parse(lines[2]) as string[];
    expect(loaded).toEqual(
      expect.arrayContaining([
        path.join('dist', 'adapters', 'karpaty', 'sandbox', 'index.js'),
        path.join('dist', 'adapters', 'dnipro-life', 'sandbox', 'index.js'),
      ]),
    );
    expect(loaded.filter((file) => file.endsWith('.ts'))).toEqual([]);
  }, 200_000);
});
