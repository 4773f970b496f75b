/** Plan files: the default plan passes; a bad plan is refused with file, JSON path and reason. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { compileExpression } from '../../../back-office/compensation/expression';
import { fromDecimal, toPlainText } from '../../../back-office/compensation/exact';
import {
  checkPlanFile,
  DEFAULT_PLAN_PATH,
  loadPlanFile,
  PlanRefusedError,
} from '../../../back-office/compensation/plan';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-check-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes the default plan with one change applied to its parsed document. */
function variant(name: string, change: (doc: any) => void, asJson = false): string {
  const doc = YAML.parse(fs.readFileSync(DEFAULT_PLAN_PATH, 'utf8'));
  change(doc);
  const file = path.join(dir, name + (asJson ? '.json' : '.yaml'));
  fs.writeFileSync(file, asJson ? JSON.stringify(doc, null, 2) : YAML.stringify(doc));
  return file;
}

describe('plan check', () => {
  it('accepts the default plan with its five levels and two bonuses', () => {
    const result = checkPlanFile(DEFAULT_PLAN_PATH);
    expect(result.problems).toEqual([]);
    expect(result.plan).toMatchObject({
      code: 'UA-NETWORK',
      levels: ['CONSULTANT', 'SENIOR_CONSULTANT', 'MANAGER', 'SENIOR_MANAGER', 'DIRECTOR'],
      bonuses: ['FAST_START', 'LEADERSHIP'],
    });
    expect(result.plan!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['not valid: a required part is missing', (d: any) => delete d.levels, '/levels', 'is required'],
    [
      'not valid: a wrong kind of value',
      (d: any) => (d.rounding = 'nearest'),
      '/rounding',
      'must be one of half_up, half_even, down',
    ],
    [
      'not valid: an unknown setting',
      (d: any) => (d.structural.method2 = 1),
      '/structural/method2',
      'is not a known setting',
    ],
    [
      'an unknown level',
      (d: any) => (d.careers.qualifications[1].level = 'GENERAL'),
      '/careers/qualifications/1/level',
      "unknown level 'GENERAL'",
    ],
    [
      'an unknown level in a bonus',
      (d: any) => (d.bonuses[0].levels = ['AGENT']),
      '/bonuses/0/levels/0',
      "unknown level 'AGENT'",
    ],
    [
      'an unknown product',
      (d: any) => (d.points.products['DL-SAV99'] = { firstYear: 1, renewal: 1 }),
      '/points/products/DL-SAV99',
      "unknown product 'DL-SAV99'",
    ],
    [
      'a formula that does not parse',
      (d: any) => (d.bonuses[1].condition = 'groupVolume >= (50000'),
      '/bonuses/1/condition',
      'does not parse',
    ],
    [
      'a formula with an unknown name',
      (d: any) => (d.activity.condition = 'salesCount > 0'),
      '/activity/condition',
      "unknown name 'salesCount'",
    ],
    [
      'a formula reaching for code',
      (d: any) => (d.bonuses[0].base = 'process.exit(1)'),
      '/bonuses/0/base',
      'may be called',
    ],
    [
      'a condition that is a number',
      (d: any) => (d.careers.qualifications[0].promote = 'personalVolume * 2'),
      '/careers/qualifications/0/promote',
      'must be a condition',
    ],
    [
      'skipping unqualified uplines without saying who is qualified',
      (d: any) => {
        delete d.structural.qualification;
        d.structural.compression.skipUnqualified = true;
      },
      '/structural/compression/skipUnqualified',
      'needs structural.qualification',
    ],
    [
      'a structural qualification with an unknown name',
      (d: any) => (d.structural.qualification = { condition: 'rank >= 2' }),
      '/structural/qualification/condition',
      "unknown name 'rank'",
    ],
    [
      'a qualification window longer than a year',
      (d: any) => (d.careers.qualifications[2].window = 13),
      '/careers/qualifications/2/window',
      'must be <= 12',
    ],
    [
      'a rate with three decimals',
      (d: any) => (d.levels[0].personalRate = 30.125),
      '/levels/0/personalRate',
      'more than two decimal places',
    ],
  ])('refuses %s', (name, change, expectedPath, reason) => {
    const file = variant(name.replace(/\W+/g, '-'), change);
    const result = checkPlanFile(file);
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual({
      file,
      path: expectedPath,
      reason: expect.stringContaining(reason),
    });
    expect(() => loadPlanFile(file)).toThrow(PlanRefusedError);
  });

  it('names the file and path in the error message, for JSON plans too', () => {
    const file = variant('bad-json', (d) => (d.structural.generationOverride.fromLevel = 'BOSS'), true);
    expect(() => loadPlanFile(file)).toThrow(
      `${file}: /structural/generationOverride/fromLevel: unknown level 'BOSS'`,
    );
  });

  it('refuses broken YAML with the line', () => {
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, 'plan: X\nlevels: [a, b\n');
    const result = checkPlanFile(file);
    expect(result.problems[0]).toMatchObject({
      file,
      path: '',
      reason: expect.stringMatching(/not valid YAML at line \d/),
    });
  });
});

describe('expression language', () => {
  const names = ['personalVolume', 'groupVolume'];
  const value = (src: string, scope: Record<string, string> = {}) =>
    toPlainText(
      compileExpression(src, names).evaluate(
        Object.fromEntries(Object.entries(scope).map(([k, v]) => [k, fromDecimal(v)])),
      ) as any,
    );

  it('computes exactly where binary floats do not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(value('0.1 + 0.2')).toBe('0.3');
    expect(value('groupVolume * 1.15', { groupVolume: '1000.10' })).toBe('1150.115');
    expect(value('round(2.345, 2) + floor(-1.5) + ceil(1.2) + abs(-3) + max(1, 7, 3) - min(4, 2)')).toBe(
      '10.35',
    ); // 2.35 - 2 + 2 + 3 + 7 - 2;
    expect(
      value('personalVolume >= 2000 ? 5 : if(personalVolume > 0, 1, 0)', { personalVolume: '1999.99' }),
    ).toBe('1');
  });

  it('refuses what is not the language', () => {
    for (const bad of [
      'this',
      'a.b',
      'x[0]',
      '"text"',
      'eval("1")',
      'constructor',
      'personalVolume = 1',
      '(1, 2)',
    ]) {
      expect(() => compileExpression(bad, names)).toThrow();
    }
    expect(() =>
      compileExpression('personalVolume / 0', names).evaluate({ personalVolume: fromDecimal('1') }),
    ).toThrow('division by zero');
  });
});
