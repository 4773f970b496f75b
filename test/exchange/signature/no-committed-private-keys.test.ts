/**
 * No private key is ever part of the repository: a key anyone can read protects nothing, and a
 * certificate whose key is committed lets anyone sign as the insurer (issue 9, Karpaty sandbox key).
 * Sandbox keys are made at run time in the data folder or a temp folder.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../../..');
// Built from parts so this file does not match itself.
const PEM_PRIVATE_KEY = new RegExp(`-----BEGIN [A-Z0-9 ]*${'PRIVATE'} ${'KEY'}-----`);

/** Every file git would commit: tracked ones and new ones not ignored. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(out.toString('utf8').split('\0').filter(Boolean))].filter(
    (file) => !file.startsWith('node_modules'),
  );
}

describe('the repository holds no private key', () => {
  it('finds no PEM or OpenSSH private key in any file git would commit', () => {
    const files = repositoryFiles();
    expect(files.length).toBeGreaterThan(100);
    const holding: string[] = [];
    for (const file of files) {
      const full = path.join(ROOT, file);
      const stat = fs.lstatSync(full, { throwIfNoEntry: false });
      if (!stat?.isFile()) continue;
      if (PEM_PRIVATE_KEY.test(fs.readFileSync(full).toString('latin1'))) holding.push(file);
    }
    expect(holding).toEqual([]);
  });
});
