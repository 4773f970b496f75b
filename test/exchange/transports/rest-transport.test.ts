import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  fetchCommissionStatement,
  getBatchStatus,
  submitApplications,
} from '../../../adapters/karpaty/exchange';
import { RestTransport, TransportError, type RestTransportOptions } from '../../../src/exchange/transports';
import {
  KARPATY_SAMPLES_DIR,
  signatureProblem,
  signXml,
  startKarpatySandbox,
  type KarpatySandbox,
  type KarpatySandboxOptions,
} from '../../sandbox';

const partnerKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const batchSample = fs.readFileSync(path.join(KARPATY_SAMPLES_DIR, 'application-batch.xml'), 'utf8');

let sandbox: KarpatySandbox;
const transports: RestTransport[] = [];

async function start(overrides: Partial<KarpatySandboxOptions> = {}): Promise<void> {
  sandbox = await startKarpatySandbox({
    clientId: 'ag0042',
    clientSecret: 's3cret',
    partnerPublicKeyPem: partnerKeys.publicKey,
    today: () => '2026-10-05',
    ...overrides,
  });
}

function transport(overrides: Partial<RestTransportOptions> = {}): RestTransport {
  const t = new RestTransport({
    baseUrl: sandbox.url,
    clientId: 'ag0042',
    clientSecret: 's3cret',
    requestTimeoutMs: 5000,
    retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 1000 },
    ...overrides,
  });
  transports.push(t);
  return t;
}

function retryLog(): { warn: (obj: object) => void; entries: { attempt: number; delayMs: number }[] } {
  const entries: { attempt: number; delayMs: number }[] = [];
  return { entries, warn: (obj) => entries.push(obj as { attempt: number; delayMs: number }) };
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

/** Karpaty's calls as its adapter makes them: policies and payments as adapter.yaml says them. */
function karpaty(t: RestTransport) {
  return {
    fetchPayments: (from: string, to: string) =>
      t.request({ method: 'GET', path: '/payments', query: { from, to } }, `payments-${from}-${to}`),
    fetchCommissionStatement: (month: string) => fetchCommissionStatement(t, month),
    fetchPolicyPages: (changedSince: string) =>
      t.pages(
        { method: 'GET', path: '/policies', query: { changedSince } },
        { kind: 'page', param: 'page', totalPagesPath: 'PolicyPage.@pages' },
        'policies',
      ),
    submitApplications: (batch: Buffer) => submitApplications(t, batch),
    getBatchStatus: (batchId: string) => getBatchStatus(t, batchId),
  };
}

const apiCalls = () => sandbox.log.filter((l) => !l.path.endsWith('/oauth/token'));

afterEach(async () => {
  for (const t of transports.splice(0)) await t.close();
  await sandbox.close();
});

describe('REST transport against the sandbox Karpaty', () => {
  it('gets one token and reuses it across calls; a revoked token is renewed once', async () => {
    await start();
    const t = transport();
    const payments = await karpaty(t).fetchPayments('2026-10-01', '2026-10-31');
    const commission = await karpaty(t).fetchCommissionStatement('2026-10');
    await karpaty(t).fetchPolicyPages('2026-01-01T00:00:00+02:00');
    expect(sandbox.tokensIssued()).toBe(1);

    expect(payments.bytes.toString()).toContain(
      '<Payment policy="KR-KS-26-004411" paidOn="2026-10-07" amount="18200.00"',
    );
    expect(commission.bytes.toString()).toContain('premium="18200.00" ratePct="15.0" commission="2730.00"');
    expect(signatureProblem(payments.bytes.toString(), sandbox.insurerPublicKeyPem)).toBeNull();

    sandbox.revokeTokens();
    await karpaty(t).fetchPayments('2026-10-01', '2026-10-31');
    expect(sandbox.tokensIssued()).toBe(2);
    expect(apiCalls().map((c) => c.status)).toEqual([200, 200, 200, 401, 200]);
  });

  it('stops at once when the client credentials are refused', async () => {
    await start();
    const error = await failure(
      karpaty(transport({ clientSecret: 'wrong' })).fetchPayments('2026-10-01', '2026-10-31'),
    );
    expect(error.reason).toBe('connect');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('client credentials refused (HTTP 401)');
    expect(sandbox.log.map((l) => l.path)).toEqual(['/api/v2/oauth/token']);
  });

  it('collects every page of policy changes, each signed by the insurer', async () => {
    await start({ pageSize: 3, generatedPolicies: 5 });
    const pages = await karpaty(transport()).fetchPolicyPages('2026-11-01T00:00:00Z');
    expect(pages.map((p) => p.externalId)).toEqual(
      [1, 2, 3].map((n) => `GET /policies?changedSince=2026-11-01T00%3A00%3A00Z&page=${n}`),
    );
    const texts = pages.map((p) => p.bytes.toString('utf8'));
    expect(texts.map((x) => /pages="(\d+)"/.exec(x)?.[1])).toEqual(['3', '3', '3']);
    expect(texts.join('').match(/<Policy number=/g)).toHaveLength(8);
    for (const x of texts) expect(signatureProblem(x, sandbox.insurerPublicKeyPem)).toBeNull();
  });

  it('waits out a 429 for its Retry-After and then succeeds', async () => {
    await start();
    const t = transport();
    await karpaty(t).fetchPayments('2026-10-01', '2026-10-31');
    sandbox.force429(1, 1);
    const started = Date.now();
    const payments = await karpaty(t).fetchPayments('2026-10-01', '2026-10-31');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(payments.bytes.toString()).toContain('<PaymentList');
    expect(apiCalls().map((c) => c.status)).toEqual([200, 429, 200]);
  });

  it('keeps to the insurer rate limit when many calls go out at once', async () => {
    await start({ requestsPerSecond: 2 });
    const t = transport({ retry: { attempts: 8, baseDelayMs: 50, maxDelayMs: 1000 } });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => karpaty(t).fetchCommissionStatement('2026-10')),
    );
    expect(results.every((r) => r.bytes.toString().includes('<CommissionStatement'))).toBe(true);
    expect(apiCalls().filter((c) => c.status === 429).length).toBeGreaterThan(0);
    expect(apiCalls().filter((c) => c.status === 200)).toHaveLength(6);
  });

  it('gives up on a Retry-After longer than it may wait, leaving it to the scheduler', async () => {
    await start();
    sandbox.force429(1, 120);
    const error = await failure(
      karpaty(transport({ maxRetryAfterMs: 5000 })).fetchPayments('2026-10-01', '2026-10-31'),
    );
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
  });

  it('retries a 500 with growing backoff and then succeeds', async () => {
    await start();
    const log = retryLog();
    const t = transport({ logger: log });
    sandbox.forceStatus(2, 500);
    const started = Date.now();
    const statement = await karpaty(t).fetchCommissionStatement('2026-10');
    expect(statement.bytes.toString()).toContain('<CommissionStatement');
    expect(apiCalls().map((c) => c.status)).toEqual([500, 500, 200]);
    expect(log.entries.map((e) => e.attempt)).toEqual([1, 2]);
    expect(log.entries[0].delayMs).toBeGreaterThanOrEqual(25);
    expect(log.entries[1].delayMs).toBeGreaterThanOrEqual(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('surfaces a timeout as a clear transport error after bounded retries', async () => {
    await start();
    const log = retryLog();
    const t = transport({
      requestTimeoutMs: 300,
      retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
      logger: log,
    });
    await karpaty(t).fetchPayments('2026-10-01', '2026-10-31'); // token first, so only the API call is slow
    sandbox.delayNext(10, 3000);
    const started = Date.now();
    const error = await failure(karpaty(t).fetchPayments('2026-10-01', '2026-10-31'));
    const elapsed = Date.now() - started;
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe(
      `GET ${sandbox.url}/payments?from=2026-10-01&to=2026-10-31: no complete answer within 300 ms`,
    );
    expect(log.entries).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2900); // well short of the 3 s the server would have made us wait
  });

  it('retries one slow answer and gets the next one', async () => {
    await start();
    const t = transport({ requestTimeoutMs: 300 });
    await karpaty(t).fetchPayments('2026-10-01', '2026-10-31');
    sandbox.delayNext(1, 1500);
    const payments = await karpaty(t).fetchPayments('2026-10-01', '2026-10-31');
    expect(payments.bytes.toString()).toContain('<PaymentList');
  });

  it('sends a signed application batch and follows it to issued policies', async () => {
    await start();
    const t = transport();
    const testStarted = new Date(Date.now() - 1000).toISOString();
    const { batchId, receipt } = await karpaty(t).submitApplications(
      Buffer.from(signXml(batchSample, partnerKeys.privateKey)),
    );
    expect(batchId).toBe('B-000001');
    expect(signatureProblem(receipt.bytes.toString(), sandbox.insurerPublicKeyPem)).toBeNull();

    const first = (await karpaty(t).getBatchStatus(batchId)).bytes.toString();
    expect(first).toContain('<Item ref="A-2026-00017" status="accepted"/>');
    expect(first).toMatch(
      /<Item ref="A-2026-00018" status="rejected" reason="Страхова сума перевищує ліміт[^"]*"\/>/,
    );

    const second = (await karpaty(t).getBatchStatus(batchId)).bytes.toString();
    expect(second).toContain('<Item ref="A-2026-00017" status="issued" policy="KR-KS-26-000001"/>');

    const pages = await karpaty(t).fetchPolicyPages(testStarted);
    const page = pages[0].bytes.toString();
    expect(page).toContain(
      '<Policy number="KR-KS-26-000001" status="active" version="1"><ApplicationRef>A-2026-00017</ApplicationRef>',
    );
    expect(page).toContain('<Period start="2026-10-06" end="2027-10-05"/>');
    expect(page).not.toContain('KR-KS-26-004411');
  });

  it('is refused with SIGNATURE_INVALID for an unsigned or altered batch, and does not resend it', async () => {
    await start();
    const t = transport();
    const unsigned = await failure(karpaty(t).submitApplications(Buffer.from(batchSample)));
    expect(unsigned.status).toBe(400);
    expect(unsigned.retryable).toBe(false);
    expect(unsigned.details.body?.toString()).toContain(
      '<Error xmlns="urn:karpaty:partner:v2" code="SIGNATURE_INVALID">',
    );

    const altered = signXml(batchSample, partnerKeys.privateKey).replace('650000.00', '950000.00');
    const forged = await failure(karpaty(t).submitApplications(Buffer.from(altered)));
    expect(forged.message).toContain('SIGNATURE_INVALID');
    expect(apiCalls().map((c) => `${c.path} ${c.status}`)).toEqual([
      '/api/v2/applications 400',
      '/api/v2/applications 400',
    ]);
  });

  it('does not repeat a POST after a 500, because the insurer may have taken it', async () => {
    await start();
    sandbox.forceStatus(1, 500);
    const error = await failure(
      karpaty(transport()).submitApplications(Buffer.from(signXml(batchSample, partnerKeys.privateKey))),
    );
    expect(error.status).toBe(500);
    expect(apiCalls()).toHaveLength(1);
  });

  it('serves the tampered sample on demand, whose signature no longer holds', async () => {
    await start();
    sandbox.serveTampered();
    const [page] = await karpaty(transport()).fetchPolicyPages('2026-01-01T00:00:00Z');
    expect(page.bytes.equals(fs.readFileSync(path.join(KARPATY_SAMPLES_DIR, 'policies-tampered.xml')))).toBe(
      true,
    );
    expect(signatureProblem(page.bytes.toString(), sandbox.insurerPublicKeyPem)).toMatch(/does not match/);
  });
});
