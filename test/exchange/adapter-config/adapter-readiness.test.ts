/**
 * Issue 11 item 6: `adapter check` says "ready" only for message types that can actually be sent
 * or received, and names why not for the others.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adapterReadiness } from '../../../src/exchange/runs';
import { ensureSandboxSigningKey } from '../../../src/exchange/signature';

let tmp: string;
let secretsDir: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'readiness-'));
  secretsDir = path.join(tmp, 'secrets');
  const keys = ensureSandboxSigningKey(secretsDir);
  const publicPem = fs.readFileSync(keys.publicKeyPath, 'utf8');
  if (!fs.existsSync(path.join(secretsDir, 'intermediary-signing.crt')))
    fs.writeFileSync(path.join(secretsDir, 'intermediary-signing.crt'), publicPem);
  // A certificate of our own as Karpaty's (never the spec's, whose private key is public).
  fs.writeFileSync(path.join(secretsDir, 'karpaty-insurer.crt'), publicPem);
  fs.writeFileSync(path.join(secretsDir, 'karpaty-client-secret'), 's3cret\n', { mode: 0o600 });
  fs.writeFileSync(path.join(secretsDir, 'newco-api-key'), 'k\n', { mode: 0o600 });
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const byName = (r: ReturnType<typeof adapterReadiness>) =>
  Object.fromEntries(r.messages.map((m) => [m.name, m.ready ? 'ready' : m.reasons.join('; ')]));

describe('adapter check, per message type', () => {
  it('finds every Karpaty message type ready once its credentials are in place', () => {
    const result = adapterReadiness('KARPATY', { secretsDir, env: { KARPATY_CLIENT_ID: 'ag-0042' } });
    expect(result.findings.filter((f) => f.level === 'error')).toEqual([]);
    expect(byName(result)).toEqual({
      register: 'ready',
      'register-answer': 'ready',
      contracts: 'ready',
      payments: 'ready',
      commission: 'ready',
    });
  });

  it('says which message types of a REST-only adapter without a hook can never move, and why', () => {
    const adaptersDir = path.join(tmp, 'adapters');
    fs.mkdirSync(path.join(adaptersDir, 'newco'), { recursive: true });
    fs.writeFileSync(
      path.join(adaptersDir, 'newco/adapter.yaml'),
      `insurer: { code: NEWCO, name: Нова, companyCode: '12345678' }
owner: integration team
specVersion: '1'
channels:
  rest:
    baseUrl: https://api.newco.example/v1
    auth: { apiKey: { key: secret:newco-api-key, in: header, name: X-Api-Key } }
messages:
  register:
    direction: out
    request: { method: POST, path: /applications }
    format: csv
    formatOptions: { encoding: windows-1251, delimiter: ';', header: true, trailer: { label: Всього, sumColumn: Страховий платіж } }
    mapping: mappings/dnipro-life/register.yaml
  payments:
    direction: in
    request: { method: GET, path: /payments, itemsPath: data }
    format: csv
    formatOptions: { encoding: windows-1251, delimiter: ';', header: true }
    mapping: mappings/dnipro-life/payments.yaml
  commission:
    direction: in
    request: { method: GET, path: '/statements/{month}' }
    format: csv
    formatOptions: { encoding: windows-1251, delimiter: ';', header: true }
    mapping: mappings/dnipro-life/commission.yaml
`,
    );
    const result = adapterReadiness('newco', { secretsDir, adaptersDir });
    const status = byName(result);
    expect(status.payments).toBe('ready');
    expect(status.register).toMatch(
      /^cannot be sent: no channel delivers it \(add channels\.sftp, a request with answerIdPath, or a sendRegister hook/,
    );
    expect(status.commission).toMatch(
      /^cannot be received: GET \/statements\/\{month\} is not fetched by configuration .* no hook in .*newco\/exchange\.ts fetches it/,
    );
    expect(result.findings).toContainEqual(
      expect.objectContaining({ level: 'error', path: '/messages/register' }),
    );

    // A missing API key makes what comes over REST not ready, pointing at the key.
    const noKey = adapterReadiness('newco', { secretsDir: path.join(tmp, 'empty'), adaptersDir });
    expect(byName(noKey).payments).toBe('see /channels/rest/auth/apiKey/key');
  });
});
