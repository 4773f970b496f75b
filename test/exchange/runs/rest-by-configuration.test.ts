/**
 * Issue 11 item 3: an insurer whose REST API is ordinary is onboarded by adapter.yaml alone, with no
 * hook: an API key from the secrets folder, cursor paging, the items under `data`, and a `since`
 * taken from the last successful run. Against a real HTTP server (test/sandbox/json-api.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExchangeDeps } from '../../../src/exchange/pipeline';
import { ExchangeCursors, runExchange, sinceCursor } from '../../../src/exchange/runs';
import { type JsonApiSandbox, startJsonApiSandbox } from '../../sandbox';
import { describeEachEngine } from '../../support/engines';

const adapterYaml = (baseUrl: string) => `# A fourth insurer: a plain JSON API with an API key.
insurer: { code: NEWCO, name: ПрАТ «Нова Страхова», companyCode: '12345678' }
owner: integration team <integration@ecspert.example>
specVersion: '1'
channels:
  rest:
    baseUrl: ${baseUrl}
    auth: { apiKey: { key: secret:newco-api-key, in: header, name: X-Api-Key } }
messages:
  payments:
    direction: in
    request:
      method: GET
      path: /payments
      itemsPath: data
      since: { param: updated_since, format: datetime, initial: '2026-10-01T00:00:00Z' }
      paging: { cursor: { param: cursor, cursorPath: meta.next_cursor, sizeParam: limit, size: 2 } }
    format: json
    # Mapping these payments is not what this test is about: any mapping file will do.
    mapping: mappings/karpaty/payments.yaml
`;

describeEachEngine('an ordinary REST API by configuration alone', (ctx) => {
  let sandbox: JsonApiSandbox;
  let deps: ExchangeDeps;
  let tmp: string;
  let insurerId: number;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'newco-'));
    sandbox = await startJsonApiSandbox({
      keyIn: 'header',
      apiKey: 'newco-key-1',
      paging: 'cursor',
      records: [1, 2, 3].map((n) => ({
        id: `P-${n}`,
        updatedAt: `2026-10-0${n}T10:00:00Z`,
        amount: 100 * n,
      })),
    });
    const secretsDir = path.join(tmp, 'secrets');
    fs.mkdirSync(secretsDir);
    fs.writeFileSync(path.join(secretsDir, 'newco-api-key'), 'newco-key-1\n', { mode: 0o600 });
    const adaptersDir = path.join(tmp, 'adapters');
    fs.mkdirSync(path.join(adaptersDir, 'newco'), { recursive: true });
    fs.writeFileSync(path.join(adaptersDir, 'newco/adapter.yaml'), adapterYaml(sandbox.url));
    await ctx.database.db
      .insertInto('insurer')
      .values({
        code: 'NEWCO',
        name: 'ПрАТ «Нова Страхова»',
        company_code: '12345678',
        created_at: new Date(),
      })
      .execute();
    insurerId = Number(
      (
        await ctx.database.db
          .selectFrom('insurer')
          .select('id')
          .where('code', '=', 'NEWCO')
          .executeTakeFirstOrThrow()
      ).id,
    );
    deps = { database: ctx.database, secretsDir, adaptersDir };
  });

  afterAll(async () => {
    await sandbox?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const stored = () =>
    ctx.database.db
      .selectFrom('exchange_message as m')
      .innerJoin('insurer as i', 'i.id', 'm.insurer_id')
      .select(['m.external_name', 'm.channel', 'm.message_type'])
      .where('i.code', '=', 'NEWCO')
      .orderBy('m.id')
      .execute();
  const since = () => new ExchangeCursors(ctx.database, insurerId).get(sinceCursor('payments'));

  it('takes in every page, stored as rest messages of the type, and remembers when it ran', async () => {
    const before = new Date(Date.now() - 1000);
    const report = await runExchange(deps, 'NEWCO', { today: '2026-10-05' });
    expect(report.receiveFailures).toEqual([]);
    expect(sandbox.log.map((l) => l.query)).toEqual([
      { updated_since: '2026-10-01T00:00:00Z', limit: '2' },
      { updated_since: '2026-10-01T00:00:00Z', limit: '2', cursor: Buffer.from('2').toString('base64url') },
    ]);
    const messages = await stored();
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m).toMatchObject({ channel: 'rest', message_type: 'payments' });
      expect(m.external_name).toMatch(/^payments-\d{8}T\d{6}Z-p[12]\.json$/);
    }
    const cursor = await since();
    expect(Date.parse(cursor!)).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(Date.parse(cursor!)).toBeLessThanOrEqual(Date.now());
  });

  it('asks the next time only for what changed since the last successful run', async () => {
    const last = await since();
    sandbox.records.push({ id: 'P-4', updatedAt: new Date(Date.now() + 60_000).toISOString(), amount: 400 });
    sandbox.log.length = 0;
    const report = await runExchange(deps, 'NEWCO', { today: '2026-10-06' });
    expect(report.receiveFailures).toEqual([]);
    expect(sandbox.log.map((l) => l.query.updated_since)).toEqual([last]);
    expect(report.received.map((r) => r.name)).toHaveLength(1);
    expect((await stored()).length).toBe(3);
  });

  it('says in a dry run what it would fetch, from when, and asks the insurer nothing', async () => {
    const last = await since();
    sandbox.log.length = 0;
    const steps: string[] = [];
    await runExchange(deps, 'NEWCO', { dryRun: true, onStep: (l) => steps.push(l) });
    expect(steps).toContain(`would fetch payments: GET /payments changed since ${last}`);
    expect(sandbox.log).toEqual([]);
  });

  it('keeps its since when a pull fails, naming the message and the refusal', async () => {
    const last = await since();
    fs.writeFileSync(path.join(deps.secretsDir, 'newco-api-key'), 'revoked-key\n');
    const report = await runExchange(deps, 'NEWCO', { today: '2026-10-07' });
    expect(report.receiveFailures).toEqual([
      {
        name: 'payments over REST',
        error: expect.stringMatching(
          /GET .*\/payments\?.*API key refused \(HTTP 401, key sent in header X-Api-Key\)/,
        ),
      },
    ]);
    expect(report.receiveFailures[0].error).not.toContain('revoked-key');
    expect(await since()).toBe(last);
  });
});
