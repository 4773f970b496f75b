/**
 * A Redis suite that cannot run must be reported as skipped with one line saying why, and fail under
 * CI=true; it must never count as passed. Runs the Redis suites in a child jest against a port where
 * nothing listens and reads its JSON report.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closedPort } from '../api/support/api-harness';

interface JestReport {
  success: boolean;
  testResults: {
    name: string;
    status: string;
    message: string;
    assertionResults: { fullName: string; status: string }[];
  }[];
}

const root = path.resolve(__dirname, '../..');
const suites = ['test/jobs/job-queue.test.ts', 'test/api/queue-probe.test.ts'];

function runWithoutRedis(port: number, ci: boolean): { report: JestReport; output: string } {
  const outputFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skips-')), 'report.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: `redis://127.0.0.1:${port}`,
    NODE_OPTIONS: '--experimental-vm-modules',
    CI: ci ? 'true' : '',
  };
  delete env.JEST_WORKER_ID;
  const result = spawnSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--maxWorkers=1', '--json', `--outputFile=${outputFile}`, ...suites],
    { cwd: root, env, encoding: 'utf8', timeout: 120_000 },
  );
  return {
    report: JSON.parse(fs.readFileSync(outputFile, 'utf8')) as JestReport,
    output: `${result.stdout}\n${result.stderr}`,
  };
}

const redisTests = (report: JestReport) =>
  report.testResults
    .flatMap((file) => file.assertionResults)
    .filter((test) => /BullMQ|real Redis/.test(test.fullName));

describe('Redis suites without Redis', () => {
  it('are reported as skipped, with one line saying why, and none as passed', async () => {
    const { report, output } = runWithoutRedis(await closedPort(), false);
    const tests = redisTests(report);
    expect(tests.length).toBeGreaterThanOrEqual(7);
    expect(tests.filter((test) => test.status === 'passed').map((test) => test.fullName)).toEqual([]);
    expect(new Set(tests.map((test) => test.status))).toEqual(new Set(['pending']));
    expect(output).toMatch(/BullMQ job queue suite skipped: no Redis answers at redis:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/queue probe suite skipped: no Redis answers at redis:\/\/127\.0\.0\.1:\d+/);
    // The suites that need no Redis still ran and passed.
    expect(
      report.testResults.flatMap((file) => file.assertionResults).some((t) => t.status === 'passed'),
    ).toBe(true);
  }, 150_000);

  it('fail the run under CI=true', async () => {
    const { report } = runWithoutRedis(await closedPort(), true);
    expect(report.success).toBe(false);
    const failedFiles = report.testResults.filter((file) => file.status === 'failed');
    expect(failedFiles.map((file) => path.relative(root, file.name)).sort()).toEqual([...suites].sort());
    expect(failedFiles.map((file) => file.message).join('\n')).toMatch(/CI=true but .* cannot run/);
    expect(redisTests(report).filter((test) => test.status === 'passed')).toEqual([]);
  }, 150_000);
});
