/**
 * A 0-byte file from the insurer (with its .done marker) through a real exchange run against the
 * sandbox SFTP server: stored once and quarantined with a reason a person can act on, not a library
 * error on every run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findMessage } from '../../../src/exchange/message-store';
import type { ExchangeDeps } from '../../../src/exchange/pipeline';
import { runExchange } from '../../../src/exchange/runs';
import { type DniproLifeSandbox, generateEd25519KeyPair, startDniproLifeSandbox } from '../../sandbox';
import { describeEachEngine } from '../../support/engines';
import { seedInsurersAndConsultants } from '../support/intermediary';

describeEachEngine('a 0-byte file on the Dnipro Life SFTP server', (ctx) => {
  let sandbox: DniproLifeSandbox;
  let rootDir: string;

  beforeAll(async () => {
    await seedInsurersAndConsultants(ctx.database);
  });

  afterAll(async () => {
    await sandbox?.close();
    if (rootDir) fs.rmSync(rootDir, { recursive: true, force: true });
  });

  it('is stored and quarantined once with a reason, and the next run does not meet it again', async () => {
    const keys = generateEd25519KeyPair();
    rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnipro-empty-'));
    sandbox = await startDniproLifeSandbox({
      rootDir,
      clientPublicKey: keys.public,
      today: () => '2026-11-02',
    });
    await sandbox.publishFile('PAYMENTS_202611.csv', Buffer.alloc(0));
    const overrides = {
      sftp: {
        host: sandbox.host,
        port: sandbox.port,
        username: sandbox.username,
        privateKey: keys.private,
        hostKeySha256: sandbox.hostKeySha256,
      },
    };
    const deps: ExchangeDeps = {
      database: ctx.database,
      secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')),
    };

    const first = await runExchange(deps, 'DNIPRO_LIFE', { overrides, today: '2026-11-02' });
    expect(first.receiveFailures).toEqual([]);
    expect(first.processed.map((p) => [p.file, p.status])).toEqual([['PAYMENTS_202611.csv', 'quarantined']]);
    expect(first.processed[0].errors).toEqual([
      expect.objectContaining({
        kind: 'parse',
        file: 'PAYMENTS_202611.csv',
        message: expect.stringMatching(/empty \(0 bytes\).*ask the insurer/),
      }),
    ]);
    const stored = await findMessage(ctx.database, first.processed[0].messageId);
    expect(stored?.status).toBe('quarantined');

    const second = await runExchange(deps, 'DNIPRO_LIFE', { overrides, today: '2026-11-02' });
    expect(second.receiveFailures).toEqual([]);
    expect(second.processed).toEqual([]);
  });
});
