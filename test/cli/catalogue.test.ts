/**
 * The catalogue commands as a user runs them (`node bin/ecspert.js …` in a child process, on an
 * embedded database of its own): sync an insurer from its adapter folder twice, list and show what
 * it holds, change a product, and a refusal in one line naming the field.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = path.resolve(__dirname, '../../bin/ecspert.js');

describe('ecspert insurer and product', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-catalogue-'));
  const ecspert = (...args: string[]) => {
    const result = spawnSync(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        ECSPERT_FROM: 'sources',
        HOME: os.tmpdir(),
        ECSPERT_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
  };

  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('syncs Karpaty from adapters/karpaty/catalogue.yaml, then says a second sync changes nothing', () => {
    expect(ecspert('db', 'migrate').status).toBe(0);
    const first = ecspert('insurer', 'sync', 'karpaty', '--by', 'olena');
    expect(first).toMatchObject({ status: 0, stderr: '' });
    expect(first.stdout.split('\n')).toEqual([
      'KARPATY from adapters/karpaty/catalogue.yaml:',
      '  insurer added',
      '  added: KASKO-STD, KASKO-PRM, PROP-HOME, ACC-FAM',
      '',
    ]);
    const second = ecspert('insurer', 'sync', 'KARPATY', '--by', 'olena');
    expect(second.stdout).toMatch(
      /nothing to change: the database already holds the insurer and its 4 products/,
    );

    const list = ecspert('insurer', 'list');
    expect(list.stdout).toBe('KARPATY\tactive\t21870998\tПрАТ «Карпати Страхування»\npage 1: 1 of 1\n');
    // Paged like every other list: the footer says where the rest is; bad options are refused as read.
    const firstTwo = ecspert('product', 'list', '--page-size', '2', '--sort', '-code');
    expect(firstTwo.stdout.split('\n').slice(-2)).toEqual(['page 1: 2 of 4; --page 2 for more', '']);
    expect(firstTwo.stdout).toMatch(/^KARPATY\tPROP-HOME\t/);
    const badSort = ecspert('product', 'list', '--sort', 'price');
    expect(badSort.status).toBe(1);
    expect(badSort.stdout).toBe('');
    expect(badSort.stderr).toMatch(/--sort <field>.*'price' is not one of code, -code, name/);

    const changed = ecspert(
      'product',
      'update',
      'KARPATY',
      'KASKO-STD',
      '--valid-to',
      '2026-07-01',
      '--by',
      'olena',
      '--reason',
      'withdrawn by the insurer',
    );
    expect(changed.stdout).toMatch(/^changed validTo: KARPATY\tKASKO-STD/);
    const sold = ecspert('product', 'list', '--insurer', 'KARPATY', '--as-of', '2026-08-01', '--json');
    expect(JSON.parse(sold.stdout).items.map((p: { code: string }) => p.code)).toEqual([
      'ACC-FAM',
      'KASKO-PRM',
      'PROP-HOME',
    ]);

    const refused = ecspert(
      'insurer',
      'add',
      'ARX',
      '--name',
      'АРКС',
      '--company-code',
      '12',
      '--by',
      'olena',
      '--reason',
      'x',
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe("ecspert: companyCode: '12' is not an ЄДРПОУ (8 digits)");
  }, 240_000);
});
