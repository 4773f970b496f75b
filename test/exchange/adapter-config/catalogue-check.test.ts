/** `ecspert adapter check` also looks at the insurer's catalogue.yaml beside adapter.yaml. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkAdapter } from '../../../src/exchange/adapter-config';

const ROOT = path.resolve(__dirname, '../../..');

function adapterFolder(catalogue: string | null): string {
  const adapters = mkdtempSync(path.join(os.tmpdir(), 'adapters-'));
  mkdirSync(path.join(adapters, 'dl-copy'));
  writeFileSync(
    path.join(adapters, 'dl-copy/adapter.yaml'),
    readFileSync(path.join(ROOT, 'adapters/dnipro-life/adapter.yaml'), 'utf8'),
  );
  if (catalogue !== null) writeFileSync(path.join(adapters, 'dl-copy/catalogue.yaml'), catalogue);
  return adapters;
}

describe('adapter check and the catalogue', () => {
  const secretsDir = mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  const catalogueFindings = (adaptersDir: string) =>
    checkAdapter('dl-copy', { adaptersDir, secretsDir }).filter((f) => f.file.endsWith('catalogue.yaml'));

  it('mentions a missing catalogue as a warning', () => {
    expect(catalogueFindings(adapterFolder(null))).toEqual([
      {
        level: 'warning',
        file: expect.stringMatching(/dl-copy\/catalogue\.yaml$/),
        path: '',
        message: expect.stringMatching(/^no catalogue: .*ecspert insurer sync/),
      },
    ]);
  });

  it('reports a catalogue that does not match its schema, or names another insurer, with the path', () => {
    const real = readFileSync(path.join(ROOT, 'adapters/dnipro-life/catalogue.yaml'), 'utf8');
    expect(
      catalogueFindings(adapterFolder(real.replace('productGroup: term_life', 'productGroup: pets'))),
    ).toEqual([expect.objectContaining({ level: 'error', path: '/products/2/productGroup' })]);
    expect(catalogueFindings(adapterFolder(real.replace('code: DNIPRO_LIFE', 'code: KARPATY')))).toEqual([
      expect.objectContaining({ level: 'error', path: '/insurer/code' }),
    ]);
    expect(catalogueFindings(adapterFolder(real))).toEqual([]);
  });
});
