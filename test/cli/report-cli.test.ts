/**
 * `ecspert report` as an operator runs it, on the demo agency in an embedded database: the sales
 * report as JSON on stdout, as XLSX and PDF into files; a consultant's report; refusals name the fix.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

jest.setTimeout(600_000);
const bin = path.resolve(__dirname, '../../bin/ecspert.js');

describe('ecspert report', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-cli-'));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        ECSPERT_DATA_DIR: path.join(dir, 'data'),
        ECSPERT_USER: 'olena',
      },
      encoding: 'utf8',
      timeout: 300_000,
    });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints and writes the reports of the demo agency', () => {
    expect(run('db', 'migrate').status).toBe(0);
    expect(run('demo', 'seed').status).toBe(0);
    const json = run('report', 'sales', '--from', '2026-01', '--to', '2026-10', '--as-of', '2026-11-15');
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.title).toBe('Продажі');
    expect(report.totals.policies).toBeGreaterThan(100);
    const xlsx = path.join(dir, 'sales.xlsx');
    const written = run(
      'report',
      'sales',
      '--from',
      '2026-01',
      '--to',
      '2026-10',
      '--format',
      'xlsx',
      '--out',
      xlsx,
    );
    expect(written.status).toBe(0);
    expect(fs.readFileSync(xlsx).subarray(0, 2).toString()).toBe('PK');
    const pdf = path.join(dir, 'collections.pdf');
    expect(run('report', 'collections', '--format', 'pdf', '--out', pdf).status).toBe(0);
    expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const refused = run('report', 'sales', '--format', 'pdf');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('--out');
    const unknown = run('report', 'sales', '--unit', 'NO_SUCH');
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('no unit NO_SUCH');
    const needs = run('report', 'consultant');
    expect(needs.stderr).toContain('--consultant');
  });
});
