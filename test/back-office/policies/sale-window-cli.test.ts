/**
 * The refusals of this change as a back-office user meets them on the command line (`node
 * bin/ecspert.js` on an embedded database): a product's sale window set with `product update`, an
 * application starting outside it refused in one line naming startOn and the window, and a company
 * whose ЄДРПОУ has a wrong check digit refused naming companyCode. Each exits 1 and stores nothing.
 */
import { taxNumberCheckDigit } from '../../../src/demo/names';
import { cliOnSeededBackOffice } from '../../support/cli';

const HOLDER = '284510231' + String(taxNumberCheckDigit('284510231'));

describe('ecspert product update / application enter / person add: sale window and ЄДРПОУ', () => {
  const { run } = cliOnSeededBackOffice('sale-window-cli');

  it('refuses an application outside the sale window set by product update, in one line', () => {
    const window = run(
      'product',
      'update',
      'DNIPRO_LIFE',
      'DL-SAV20',
      '--valid-from',
      '2026-02-01',
      '--valid-to',
      '2026-10-01',
      '--by',
      'olena',
      '--reason',
      'лист страховика',
    );
    expect(window.status).toBe(0);
    const enter = (start: string) =>
      run(
        'application',
        'enter',
        '--consultant',
        'K-00012',
        '--insurer',
        'DNIPRO_LIFE',
        '--product',
        'DL-SAV20',
        '--holder-tax-number',
        HOLDER,
        '--holder-name',
        'Шевченко Тарас',
        '--premium',
        '1000',
        '--sum-insured',
        '120000',
        '--frequency',
        '12',
        '--start',
        start,
        '--signed',
        '2026-01-10',
      );
    expect(enter('2026-10-01')).toMatchObject({
      status: 1,
      stderr:
        'ecspert: startOn: DNIPRO_LIFE sells DL-SAV20 from 2026-02-01 to 2026-09-30 (validTo 2026-10-01 is the first day it is not); 2026-10-01 is outside',
    });
    expect(run('application', 'list').stdout).toBe('page 1: 0 of 0');
    expect(enter('2026-09-30')).toMatchObject({ status: 0 });
  }, 240_000);

  it('refuses a company whose ЄДРПОУ has a wrong check digit, naming companyCode', () => {
    const wrong = run('person', 'add', '--name', 'ТОВ «Ромашка»', '--company-code', '14360571');
    expect(wrong).toMatchObject({
      status: 1,
      stderr: 'ecspert: companyCode: check digit is wrong: 1436057 gives 0, not 1 (ЄДРПОУ)',
    });
    const right = run('person', 'add', '--name', 'АТ КБ «ПриватБанк»', '--company-code', '14360570');
    expect(right.status).toBe(0);
  }, 120_000);
});
