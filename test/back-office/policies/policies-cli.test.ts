/**
 * The README's commands for persons, applications and policies, run for real (`node bin/ecspert.js`)
 * on an embedded database: a person added, the same tax number refused in one line naming who has
 * it, a wrong check digit refused, an application entered for a holder found by tax number, listed,
 * shown and withdrawn, and the policy commands answering on an empty book.
 */
import { taxNumberCheckDigit } from '../../../src/demo/names';
import { cliOnSeededBackOffice } from '../../support/cli';

const HOLDER = '284510231' + String(taxNumberCheckDigit('284510231'));

describe('ecspert person / application / policy', () => {
  const { run } = cliOnSeededBackOffice('policies-cli');

  it('adds a person, refuses the same tax number naming who has it, and a wrong check digit', () => {
    const added = run(
      'person',
      'add',
      '--name',
      'Шевченко Тарас',
      '--tax-number',
      HOLDER,
      '--phone',
      '+380671234567',
    );
    expect(added).toMatchObject({ status: 0, stdout: `person 1: Шевченко Тарас (${HOLDER})` });
    const twin = run('person', 'add', '--name', 'Шевченко Т.', '--tax-number', HOLDER);
    expect(twin.status).toBe(1);
    expect(twin.stderr).toBe(`ecspert: taxNumber: ${HOLDER} belongs to person 1 (Шевченко Тарас) already`);
    const wrong = run('person', 'add', '--name', 'Франко Іван', '--tax-number', '2845102317');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe('ecspert: taxNumber: check digit is wrong: 284510231 gives 3, not 7 (РНОКПП)');
    const listed = run('person', 'list', '--search', 'шевч');
    expect(listed.stdout.split('\n')).toEqual([`1\t${HOLDER}\tindividual\tШевченко Тарас`, 'page 1: 1 of 1']);
  }, 120_000);

  it('enters an application, lists, shows and withdraws it', () => {
    const entered = run(
      'application',
      'enter',
      '--consultant',
      'K-00012',
      '--insurer',
      'DNIPRO_LIFE',
      '--product',
      'DL-SAV10',
      '--holder-tax-number',
      HOLDER,
      '--premium',
      '1000.50',
      '--sum-insured',
      '120000',
      '--frequency',
      '12',
      '--start',
      '2026-10-10',
      '--signed',
      '2026-10-01',
    );
    expect(entered).toMatchObject({
      status: 0,
      stdout: 'application W-2026-000001 (id 1): pending for the next DNIPRO_LIFE register',
    });
    const wrongProduct = run(
      'application',
      'enter',
      '--consultant',
      'K-00012',
      '--insurer',
      'DNIPRO_LIFE',
      '--product',
      'KASKO-STD',
      '--holder',
      '1',
      '--premium',
      '10',
      '--sum-insured',
      '10',
      '--frequency',
      '1',
      '--start',
      '2026-10-10',
      '--signed',
      '2026-10-01',
    );
    expect(wrongProduct).toMatchObject({
      status: 1,
      stderr: 'ecspert: product: DNIPRO_LIFE does not sell KASKO-STD (it is a product of KARPATY)',
    });
    expect(run('application', 'list', '--status', 'pending').stdout.split('\n')).toEqual([
      'W-2026-000001\tpending\tDNIPRO_LIFE DL-SAV10\tK-00012\tШевченко Тарас\t1000.50×12',
      'page 1: 1 of 1',
    ]);
    const shown = run('application', 'show', 'W-2026-000001', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      status: 'pending',
      premiumKop: 100050,
      enteredBy: 'olena',
    });
    expect(run('application', 'withdraw', '1', '--reason', 'клієнт передумав').stdout).toBe(
      'application W-2026-000001: withdrawn',
    );
    expect(run('application', 'withdraw', '1', '--reason', 'ще раз')).toMatchObject({
      status: 1,
      stderr:
        'ecspert: application W-2026-000001 is withdrawn already: only a pending application can be withdrawn',
    });
  }, 120_000);

  it('answers the policy commands, and names a policy that does not exist', () => {
    expect(run('policy', 'list', '--consultant', 'K-00012')).toMatchObject({
      status: 0,
      stdout: 'page 1: 0 of 0',
    });
    expect(run('policy', 'show', '42')).toMatchObject({
      status: 4,
      stderr: 'ecspert: policy 42 does not exist',
    });
    expect(run('policy', 'calendar', '42', '--as-of', '2026-02-31')).toMatchObject({
      status: 1,
      stderr: "ecspert: --as-of: '2026-02-31' is not a yyyy-mm-dd date",
    });
  }, 120_000);
});
