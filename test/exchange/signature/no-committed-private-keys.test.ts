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

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'data', 'dist', 'coverage']);

/** Every file of the checkout outside dependencies and local data, where git is not at hand. */
function walk(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory() && SKIPPED_FOLDERS.has(entry.name)) return [];
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return walk(path.join(dir, entry.name), relative);
    return entry.isFile() ? [relative] : [];
  });
}

/** Every file git would commit: tracked ones and new ones not ignored. */
function repositoryFiles(): string[] {
  let listed: string;
  try {
    listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString('utf8');
  } catch {
    return walk(ROOT);
  }
  return [...new Set(listed.split('\0').filter(Boolean))].filter((file) => !file.startsWith('node_modules'));
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
