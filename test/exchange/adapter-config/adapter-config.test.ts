import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AdapterConfigError,
  checkAdapter,
  loadAdapter,
  messageTypeForFile,
  resolveSecret,
} from '../../../src/exchange/adapter-config';
import { ensureSandboxSigningKey } from '../../../src/exchange/signature';
import { KARPATY_SPEC_CERTIFICATE } from '../../sandbox';

const ROOT = path.join(__dirname, '../../..');

describe('loadAdapter', () => {
  it('loads Dnipro Life by insurer code and by folder name', () => {
    const byCode = loadAdapter('DNIPRO_LIFE');
    expect(byCode.insurer).toEqual({
      code: 'DNIPRO_LIFE',
      name: 'ПрАТ «СК «Дніпро Життя»»',
      companyCode: '30115942',
    });
    expect(byCode.channels.sftp).toMatchObject({
      paths: { in: '/in', out: '/out' },
      doneMarkerSuffix: '.done',
      privateKey: 'secret:dnipro-life-sftp.key',
    });
    expect(loadAdapter('dnipro-life').file).toBe(byCode.file);
    expect(messageTypeForFile(byCode, 'CONTRACTS_20261002.csv')?.name).toBe('contracts');
    expect(messageTypeForFile(byCode, 'ACK_REG_AG0042_20261005_001.csv')?.name).toBe('register-answer');
    expect(messageTypeForFile(byCode, 'REG_AG0042_20261005_001.csv')).toBeNull();
  });

  it('names the file and JSON path of a bad value', () => {
    const adapters = mkdtempSync(path.join(os.tmpdir(), 'adapters-'));
    mkdirSync(path.join(adapters, 'broken'));
    const text = readFileSync(path.join(ROOT, 'adapters/dnipro-life/adapter.yaml'), 'utf8')
      .replace('port: 22', 'port: 99999')
      .replace('privateKey: secret:dnipro-life-sftp.key', 'privateKey: "-----BEGIN KEY-----"');
    writeFileSync(path.join(adapters, 'broken/adapter.yaml'), text);
    let error: AdapterConfigError | null = null;
    try {
      loadAdapter('broken', { adaptersDir: adapters });
    } catch (err) {
      error = err as AdapterConfigError;
    }
    expect(error).toBeInstanceOf(AdapterConfigError);
    expect(error!.file).toBe(path.join(adapters, 'broken/adapter.yaml'));
    expect(error!.message).toMatch(/\/channels\/sftp\/port: must be <= 65535/);
    expect(error!.message).toMatch(/\/channels\/sftp\/privateKey: must match pattern/);
  });

  it('refuses a bad cron pattern with its schedule name', () => {
    const adapters = mkdtempSync(path.join(os.tmpdir(), 'adapters-'));
    mkdirSync(path.join(adapters, 'cron'));
    writeFileSync(
      path.join(adapters, 'cron/adapter.yaml'),
      readFileSync(path.join(ROOT, 'adapters/dnipro-life/adapter.yaml'), 'utf8').replace(
        "fetch-out: '*/15 * * * *'",
        "fetch-out: '*/15 * * * 99'",
      ),
    );
    expect(() => loadAdapter('cron', { adaptersDir: adapters })).toThrow(/at \/schedules\/fetch-out/);
  });
});

describe('resolveSecret', () => {
  it('reads secret: from the secrets folder and env: from the environment, and nothing else', () => {
    const secrets = mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    writeFileSync(path.join(secrets, 'token'), 's3cret');
    expect(resolveSecret('secret:token', { secretsDir: secrets })).toBe('s3cret');
    expect(
      resolveSecret('env:KARPATY_CLIENT_ID', { secretsDir: secrets, env: { KARPATY_CLIENT_ID: 'ag0042' } }),
    ).toBe('ag0042');
    expect(() => resolveSecret('secret:../etc/passwd', { secretsDir: secrets })).toThrow(
      /not a valid reference/,
    );
    expect(() => resolveSecret('plain-password', { secretsDir: secrets })).toThrow(/not a reference/);
  });
});

describe('checkAdapter', () => {
  it('lists every missing credential, then nothing once they are in place', () => {
    const secrets = mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const before = checkAdapter('KARPATY', { secretsDir: secrets, env: {} });
    expect(before.map((f) => f.path).sort()).toEqual([
      '/channels/rest/clientId',
      '/channels/rest/clientSecret',
      '/signature/signCertificate',
      '/signature/signWith',
      '/signature/verifyWith',
    ]);
    expect(before.find((f) => f.path === '/signature/verifyWith')?.message).toMatch(
      /'secret:karpaty-insurer.crt' not found in the secrets folder.*register the insurer's production certificate/,
    );
    const keys = ensureSandboxSigningKey(secrets);
    if (!keys.certificatePath)
      copyFileSync(keys.publicKeyPath, path.join(secrets, 'intermediary-signing.crt'));
    writeFileSync(path.join(secrets, 'karpaty-client-secret'), 'x');
    // Karpaty's production certificate (here: a key made for the test).
    const karpaty = ensureSandboxSigningKey(mkdtempSync(path.join(os.tmpdir(), 'karpaty-')), 'insurer');
    copyFileSync(karpaty.certificatePath ?? karpaty.publicKeyPath, path.join(secrets, 'karpaty-insurer.crt'));
    expect(checkAdapter('KARPATY', { secretsDir: secrets, env: { KARPATY_CLIENT_ID: 'ag0042' } })).toEqual(
      [],
    );
  });

  it("refuses the spec's sandbox certificate as Karpaty's: its private key is public", () => {
    const secrets = mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    copyFileSync(KARPATY_SPEC_CERTIFICATE, path.join(secrets, 'karpaty-insurer.crt'));
    const findings = checkAdapter('KARPATY', { secretsDir: secrets, env: {} });
    expect(findings.find((f) => f.path === '/signature/verifyWith')).toMatchObject({
      level: 'error',
      message: expect.stringMatching(/sandbox certificate from Karpaty's spec.*anyone can sign/),
    });
  });

  it('checks Dnipro Life mappings and reports an unreadable SFTP key', () => {
    const secrets = mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    writeFileSync(path.join(secrets, 'dnipro-life-sftp.key'), 'not a key', { mode: 0o600 });
    const findings = checkAdapter('DNIPRO_LIFE', { secretsDir: secrets });
    expect(findings).toEqual([
      expect.objectContaining({
        level: 'error',
        path: '/channels/sftp/privateKey',
        message: expect.stringMatching(/not a readable private key/),
      }),
    ]);
  });

  it('reports a mapping that does not match its schema, naming the mapping file', () => {
    const adapters = mkdtempSync(path.join(os.tmpdir(), 'adapters-'));
    mkdirSync(path.join(adapters, 'bad-mapping'));
    writeFileSync(
      path.join(adapters, 'bad-mapping/adapter.yaml'),
      readFileSync(path.join(ROOT, 'adapters/dnipro-life/adapter.yaml'), 'utf8').replace(
        'mapping: mappings/dnipro-life/payments.yaml',
        'mapping: mappings/dnipro-life/no-such.yaml',
      ),
    );
    const secrets = mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const findings = checkAdapter('bad-mapping', { adaptersDir: adapters, secretsDir: secrets });
    expect(findings).toContainEqual(
      expect.objectContaining({
        level: 'error',
        file: expect.stringMatching(/no-such\.yaml$/),
        message: expect.stringMatching(/mapping file not found/),
      }),
    );
  });
});
