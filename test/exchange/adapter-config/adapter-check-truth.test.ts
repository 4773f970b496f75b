/**
 * Issue 11 item 6: `adapter check` tells the truth. An OpenSSH-format private key, which SFTP logs
 * in with, is accepted (and a wrong passphrase is not); an outgoing message in a format the hub
 * cannot write is not ready, with the reason.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkAdapter } from '../../../src/exchange/adapter-config';
import { MemoryFetchedRegistry, SftpTransport } from '../../../src/exchange/transports';
import { startSandboxSftpServer } from '../../sandbox';

const ROOT = path.join(__dirname, '../../..');
const dnipro = fs.readFileSync(path.join(ROOT, 'adapters/dnipro-life/adapter.yaml'), 'utf8');
let tmp: string;
let secretsDir: string;
const mappingDir = path.join(ROOT, 'mappings', `test-adapter-check-${process.pid}`);

function adapter(text: string): string {
  const adaptersDir = path.join(tmp, `adapters-${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(path.join(adaptersDir, 'newco'), { recursive: true });
  fs.writeFileSync(path.join(adaptersDir, 'newco/adapter.yaml'), text);
  return adaptersDir;
}

/** An OpenSSH-format key as `ssh-keygen` writes it, optionally with a passphrase. */
function sshKeygen(name: string, passphrase = ''): { privateKey: string; publicKey: string } {
  const file = path.join(tmp, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', file]);
  return { privateKey: fs.readFileSync(file, 'utf8'), publicKey: fs.readFileSync(`${file}.pub`, 'utf8') };
}

const hasSshKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status !== undefined && (err as { status?: number }).status !== 127;
  }
})();
const withSshKeygen = hasSshKeygen ? it : it.skip;
if (!hasSshKeygen) console.log('ssh-keygen is not installed: the OpenSSH key tests are skipped');

const keyFindings = (adaptersDir: string) =>
  checkAdapter('newco', { secretsDir, adaptersDir }).filter((f) => f.path.startsWith('/channels/sftp'));

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'adapter-check-'));
  secretsDir = path.join(tmp, 'secrets');
  fs.mkdirSync(secretsDir);
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(mappingDir, { recursive: true, force: true });
});

describe('adapter check: SFTP keys as SFTP reads them', () => {
  withSshKeygen('accepts an OpenSSH private key that the SFTP transport logs in with', async () => {
    const key = sshKeygen('plain');
    expect(key.privateKey).toMatch(new RegExp(`^-----BEGIN OPENSSH ${'PRIVATE'} ${'KEY'}-----`));
    fs.writeFileSync(path.join(secretsDir, 'dnipro-life-sftp.key'), key.privateKey, { mode: 0o600 });
    expect(keyFindings(adapter(dnipro))).toEqual([]);

    // The same key logs in to a real SFTP server.
    const root = path.join(tmp, 'sftp-root');
    fs.mkdirSync(path.join(root, 'out'), { recursive: true });
    const server = await startSandboxSftpServer({ rootDir: root, clientPublicKey: key.publicKey });
    const sftp = new SftpTransport({
      host: server.host,
      port: server.port,
      username: server.username,
      privateKey: key.privateKey,
      hostKeySha256: server.hostKeySha256,
      registry: new MemoryFetchedRegistry(),
      connectTimeoutMs: 5000,
    });
    try {
      expect(await sftp.listNew()).toEqual([]);
    } finally {
      await sftp.close();
      await server.close();
    }
  });

  withSshKeygen('accepts an encrypted OpenSSH key with its passphrase, and names a wrong one', () => {
    const key = sshKeygen('encrypted', 'correct horse');
    fs.writeFileSync(path.join(secretsDir, 'newco-sftp.key'), key.privateKey, { mode: 0o600 });
    fs.writeFileSync(path.join(secretsDir, 'newco-sftp.pass'), 'correct horse\n', { mode: 0o600 });
    const text = dnipro.replace(
      'privateKey: secret:dnipro-life-sftp.key',
      'privateKey: secret:newco-sftp.key\n    passphrase: secret:newco-sftp.pass',
    );
    expect(keyFindings(adapter(text))).toEqual([]);

    fs.writeFileSync(path.join(secretsDir, 'newco-sftp.pass'), 'wrong\n', { mode: 0o600 });
    const wrong = keyFindings(adapter(text));
    expect(wrong).toEqual([
      expect.objectContaining({
        level: 'error',
        path: '/channels/sftp/privateKey',
        message: expect.stringMatching(
          /secret:newco-sftp\.key' is not a readable private key for SSH: .*passphrase/,
        ),
      }),
    ]);
  });

  it('still refuses what is no key at all, and a public key given as the private one', () => {
    fs.writeFileSync(path.join(secretsDir, 'dnipro-life-sftp.key'), 'not a key', { mode: 0o600 });
    expect(keyFindings(adapter(dnipro))).toEqual([
      expect.objectContaining({ level: 'error', path: '/channels/sftp/privateKey' }),
    ]);
    const pub = execFileSync('ssh-keygen', ['-y', '-f', path.join(tmp, 'plain')]).toString();
    fs.writeFileSync(path.join(secretsDir, 'dnipro-life-sftp.key'), pub, { mode: 0o600 });
    expect(keyFindings(adapter(dnipro))).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/public key, not a private one/) }),
    ]);
  });
});

describe('adapter check: an outgoing message the hub cannot write is not ready', () => {
  it('names the message and the reason for an outbound JSON register', () => {
    fs.mkdirSync(mappingDir, { recursive: true });
    const relative = path.relative(ROOT, mappingDir).split(path.sep).join('/');
    fs.writeFileSync(
      path.join(mappingDir, 'register.yaml'),
      fs
        .readFileSync(path.join(ROOT, 'mappings/karpaty/register.yaml'), 'utf8')
        .replace('extends: ./_codes.yaml', 'extends: ../karpaty/_codes.yaml\nformat: json'),
    );
    const text = fs
      .readFileSync(path.join(ROOT, 'adapters/karpaty/adapter.yaml'), 'utf8')
      .replace(
        /format: xml\n {4}mapping: mappings\/karpaty\/register\.yaml/,
        `format: json\n    mapping: ${relative}/register.yaml`,
      );
    expect(text).toContain(`${relative}/register.yaml`);
    const findings = checkAdapter('newco', { secretsDir, adaptersDir: adapter(text) });
    expect(findings).toContainEqual(
      expect.objectContaining({
        level: 'error',
        path: '/messages/register/format',
        message: expect.stringMatching(/cannot be sent: .*register\.yaml: outbound json is not supported/),
      }),
    );
    // Karpaty itself, in XML, has no such finding.
    const karpaty = checkAdapter('KARPATY', { secretsDir });
    expect(karpaty.filter((f) => f.path === '/messages/register/format')).toEqual([]);
  });
});
