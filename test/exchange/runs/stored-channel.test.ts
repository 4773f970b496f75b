/**
 * Issue 11 item 8: an adapter with both an SFTP and a REST channel. What came over REST is stored
 * with channel `rest`, what came over SFTP with `sftp`: the message store records the channel the
 * message actually came over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { ExchangeDeps } from '../../../src/exchange/pipeline';
import { runExchange } from '../../../src/exchange/runs';
import { ensureSandboxSigningKey } from '../../../src/exchange/signature';
import {
  generateEd25519KeyPair,
  startKarpatySandbox,
  startSandboxSftpServer,
  type KarpatySandbox,
  type SandboxSftpServer,
} from '../../sandbox';
import { describeEachEngine } from '../../support/engines';
import { karpatyApplications, seedOnboarding } from './onboarding-fixture';

const projectRoot = path.resolve(__dirname, '../../..');

describeEachEngine('an adapter with both SFTP and REST channels', (ctx) => {
  let sandbox: KarpatySandbox;
  let sftpServer: SandboxSftpServer;
  let deps: ExchangeDeps;
  let tmp: string;

  beforeAll(async () => {
    await seedOnboarding(ctx.database, karpatyApplications);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'both-channels-'));
    const secretsDir = path.join(tmp, 'secrets');
    fs.mkdirSync(secretsDir);
    const keys = ensureSandboxSigningKey(secretsDir);
    sandbox = await startKarpatySandbox({
      clientId: 'ag-0042',
      clientSecret: 's3cret',
      partnerPublicKeyPem: fs.readFileSync(keys.publicKeyPath),
      today: () => '2026-10-06',
    });
    fs.writeFileSync(path.join(secretsDir, 'karpaty-insurer.crt'), sandbox.insurerPublicKeyPem);
    fs.writeFileSync(path.join(secretsDir, 'karpaty-client-id'), 'ag-0042');
    fs.writeFileSync(path.join(secretsDir, 'karpaty-client-secret'), 's3cret');

    // Karpaty also drops files in an SFTP folder: a payments file lands there.
    const clientKey = generateEd25519KeyPair();
    fs.writeFileSync(path.join(secretsDir, 'karpaty-sftp.key'), clientKey.private, { mode: 0o600 });
    const sftpRoot = path.join(tmp, 'sftp');
    fs.mkdirSync(path.join(sftpRoot, 'in'), { recursive: true });
    fs.mkdirSync(path.join(sftpRoot, 'out'), { recursive: true });
    sftpServer = await startSandboxSftpServer({ rootDir: sftpRoot, clientPublicKey: clientKey.public });
    const answer = fs.readFileSync(
      path.join(projectRoot, 'adapters/karpaty/__fixtures__/payments-2026-10.xml'),
    );
    fs.writeFileSync(path.join(sftpRoot, 'out', 'payments-sftp-20261006.xml'), answer);
    fs.writeFileSync(path.join(sftpRoot, 'out', 'payments-sftp-20261006.xml.done'), '');

    // The adapter folder: Karpaty's own adapter.yaml with an SFTP channel added, and its hooks.
    const adaptersDir = path.join(tmp, 'adapters');
    const folder = path.join(adaptersDir, 'karpaty');
    fs.mkdirSync(folder, { recursive: true });
    const adapter = YAML.parse(
      fs.readFileSync(path.join(projectRoot, 'adapters/karpaty/adapter.yaml'), 'utf8'),
    );
    adapter.channels.rest.baseUrl = sandbox.url;
    adapter.channels.rest.clientId = 'secret:karpaty-client-id';
    adapter.channels.sftp = {
      host: sftpServer.host,
      port: sftpServer.port,
      username: sftpServer.username,
      privateKey: 'secret:karpaty-sftp.key',
      hostKeySha256: sftpServer.hostKeySha256,
      paths: { in: '/in', out: '/out' },
    };
    fs.writeFileSync(path.join(folder, 'adapter.yaml'), YAML.stringify(adapter));
    for (const file of fs.readdirSync(path.join(projectRoot, 'adapters/karpaty'))) {
      if (/\.(ts|js)$/.test(file))
        fs.writeFileSync(
          path.join(folder, file.replace(/\.ts$/, '.js')),
          `module.exports = require(${JSON.stringify(path.join(projectRoot, 'adapters/karpaty', file))});\n`,
        );
    }
    deps = { database: ctx.database, secretsDir, adaptersDir };
  });

  afterAll(async () => {
    await sandbox?.close();
    await sftpServer?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('stores each message with the channel it came over', async () => {
    const report = await runExchange(deps, 'KARPATY', { today: '2026-10-06' });
    expect(report.receiveFailures).toEqual([]);
    const messages = await ctx.database.db
      .selectFrom('exchange_message')
      .select(['external_name', 'channel', 'direction'])
      .where('direction', '=', 'inbound')
      .orderBy('id')
      .execute();
    const channelOf = (name: RegExp) =>
      messages.filter((m) => name.test(m.external_name!)).map((m) => m.channel);
    expect(channelOf(/^payments-sftp-/)).toEqual(['sftp']);
    expect(channelOf(/^payments-(?!sftp)/)).toEqual(['rest']);
    expect(channelOf(/^policies-/).length).toBeGreaterThan(0);
    expect(new Set(channelOf(/^policies-/))).toEqual(new Set(['rest']));
    expect(new Set(channelOf(/^batch(es)?-/))).toEqual(new Set(['rest']));
  });
});
