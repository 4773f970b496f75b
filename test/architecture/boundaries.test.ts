/**
 * The module boundaries of .dependency-cruiser.cjs hold over the whole code base (what
 * `npm run lint:deps` checks in CI), and each rule fires on an import that breaks it: probe files with
 * bad imports are written into the tree for one cruise, then removed.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
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

async function cruise(args: string[]): Promise<CruiseResult> {
  // depcruise exits non-zero when it finds errors; its JSON answer is on stdout either way.
  const result = await run(
    depcruise,
    ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...args],
    {
      cwd: root,
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
      // The same kind of import through the module's index.ts is allowed: the rule is not just noise.
      {
        file: `back-office/acts/${tag}-fine.ts`,
        source: "export { networkTree } from '../network';\n",
        rule: null,
      },
    ];

    let result: CruiseResult;
    beforeAll(async () => {
      for (const p of probes) fs.writeFileSync(path.join(root, p.file), p.source);
      try {
        result = await cruise(probes.map((p) => p.file));
      } finally {
        for (const p of probes) fs.rmSync(path.join(root, p.file), { force: true });
      }
    }, 180_000);

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
