/**
 * The module boundaries of .dependency-cruiser.cjs hold over the whole code base (what
 * `npm run lint:deps` checks in CI), and each rule fires on an import that breaks it: probe files with
 * bad imports are written into a copy of the tree for one cruise (never into the tree itself, where
 * the typecheck, the build test and other suites running beside this one would meet them).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const depcruise = path.join(root, 'node_modules', '.bin', 'depcruise');
const FOLDERS = ['src', 'back-office', 'bin', 'adapters', 'bench', 'migrations'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: { name: string }[];
}
interface CruiseResult {
  summary: { error: number; warn: number; violations: Violation[] };
}

async function cruise(args: string[], cwd = root): Promise<CruiseResult> {
  // depcruise exits non-zero when it finds errors; its JSON answer is on stdout either way.
  const result = await run(
    depcruise,
    ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...args],
    {
      cwd,
      maxBuffer: 256 * 1024 * 1024,
    },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    if (!error.stdout) throw new Error(`depcruise failed: ${error.stderr || error.message}`);
    return { stdout: error.stdout };
  });
  return JSON.parse(result.stdout) as CruiseResult;
}

const describeLine = (v: Violation) =>
  `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

describe('module boundaries', () => {
  it('the code base breaks no rule but the known violations listed in .dependency-cruiser-known-violations.json', async () => {
    const result = await cruise(['--ignore-known', '.dependency-cruiser-known-violations.json', ...FOLDERS]);
    const errors = result.summary.violations.filter((v) => v.rule.severity === 'error').map(describeLine);
    expect(errors).toEqual([]);
    expect(result.summary.error).toBe(0);
  }, 180_000);

  describe('each rule fires on an import that breaks it', () => {
    const tag = `__boundary-probe-${process.pid}`;
    const probes: { file: string; source: string; rule: string | null }[] = [
      {
        file: `src/exchange/${tag}.ts`,
        source: "export { calculatePeriod } from '../../back-office/compensation';\n",
        rule: 'exchange-below-back-office',
      },
      {
        file: `back-office/acts/${tag}.ts`,
        source: "export { networkTree } from '../network/views';\n",
        rule: 'back-office-through-index',
      },
      {
        file: `src/api/routes/${tag}.ts`,
        source: "export { listAccruals } from '../../../back-office/compensation/ledger';\n",
        rule: 'shells-through-index',
      },
      {
        file: `src/db/${tag}.ts`,
        source: "export { listMismatches } from '../exchange/reconciliation';\n",
        rule: 'db-is-the-bottom',
      },
      {
        file: `back-office/periods/${tag}.ts`,
        source: "export { exchangeRoutes } from '../../src/api/routes/exchange';\n",
        rule: 'back-office-below-shells',
      },
      {
        file: `src/jobs/${tag}.ts`,
        source: "export * from '../../adapters/karpaty/exchange';\n",
        rule: 'src-not-to-adapters',
      },
      {
        file: `src/log/${tag}.ts`,
        source: "export { describeEachEngine } from '../../test/support/engines';\n",
        rule: 'product-not-to-test',
      },
      {
        file: `back-office/contests/${tag}-a.ts`,
        source: `import { b } from './${tag}-b';\nexport const a = () => b;\n`,
        rule: 'no-circular',
      },
      {
        file: `back-office/contests/${tag}-b.ts`,
        source: `import { a } from './${tag}-a';\nexport const b = () => a;\n`,
        rule: 'no-circular',
      },
      {
        file: `src/exchange/${tag}-missing.ts`,
        source: "export * from './no-such-file';\n",
        rule: 'not-to-unresolvable',
      },
      {
        file: `back-office/policies/${tag}.ts`,
        source: "export { insertPerson } from '../../src/policy-records/persons';\n",
        rule: 'policy-records-through-index',
      },
      {
        file: `src/exchange/apply/${tag}.ts`,
        source: "export { insertPolicyVersions } from '../../policy-records/policies';\n",
        rule: 'policy-records-through-index',
      },
      {
        file: `src/policy-records/${tag}.ts`,
        source: "export { applyRecords } from '../exchange/apply';\n",
        rule: 'policy-records-is-core',
      },
      {
        file: `src/exchange/apply/${tag}-fine.ts`,
        source: "export { insertPolicyVersions } from '../../policy-records';\n",
        rule: null,
      },
      // The same kind of import through the module's index.ts is allowed: the rule is not just noise.
      {
        file: `back-office/acts/${tag}-fine.ts`,
        source: "export { networkTree } from '../network';\n",
        rule: null,
      },
    ];

    let result: CruiseResult;
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-boundaries-'));
    beforeAll(async () => {
      for (const entry of [
        ...FOLDERS,
        'test/support',
        '.dependency-cruiser.cjs',
        'tsconfig.json',
        'package.json',
      ])
        fs.cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
      for (const p of probes) fs.writeFileSync(path.join(copy, p.file), p.source);
      result = await cruise(
        probes.map((p) => p.file),
        copy,
      );
    }, 180_000);
    afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

    it.each(probes.map((p) => [p.file.replace(tag, '<probe>'), p] as const))('%s', (_name, probe) => {
      // A cycle is reported once, from one of its files, naming the others in `cycle`.
      const fired = result.summary.violations
        .filter((v) => v.from === probe.file || v.cycle?.some((c) => c.name === probe.file))
        .map((v) => v.rule.name);
      if (probe.rule === null) expect(fired).toEqual([]);
      else expect(fired).toContain(probe.rule);
    });
  });
});
