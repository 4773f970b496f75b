/**
 * The README's network commands as a user runs them: `node bin/ecspert.js …` in a child process on an
 * embedded database; a refusal is one line naming the field, with exit code 1, and changes nothing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = path.resolve(__dirname, '../../bin/ecspert.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-network-'));

function ecspert(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      ECSPERT_FROM: 'sources',
      HOME: os.tmpdir(),
      ECSPERT_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

describe('ecspert unit / consultant / network', () => {
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('opens units, hires consultants and prints the tree as of a date', () => {
    expect(ecspert('db', 'migrate').status).toBe(0);
    expect(ecspert('unit', 'open', 'HQ', 'Головний офіс', '--on', '2026-01-01', '--by', 'hr').stdout).toBe(
      'unit HQ opened on 2026-01-01 under the top\n',
    );
    expect(
      ecspert('unit', 'open', 'KYIV', 'Київ', '--parent', 'HQ', '--on', '2026-01-01', '--by', 'hr').status,
    ).toBe(0);
    const hire = (code: string, tax: string, sponsor: string) =>
      ecspert(
        'consultant',
        'hire',
        code,
        `Консультант ${code}`,
        '--tax-number',
        tax,
        '--legal-form',
        'individual',
        '--sponsor',
        sponsor,
        '--unit',
        'KYIV',
        '--on',
        '2026-01-10',
        '--by',
        'hr',
      );
    expect(hire('A', '3184710691', '-').stdout).toBe(
      'consultant A hired on 2026-01-10 into KYIV under the top\n',
    );
    expect(hire('B', '1234567899', 'A').status).toBe(0);

    const wrong = hire('C', '1234567890', 'A');
    expect({ status: wrong.status, stderr: wrong.stderr }).toEqual({
      status: 1,
      stderr: 'ecspert: refused: taxNumber: check digit 0 is wrong (the first nine digits give 9)',
    });

    const tree = ecspert('network', 'tree', '--as-of', '2026-02-01');
    expect(tree.stdout.split('\n')).toEqual([
      'network on 2026-02-01: 2 consultants',
      'A  Консультант A  direct 1, total 1',
      '  B  Консультант B  direct 0, total 0',
      '',
    ]);
    expect(ecspert('network', 'tree', '--as-of', '2026-01-05').stdout).toBe(
      'network on 2026-01-05: 0 consultants\n',
    );
    expect(ecspert('unit', 'list', '--as-of', '2026-02-01').stdout).toMatch(
      /HQ {2}Головний офіс {2}manager - {2}consultants 0 \(with sub-units 2\)\n {2}KYIV {2}Київ {2}manager - {2}consultants 2 \(with sub-units 2\)/,
    );
    const card = JSON.parse(ecspert('consultant', 'show', 'B', '--as-of', '2026-02-01', '--json').stdout);
    expect(card).toMatchObject({ code: 'B', status: 'active', unit: { code: 'KYIV' } });
    expect(card.upline.map((u: { code: string }) => u.code)).toEqual(['A']);
  }, 300_000);
});
