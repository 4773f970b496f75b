/** Issue 11 item 2: the SFTP completion convention is said in adapter.yaml and reaches the transport. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdapterConfigError, loadAdapter } from '../../../src/exchange/adapter-config';
import { sftpCompletion } from '../../../src/exchange/runs/channels';

const ROOT = path.join(__dirname, '../../..');
const dnipro = readFileSync(path.join(ROOT, 'adapters/dnipro-life/adapter.yaml'), 'utf8');

function adapterWith(completion: string): string {
  const adapters = mkdtempSync(path.join(os.tmpdir(), 'adapters-'));
  mkdirSync(path.join(adapters, 'newco'));
  writeFileSync(
    path.join(adapters, 'newco/adapter.yaml'),
    dnipro.replace(/ *# §Channel.*\n *doneMarkerSuffix: \.done\n/, completion),
  );
  return adapters;
}

const completionOf = (adapters: string) =>
  sftpCompletion(loadAdapter('newco', { adaptersDir: adapters }).channels.sftp!);

describe('SFTP completion in adapter.yaml', () => {
  it('is a .done marker when nothing is said, and the doneMarkerSuffix when that is', () => {
    expect(completionOf(adapterWith(''))).toEqual({ kind: 'marker', suffix: '.done' });
    expect(sftpCompletion(loadAdapter('DNIPRO_LIFE').channels.sftp!)).toEqual({
      kind: 'marker',
      suffix: '.done',
    });
  });

  it('reads marker, rename and stable conventions', () => {
    expect(completionOf(adapterWith('    completion: { marker: { suffix: .ok } }\n'))).toEqual({
      kind: 'marker',
      suffix: '.ok',
    });
    expect(completionOf(adapterWith('    completion: { rename: { suffix: .part } }\n'))).toEqual({
      kind: 'rename',
      suffix: '.part',
    });
    expect(completionOf(adapterWith('    completion: { rename: { prefix: tmp_ } }\n'))).toEqual({
      kind: 'rename',
      prefix: 'tmp_',
    });
    expect(completionOf(adapterWith('    completion: { stable: { seconds: 10 } }\n'))).toEqual({
      kind: 'stable',
      intervalMs: 10_000,
    });
  });

  it('refuses an unknown convention, a rename without a temporary name, and two ways at once', () => {
    const error = (text: string) => {
      try {
        loadAdapter('newco', { adaptersDir: adapterWith(text) });
      } catch (err) {
        return err as AdapterConfigError;
      }
      return null;
    };
    expect(error('    completion: { poll: {} }\n')?.message).toMatch(/\/channels\/sftp\/completion/);
    expect(error('    completion: { rename: {} }\n')?.message).toMatch(/\/channels\/sftp\/completion/);
    const both = error('    doneMarkerSuffix: .done\n    completion: { rename: { suffix: .part } }\n');
    expect(both).toBeInstanceOf(AdapterConfigError);
    expect(both!.jsonPath).toBe('/channels/sftp/doneMarkerSuffix');
  });
});
