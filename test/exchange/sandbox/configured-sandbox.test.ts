/**
 * The generic sandbox (src/exchange/sandbox/configured.ts) made from an adapter that is neither of
 * ours: SFTP with a `.ok` marker and other folders, a REST API with the key in the query and page
 * numbers, an answer to an uploaded register that `__fixtures__/sandbox.yaml` asks for, and a POST
 * answered with an id where `answerIdPath` says. The adapter is written to a temporary adapters
 * folder, as an engineer would write it; real SFTP and HTTP clients talk to it. Then
 * `ecspert sandbox zahid-test --port N` listens on the port the user chose.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type InsurerSandbox, SANDBOX_API_KEY, startInsurerSandbox } from '../../../src/exchange/sandbox';
import { MemoryFetchedRegistry, SftpTransport } from '../../../src/exchange/transports';

const BOM = '\ufeff';
const adapterYaml = `
insurer: { code: POLISSIA, name: ПрАТ «Поліська Страхова», companyCode: '12345678' }
owner: integration team <integration@ecspert.example>
specVersion: '2'
channels:
  sftp:
    host: sftp.polissia.example
    username: pl-agent
    privateKey: secret:polissia.key
    paths: { in: /inbox, out: /outbox }
    completion: { marker: { suffix: .ok } }
  rest:
    baseUrl: https://api.polissia.example/partner/v2
    auth: { apiKey: { key: secret:polissia-key, in: query, name: api_key } }
messages:
  register:
    direction: out
    fileNamePattern: '^REG_\\d{8}\\.csv$'
    fileNameTemplate: 'REG_{yyyymmdd}.csv'
    format: csv
    mapping: mappings/dnipro-life/register.yaml
  applications:
    record: register
    direction: out
    request: { method: POST, path: /applications, answerIdPath: result.id }
    format: json
    mapping: mappings/dnipro-life/register.yaml
  contracts:
    direction: in
    fileNamePattern: '^CONTR_\\d{8}\\.csv$'
    format: csv
    mapping: mappings/dnipro-life/contracts.yaml
  policies:
    record: contracts
    direction: in
    request:
      method: GET
      path: /policies
      itemsPath: result.items
      since: { param: changed_since, format: datetime }
      paging: { page: { param: page, sizeParam: per_page, size: 2, totalPagesPath: result.pages } }
    format: json
    mapping: mappings/dnipro-life/contracts.yaml
`;

const policies = [1, 2, 3, 4, 5].map((n) => ({
  number: `ПЛ-${n}`,
  holder: 'Олійник Василь Степанович',
  changed_at: `2026-11-0${n}T10:00:00+02:00`,
}));

describe('the generic sandbox of an adapter that is configuration and fixtures only', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'generic-sandbox-'));
  const adaptersDir = path.join(tmp, 'adapters');
  const fixtures = path.join(adaptersDir, 'polissia', '__fixtures__');
  let sandbox: InsurerSandbox;

  beforeAll(async () => {
    fs.mkdirSync(fixtures, { recursive: true });
    fs.writeFileSync(path.join(adaptersDir, 'polissia', 'adapter.yaml'), adapterYaml);
    fs.writeFileSync(
      path.join(fixtures, 'CONTR_20261101.csv'),
      `${BOM}Поліс;Страхувальник\nПЛ-1;Олійник В. С.\n`,
    );
    fs.writeFileSync(path.join(fixtures, 'ACK_sample.csv'), `${BOM}Заява;Статус\nЗ-1;ПРИЙНЯТО\n`);
    fs.writeFileSync(path.join(fixtures, 'not-a-message.txt'), 'notes for engineers');
    fs.writeFileSync(
      path.join(fixtures, 'policies.json'),
      BOM + JSON.stringify({ result: { items: policies } }),
    );
    fs.writeFileSync(
      path.join(fixtures, 'sandbox.yaml'),
      "sftp:\n  answers:\n    register: { fixture: ACK_sample.csv, name: 'ACK_{stem}.csv' }\n",
    );
    sandbox = await startInsurerSandbox('polissia', { dataDir: path.join(tmp, 'data'), adaptersDir });
  });

  afterAll(async () => {
    await sandbox?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const sftp = () =>
    new SftpTransport({
      host: sandbox.overrides.sftp!.host!,
      port: sandbox.overrides.sftp!.port,
      username: sandbox.overrides.sftp!.username!,
      privateKey: sandbox.overrides.sftp!.privateKey!,
      hostKeySha256: sandbox.overrides.sftp!.hostKeySha256,
      pickupDir: '/outbox',
      dropDir: '/inbox',
      completion: { kind: 'marker', suffix: '.ok' },
      registry: new MemoryFetchedRegistry(),
    });

  it("puts the fixtures an incoming message matches in the insurer's folder, with the adapter's marker", async () => {
    expect(sandbox.url).toMatch(
      /^sftp:\/\/pl-agent@127\.0\.0\.1:\d+ http:\/\/127\.0\.0\.1:\d+\/partner\/v2$/,
    );
    const t = sftp();
    try {
      expect((await t.listNew()).map((i) => i.name)).toEqual(['CONTR_20261101.csv']);
    } finally {
      await t.close();
    }
    const outbox = path.join(tmp, 'data', 'sandbox', 'polissia', 'sftp-root', 'outbox');
    expect(fs.readdirSync(outbox).sort()).toEqual(['CONTR_20261101.csv', 'CONTR_20261101.csv.ok']);
  });

  it('keeps an uploaded register and answers it with the fixture sandbox.yaml names', async () => {
    const t = sftp();
    try {
      await t.put({ name: 'REG_20261110.csv', bytes: Buffer.from(`${BOM}Заява\nЗ-1\n`) });
      const inbox = path.join(tmp, 'data', 'sandbox', 'polissia', 'sftp-root', 'inbox');
      expect(fs.readFileSync(path.join(inbox, 'REG_20261110.csv'), 'utf8')).toContain('З-1');
      for (let i = 0; i < 50 && !(await t.listNew()).some((x) => x.name === 'ACK_REG_20261110.csv'); i++)
        await new Promise((r) => setTimeout(r, 100));
      const answer = (await t.listNew()).find((x) => x.name === 'ACK_REG_20261110.csv');
      expect(answer).toBeDefined();
      expect((await t.fetch(answer!)).bytes.toString('utf8')).toContain('ПРИЙНЯТО');
    } finally {
      await t.close();
    }
  });

  /** A call to the sandbox's REST side (its URL is the second of the two it listens on). */
  const rest = (pathAndQuery: string, init?: RequestInit) =>
    fetch(`${sandbox.url.split(' ')[1]}${pathAndQuery}`, init);

  it('refuses a call without the API key where the adapter sends it, and names the sandbox key', async () => {
    expect(sandbox.overrides.rest).toMatchObject({ apiKey: SANDBOX_API_KEY });
    expect((await rest('/policies')).status).toBe(401);
    expect((await rest('/policies?api_key=wrong')).status).toBe(401);
    expect(sandbox.lines).toContain(`  API key (query api_key): ${SANDBOX_API_KEY}`);
  });

  it('pages the fixture by page number with the page count where the adapter reads it, and filters by since', async () => {
    const page = async (query: string) =>
      (await (await rest(`/policies?api_key=${SANDBOX_API_KEY}&${query}`)).json()) as {
        result: { items: { number: string }[]; pages: number };
      };
    const first = await page('page=1&per_page=2');
    expect(first.result.pages).toBe(3);
    expect(first.result.items.map((p) => p.number)).toEqual(['ПЛ-1', 'ПЛ-2']);
    expect((await page('page=3&per_page=2')).result.items.map((p) => p.number)).toEqual(['ПЛ-5']);
    const since = await page(`page=1&per_page=2&changed_since=${encodeURIComponent('2026-11-04T07:00:00Z')}`);
    expect(since.result).toEqual({ items: [policies[3], policies[4]], pages: 1 });
  });

  it('accepts a configured POST and answers an id where answerIdPath says; an unconfigured call is 404', async () => {
    const posted = await rest(`/applications?api_key=${SANDBOX_API_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ applications: [{ number: 'З-1' }] }),
    });
    expect(posted.status).toBe(201);
    expect(((await posted.json()) as { result: { id: string } }).result.id).toBe('SBX-0001');
    const kept = path.join(tmp, 'data', 'sandbox', 'polissia', 'received', 'applications-SBX-0001');
    expect(JSON.parse(fs.readFileSync(kept, 'utf8'))).toEqual({ applications: [{ number: 'З-1' }] });
    const other = await rest(`/claims?api_key=${SANDBOX_API_KEY}`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { message: string }).message).toContain('GET /claims is not in');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('ecspert sandbox <insurer> --port N', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-cli-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('serves the example insurer on the port the user chose (REST on the next one) until Ctrl+C', async () => {
    const port = await freePort();
    // bin/ecspert.js itself (what `npx ecspert` runs), so that Ctrl+C reaches it rather than npx.
    const bin = path.resolve(__dirname, '../../../bin/ecspert.js');
    const child = spawn(process.execPath, [bin, 'sandbox', 'zahid-test', '--port', String(port)], {
      cwd: path.resolve(__dirname, '../../..'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        ECSPERT_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 600 && !out.includes('GET /payments'); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`(ZAHID_TEST) listening on sftp://zt-agency@127.0.0.1:${port}`);
      expect(out).toContain(`(ZAHID_TEST) listening on http://127.0.0.1:${port + 1}/v1`);
      expect(out).toContain('fixtures in /download: POLICIES_20261121.csv');
      const answer = await fetch(`http://127.0.0.1:${port + 1}/v1/payments`, {
        headers: { 'X-Api-Key': SANDBOX_API_KEY },
      });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { data: { id: string }[]; meta: { next_cursor: string | null } };
      // No `limit` asked: the adapter's page size, 2, and a cursor to the rest.
      expect(body.data.map((p) => p.id)).toEqual(['ПЛ-1001', 'ПЛ-1002']);
      expect(body.meta.next_cursor).toBeTruthy();
    } finally {
      child.kill('SIGINT');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    expect(await exited).toBe(0);
    clearTimeout(timer);
  }, 120_000);
});
