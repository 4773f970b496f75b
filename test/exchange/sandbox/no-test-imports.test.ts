/**
 * Production code never imports from test/: the sandbox the CLI starts lives in src/exchange/sandbox
 * and in adapter folders. `git grep` over everything that ships (src/, adapters/, bin/, back-office/,
 * migrations/) finds no import or require of a path into test/.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
/** An import, export … from, or require of a relative path into test/. */
const PATTERN = `(from|import|require\\()\\s*\\(?['"](\\.\\./)+test/`;

describe('production code and test/', () => {
  it('finds no import from test/ in src/, adapters/, bin/, back-office/ or migrations/', () => {
    const result = spawnSync(
      'git',
      ['grep', '-nE', PATTERN, '--', 'src', 'adapters', 'bin', 'back-office', 'migrations'],
      { cwd: root, encoding: 'utf8' },
    );
    // git grep exits 1 when nothing matches, 0 with matches; anything else is a failed search.
    expect([0, 1]).toContain(result.status);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([]);
  });

  it('recognises the imports the CLI used to have', () => {
    const pattern = new RegExp(PATTERN);
    expect(pattern.test(`import { runSandbox } from '../../../test/sandbox';`)).toBe(true);
    expect(pattern.test(`} from '../../test/sandbox';`)).toBe(true);
    expect(pattern.test(`const s = require('../../test/sandbox');`)).toBe(true);
    expect(pattern.test(`import { startInsurerSandbox } from './sandbox';`)).toBe(false);
  });
});
