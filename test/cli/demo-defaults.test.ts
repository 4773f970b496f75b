/**
 * The demo a newcomer meets is one demo: `ecspert demo seed` and `ecspert start` seed the same one
 * (they used to take different default seeds), and the sandbox insurers that `ecspert start` runs
 * never issue a policy number the demo already holds (they issued DL-2026-001001 and up, inside the
 * demo's own series).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { buildDemoData, DEFAULT_SEED } from '../../src/demo';
import { FIRST_POLICY_SEQUENCE } from '../sandbox/dnipro-life';

const bin = path.resolve(__dirname, '../../bin/ecspert.js');

describe('the demo', () => {
  it('demo seed takes by default the seed start takes', () => {
    const run = spawnSync(process.execPath, [bin, 'demo', 'seed', '--help'], {
      env: { PATH: process.env.PATH ?? '', ECSPERT_FROM: 'sources', HOME: os.tmpdir() },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    // `start` seeds with seedDemo's default, DEFAULT_SEED.
    expect(run.stdout.replace(/\s+/g, ' ')).toContain(`(default: "${DEFAULT_SEED}")`);
  });

  it.each([DEFAULT_SEED, 42])('seed %i: no policy number the sandbox insurers issue', (seed) => {
    const { policies } = buildDemoData({ seed });
    const sequence = (number: string) => Number(number.split('-').at(-1));
    const dnipro = policies.filter((p) => p.insurer === 'DNIPRO_LIFE').map((p) => p.number);
    const karpaty = policies.filter((p) => p.insurer === 'KARPATY').map((p) => p.number);
    expect(dnipro.length).toBeGreaterThan(300);
    expect(karpaty.length).toBeGreaterThan(300);
    // Dnipro Life's sandbox: DL-<year>-<FIRST_POLICY_SEQUENCE and up>, one a contract, for years of use.
    const sandboxDnipro = new Set<string>();
    for (const year of new Set(dnipro.map((n) => n.slice(3, 7))))
      for (let s = FIRST_POLICY_SEQUENCE; s < FIRST_POLICY_SEQUENCE + 100_000; s++)
        sandboxDnipro.add(`DL-${year}-${String(s).padStart(6, '0')}`);
    expect(dnipro.filter((n) => sandboxDnipro.has(n))).toEqual([]);
    // Karpaty's sandbox: KR-<line>-26-000001 and up as it issues, KR-KS-26-900001 and up generated.
    expect(karpaty.filter((n) => sequence(n) < 100_000 || sequence(n) > 900_000)).toEqual([]);
  });
});
