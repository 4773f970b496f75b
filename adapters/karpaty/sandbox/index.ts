/**
 * Sandbox Karpaty: a real HTTP server speaking Partner API v2 (OAuth2 client credentials, signed
 * XML, paged policies, 10 requests/s with 429 + Retry-After), with knobs to make it misbehave the
 * ways a real insurer does: rate limiting, server errors, slow answers, a tampered document.
 *
 * Underwriting rule (deterministic): an application with sum insured over 1 000 000.00 or an
 * unknown product is rejected; others are `accepted`, and `issued` with a policy number once the
 * batch status has been asked for `issueAfterPolls` times.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { hookSourceFolder, SANDBOX_CLIENT, type SandboxHook } from '../../../src/exchange/sandbox';
import { ensureSandboxSigningKey } from '../../../src/exchange/signature';
import { signatureProblem, signXml } from './xml-signature';

export { signXml, signatureProblem } from './xml-signature';

// The project's adapter folder, also when this hook runs from the build (which copies no fixtures).
export const KARPATY_SAMPLES_DIR = path.join(hookSourceFolder(__dirname), '..', '__fixtures__');
export const KARPATY_KEYS_DIR = path.join(hookSourceFolder(__dirname), 'keys');
/**
 * The sandbox certificate shipped with Karpaty's spec, which signed the spec's samples. Its private
 * key ships with the spec too, so anyone can sign with it: it serves to check the samples in tests,
 * and no adapter ever trusts it.
 */
export const KARPATY_SPEC_CERTIFICATE = path.join(KARPATY_KEYS_DIR, 'sandbox-insurer.crt');
const NS = 'urn:karpaty:partner:v2';

export interface KarpatySandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  clientId: string;
  clientSecret: string;
  /** The partner's registered certificate or public key (PEM); when set, application batches must be signed with it. */
  partnerPublicKeyPem?: string | Buffer;
  /**
   * Key the insurer signs its documents with (PEM); default a fresh RSA key made at start. Never the
   * spec's sandbox key: its private half is public, so nothing signed with it may be trusted.
   */
  insurerPrivateKeyPem?: string | Buffer;
  /** Token lifetime, default 3600 s. */
  tokenTtlSec?: number;
  /** default 10 */
  requestsPerSecond?: number;
  /** Policies per page, default 50. */
  pageSize?: number;
  /** Status polls a batch answers `accepted` before its items show `issued`; default 1. */
  issueAfterPolls?: number;
  /** Business date 'yyyy-mm-dd' for issued policies; default today (UTC). */
  today?: () => string;
  /** Extra synthetic policies beside the three sample ones, for paging. */
  generatedPolicies?: number;
}

export interface KarpatyPayment {
  policy: string;
  paidOn: string;
  /** Decimal text with a point, e.g. `18200.00`. */
  amount: string;
  policyYear: number;
}

interface StoredPolicy {
  number: string;
  productCode: string;
  changedAt: Date;
  xml: string;
}

interface BatchItem {
  ref: string;
  status: 'accepted' | 'rejected' | 'issued';
  reason?: string;
  policy?: string;
  pending?: Omit<StoredPolicy, 'changedAt' | 'number'> & { prefix: string };
}

export interface KarpatySandbox {
  /** API root to configure in the adapter, e.g. `http://127.0.0.1:41234/api/v2`. */
  url: string;
  port: number;
  /** Public key (SPKI PEM) of the key this sandbox signs with: what a test or the demo registers as Karpaty's. */
  insurerPublicKeyPem: string;
  /** Every request seen: method, path with query, status answered. */
  log: { method: string; path: string; status: number }[];
  tokensIssued(): number;
  /** The next `count` API calls get 429 with `Retry-After: retryAfterSec`. */
  force429(count: number, retryAfterSec?: number): void;
  /** The next `count` API calls get this status (default 500). */
  forceStatus(count: number, status?: number): void;
  /** The next `count` API calls wait `ms` before answering. */
  delayNext(count: number, ms: number): void;
  /** Page 1 of /policies becomes the spec's tampered sample (a premium changed after signing). */
  serveTampered(on?: boolean): void;
  /** Forgets every issued token, as after an insurer-side key rotation: the next call gets 401. */
  revokeTokens(): void;
  addPayment(payment: KarpatyPayment, productCode?: string): void;
  close(): Promise<void>;
}

const RATES_PCT_TENTHS: Record<string, number> = {
  'KASKO-STD': 150,
  'KASKO-PRM': 170,
  'PROP-HOME': 250,
  'ACC-FAM': 300,
};
const POLICY_PREFIX: Record<string, string> = {
  'KASKO-STD': 'KS',
  'KASKO-PRM': 'KS',
  'PROP-HOME': 'PH',
  'ACC-FAM': 'AF',
};
const LIMIT_KOPIYKY = 1_000_000_00;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function kopiyky(decimal: string): number | null {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(decimal.trim());
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0')) : null;
}

const decimal = (k: number) => `${Math.floor(k / 100)}.${String(k % 100).padStart(2, '0')}`;

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function samplePolicies(): StoredPolicy[] {
  const page = fs.readFileSync(path.join(KARPATY_SAMPLES_DIR, 'policies-page-1.xml'), 'utf8');
  return [...page.matchAll(/<Policy number="([^"]+)"[\s\S]*?<\/Policy>/g)].map((m) => ({
    number: m[1],
    productCode: /<Product code="([^"]+)"/.exec(m[0])![1],
    changedAt: new Date('2026-11-20T08:00:00Z'),
    xml: m[0],
  }));
}

function samplePayments(): KarpatyPayment[] {
  const list = fs.readFileSync(path.join(KARPATY_SAMPLES_DIR, 'payments-2026-10.xml'), 'utf8');
  return [
    ...list.matchAll(/<Payment policy="([^"]+)" paidOn="([^"]+)" amount="([^"]+)" policyYear="(\d+)"/g),
  ].map((m) => ({
    policy: m[1],
    paidOn: m[2],
    amount: m[3],
    policyYear: Number(m[4]),
  }));
}

function childText(el: Element, name: string): string | null {
  const found = el.getElementsByTagNameNS(NS, name)[0];
  return found ? (found.textContent ?? '').trim() : null;
}

function childAttr(el: Element, name: string, attr: string): string | null {
  const found = el.getElementsByTagNameNS(NS, name)[0];
  return found ? found.getAttribute(attr) : null;
}

export async function startKarpatySandbox(options: KarpatySandboxOptions): Promise<KarpatySandbox> {
  const insurerKey =
    options.insurerPrivateKeyPem ??
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
  const insurerPublicKeyPem = createPublicKey(insurerKey).export({ type: 'spki', format: 'pem' }).toString();
  const ttlMs = (options.tokenTtlSec ?? 3600) * 1000;
  const rps = options.requestsPerSecond ?? 10;
  const pageSize = options.pageSize ?? 50;
  const issueAfterPolls = options.issueAfterPolls ?? 1;
  const today = options.today ?? (() => new Date().toISOString().slice(0, 10));
  const tokens = new Map<string, number>();
  let tokensIssued = 0;
  const policies = samplePolicies();
  const products = new Map(policies.map((p) => [p.number, p.productCode]));
  for (let i = 1; i <= (options.generatedPolicies ?? 0); i++) {
    const number = `KR-KS-26-${String(900000 + i)}`;
    products.set(number, 'KASKO-STD');
    policies.push({
      number,
      productCode: 'KASKO-STD',
      changedAt: new Date('2026-11-21T08:00:00Z'),
      xml: `<Policy number="${number}" status="active" version="1"><Product code="KASKO-STD"/><Holder type="person"><FullName>Тестовий Страхувальник ${i}</FullName><TaxId>${String(3000000000 + i)}</TaxId></Holder><Period start="2026-11-21" end="2027-11-20"/><SumInsured currency="UAH">500000.00</SumInsured><Premium currency="UAH" frequency="annual">15000.00</Premium><Agent code="K-00031"/></Policy>`,
    });
  }
  const payments = samplePayments();
  const batches = new Map<string, { polls: number; items: BatchItem[] }>();
  let batchSeq = 0;
  let policySeq = 0;
  const requestTimes: number[] = [];
  const knobs = {
    force429: 0,
    retryAfterSec: 1,
    forceStatus: 0,
    status: 500,
    delayCount: 0,
    delayMs: 0,
    tampered: false,
  };
  const log: KarpatySandbox['log'] = [];
  const timers = new Set<NodeJS.Timeout>();

  const signed = (xml: string) => signXml(xml, insurerKey);
  const errorXml = (code: string, message: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error xmlns="${NS}" code="${code}">${esc(message)}</Error>`;

  function issue(item: BatchItem): void {
    if (item.status !== 'accepted' || !item.pending) return;
    const number = `KR-${item.pending.prefix}-26-${String(++policySeq).padStart(6, '0')}`;
    products.set(number, item.pending.productCode);
    policies.push({
      number,
      productCode: item.pending.productCode,
      changedAt: new Date(),
      xml: item.pending.xml.replace('__NUMBER__', number),
    });
    item.status = 'issued';
    item.policy = number;
    delete item.pending;
  }

  function receiveBatch(body: string): { status: number; xml: string } {
    if (/<!DOCTYPE/i.test(body))
      return { status: 400, xml: errorXml('MALFORMED', 'document type declarations are not accepted') };
    if (options.partnerPublicKeyPem) {
      const problem = signatureProblem(body, options.partnerPublicKeyPem);
      if (problem) return { status: 400, xml: errorXml('SIGNATURE_INVALID', problem) };
    }
    let root: Element;
    try {
      root = new DOMParser({
        onError: (level, msg) => {
          if (level !== 'warning') throw new Error(msg);
        },
      }).parseFromString(body, 'application/xml').documentElement!;
    } catch (err) {
      return { status: 400, xml: errorXml('MALFORMED', (err as Error).message) };
    }
    if (root.localName !== 'ApplicationBatch' || root.namespaceURI !== NS) {
      return {
        status: 400,
        xml: errorXml('MALFORMED', 'root element must be ApplicationBatch in urn:karpaty:partner:v2'),
      };
    }
    const items: BatchItem[] = [];
    const start = addDays(today(), 1);
    const end = addDays(`${Number(start.slice(0, 4)) + 1}${start.slice(4)}`, -1);
    for (const app of Array.from(root.getElementsByTagNameNS(NS, 'Application'))) {
      const ref = app.getAttribute('ref') ?? '';
      const productCode = childAttr(app, 'Product', 'code') ?? '';
      const sum = kopiyky(childText(app, 'SumInsured') ?? '');
      const premium = kopiyky(childText(app, 'Premium') ?? '');
      if (!(productCode in RATES_PCT_TENTHS)) {
        items.push({ ref, status: 'rejected', reason: `Невідомий продукт "${productCode}"` });
      } else if (sum === null || premium === null) {
        items.push({
          ref,
          status: 'rejected',
          reason: 'SumInsured і Premium мають бути сумами з десятковою крапкою',
        });
      } else if (sum > LIMIT_KOPIYKY) {
        items.push({
          ref,
          status: 'rejected',
          reason: 'Страхова сума перевищує ліміт андеррайтингу партнера 1000000.00 UAH',
        });
      } else {
        const holder = app.getElementsByTagNameNS(NS, 'Holder')[0];
        const xml =
          `<Policy number="__NUMBER__" status="active" version="1"><ApplicationRef>${esc(ref)}</ApplicationRef>` +
          `<Product code="${esc(productCode)}"/><Holder type="${esc(holder?.getAttribute('type') ?? 'person')}"><FullName>${esc(childText(app, 'FullName') ?? '')}</FullName><TaxId>${esc(childText(app, 'TaxId') ?? '')}</TaxId></Holder>` +
          `<Period start="${start}" end="${end}"/><SumInsured currency="UAH">${decimal(sum)}</SumInsured>` +
          `<Premium currency="UAH" frequency="${esc(childAttr(app, 'Premium', 'frequency') ?? 'annual')}">${decimal(premium)}</Premium>` +
          `<Agent code="${esc(childAttr(app, 'Agent', 'code') ?? '')}"/></Policy>`;
        items.push({
          ref,
          status: 'accepted',
          pending: { productCode, xml, prefix: POLICY_PREFIX[productCode] },
        });
      }
    }
    const batchId = `B-${String(++batchSeq).padStart(6, '0')}`;
    batches.set(batchId, { polls: 0, items });
    return { status: 202, xml: signed(`<BatchReceipt xmlns="${NS}" batchId="${batchId}"/>`) };
  }

  function route(method: string, url: URL, body: string): { status: number; xml: string } {
    const p = url.pathname.replace(/^\/api\/v2/, '');
    if (method === 'POST' && p === '/applications') return receiveBatch(body);
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/applications\/batches\/([^/]+)$/.exec(p))) {
      const batch = batches.get(decodeURIComponent(m[1]));
      if (!batch) return { status: 404, xml: errorXml('BATCH_NOT_FOUND', `no batch ${m[1]}`) };
      if (++batch.polls > issueAfterPolls) batch.items.forEach(issue);
      const items = batch.items
        .map(
          (i) =>
            `<Item ref="${esc(i.ref)}" status="${i.status}"${i.reason ? ` reason="${esc(i.reason)}"` : ''}${i.policy ? ` policy="${i.policy}"` : ''}/>`,
        )
        .join('');
      return {
        status: 200,
        xml: signed(`<BatchStatus xmlns="${NS}" batchId="${esc(m[1])}">${items}</BatchStatus>`),
      };
    }
    if (method === 'GET' && p === '/policies') {
      const since = Date.parse(url.searchParams.get('changedSince') ?? '');
      const page = Number(url.searchParams.get('page') ?? '1');
      if (Number.isNaN(since))
        return { status: 400, xml: errorXml('BAD_PARAMETER', 'changedSince must be an ISO-8601 moment') };
      if (knobs.tampered && page === 1)
        return {
          status: 200,
          xml: fs.readFileSync(path.join(KARPATY_SAMPLES_DIR, 'policies-tampered.xml'), 'utf8'),
        };
      const changed = policies.filter((x) => x.changedAt.getTime() >= since);
      const pages = Math.max(1, Math.ceil(changed.length / pageSize));
      if (!Number.isInteger(page) || page < 1 || page > pages)
        return {
          status: 404,
          xml: errorXml('PAGE_OUT_OF_RANGE', `page ${url.searchParams.get('page')} of ${pages}`),
        };
      const content = changed
        .slice((page - 1) * pageSize, page * pageSize)
        .map((x) => x.xml)
        .join('\n  ');
      return {
        status: 200,
        xml: signed(
          `<PolicyPage xmlns="${NS}" page="${page}" pages="${pages}">\n  ${content}\n</PolicyPage>`,
        ),
      };
    }
    if (method === 'GET' && p === '/payments') {
      const from = url.searchParams.get('from') ?? '';
      const to = url.searchParams.get('to') ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to)) {
        return { status: 400, xml: errorXml('BAD_PARAMETER', 'from and to must be yyyy-mm-dd') };
      }
      const rows = payments
        .filter((x) => x.paidOn >= from && x.paidOn <= to)
        .map(
          (x) =>
            `<Payment policy="${esc(x.policy)}" paidOn="${x.paidOn}" amount="${x.amount}" policyYear="${x.policyYear}"/>`,
        );
      return { status: 200, xml: signed(`<PaymentList xmlns="${NS}">${rows.join('')}</PaymentList>`) };
    }
    if (method === 'GET' && (m = /^\/commission-statements\/(\d{4}-\d{2})$/.exec(p))) {
      const month = m[1];
      const lines = payments
        .filter((x) => x.paidOn.startsWith(month))
        .map((x) => {
          const tenths = RATES_PCT_TENTHS[products.get(x.policy) ?? 'KASKO-STD'];
          const premium = kopiyky(x.amount) ?? 0;
          const commission = Math.floor((premium * tenths + 500) / 1000);
          return `<Line policy="${esc(x.policy)}" premium="${x.amount}" ratePct="${tenths / 10}.${tenths % 10}" commission="${decimal(commission)}"/>`;
        });
      return {
        status: 200,
        xml: signed(
          `<CommissionStatement xmlns="${NS}" month="${month}">${lines.join('')}</CommissionStatement>`,
        ),
      };
    }
    return {
      status: 404,
      xml: errorXml('NOT_FOUND', `${method} ${url.pathname} is not part of Partner API v2`),
    };
  }

  function token(req: http.IncomingMessage, body: string): { status: number; json: object } {
    const form = new URLSearchParams(body);
    if (req.headers['content-type']?.split(';')[0] !== 'application/x-www-form-urlencoded') {
      return {
        status: 400,
        json: { error: 'invalid_request', error_description: 'form-encoded body expected' },
      };
    }
    if (form.get('grant_type') !== 'client_credentials')
      return { status: 400, json: { error: 'unsupported_grant_type' } };
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) {
      return { status: 401, json: { error: 'invalid_client' } };
    }
    const accessToken = randomBytes(24).toString('base64url');
    tokens.set(accessToken, Date.now() + ttlMs);
    tokensIssued++;
    return {
      status: 200,
      json: { access_token: accessToken, token_type: 'Bearer', expires_in: ttlMs / 1000 },
    };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 5 * 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const method = req.method ?? 'GET';
      const send = (
        status: number,
        contentType: string,
        text: string,
        headers: Record<string, string> = {},
      ) => {
        log.push({ method, path: `${url.pathname}${url.search}`, status });
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': contentType, ...headers });
        res.end(text);
      };
      const xml = (status: number, text: string, headers?: Record<string, string>) =>
        send(status, 'application/xml; charset=utf-8', text, headers);
      const answer = () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (size > 5 * 1024 * 1024) return xml(413, errorXml('TOO_LARGE', 'body over 5 MiB'));
        if (method === 'POST' && url.pathname === '/api/v2/oauth/token') {
          const t = token(req, body);
          return send(t.status, 'application/json', JSON.stringify(t.json));
        }
        const now = Date.now();
        while (requestTimes.length > 0 && requestTimes[0] <= now - 1000) requestTimes.shift();
        const forced = knobs.force429 > 0;
        if (forced || requestTimes.length >= rps) {
          if (forced) knobs.force429--;
          const retryAfter = String(forced ? knobs.retryAfterSec : 1);
          return xml(429, errorXml('RATE_LIMITED', `more than ${rps} requests per second`), {
            'retry-after': retryAfter,
          });
        }
        requestTimes.push(now);
        const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
        const expiresAt = auth ? tokens.get(auth[1]) : undefined;
        if (expiresAt === undefined || expiresAt < now) {
          return xml(401, errorXml('UNAUTHORIZED', 'bearer token missing, unknown or expired'), {
            'www-authenticate': 'Bearer',
          });
        }
        if (knobs.forceStatus > 0) {
          knobs.forceStatus--;
          return xml(knobs.status, errorXml('INTERNAL', `sandbox forced HTTP ${knobs.status}`));
        }
        const result = route(method, url, body);
        xml(result.status, result.xml);
      };
      if (knobs.delayCount > 0 && url.pathname !== '/api/v2/oauth/token') {
        knobs.delayCount--;
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, knobs.delayMs);
        timers.add(timer);
      } else answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}/api/v2`,
    port,
    insurerPublicKeyPem,
    log,
    tokensIssued: () => tokensIssued,
    force429(count, retryAfterSec = 1) {
      knobs.force429 = count;
      knobs.retryAfterSec = retryAfterSec;
    },
    forceStatus(count, status = 500) {
      knobs.forceStatus = count;
      knobs.status = status;
    },
    delayNext(count, ms) {
      knobs.delayCount = count;
      knobs.delayMs = ms;
    },
    serveTampered(on = true) {
      knobs.tampered = on;
    },
    revokeTokens() {
      tokens.clear();
    },
    addPayment(payment, productCode) {
      payments.push(payment);
      if (productCode) products.set(payment.policy, productCode);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The Karpaty sandbox's signing key, made on first use in `workDir` (never in the repository):
 * `insurer-signing.key`, `.pub.pem` and, with openssl installed, a self-signed `.crt`.
 */
export function ensureKarpatySandboxKey(workDir: string): {
  privateKeyPem: string;
  /** The certificate when openssl could make one, else the public key file. */
  certificatePath: string;
  certificatePem: string;
} {
  const keys = ensureSandboxSigningKey(
    workDir,
    'insurer-signing',
    '/C=UA/O=Karpaty sandbox insurer (not for production)/CN=karpaty-sandbox',
  );
  const certificatePath = keys.certificatePath ?? keys.publicKeyPath;
  return {
    privateKeyPem: fs.readFileSync(keys.privateKeyPath, 'utf8'),
    certificatePath,
    certificatePem: fs.readFileSync(certificatePath, 'utf8'),
  };
}

/**
 * Karpaty's sandbox for `ecspert sandbox karpaty` and `exchange run karpaty --sandbox`: it signs
 * what it serves and checks the signature of what it receives, which configuration cannot say.
 * Its run-time certificate is registered in the sandbox secrets folder under the name
 * `signature.verifyWith` refers to, and it accepts batches signed with the sandbox signing key there.
 */
export const sandbox: SandboxHook = {
  async start(options) {
    const ref = options.adapter.signature?.verifyWith;
    if (!ref?.startsWith('secret:'))
      throw new Error(
        `${options.adapter.file}: signature.verifyWith must be secret:<name> for a sandbox run (it is '${ref ?? ''}')`,
      );
    const partner = ensureSandboxSigningKey(options.secretsDir);
    const insurerKey = ensureKarpatySandboxKey(options.workDir);
    fs.writeFileSync(
      path.join(options.secretsDir, path.basename(ref.slice('secret:'.length))),
      insurerKey.certificatePem,
    );
    const running = await startKarpatySandbox({
      ...SANDBOX_CLIENT,
      partnerPublicKeyPem: fs.readFileSync(partner.publicKeyPath),
      insurerPrivateKeyPem: insurerKey.privateKeyPem,
      port: options.port,
    });
    return {
      url: running.url,
      overrides: { rest: { baseUrl: running.url, ...SANDBOX_CLIENT } },
      lines: [
        `Karpaty sandbox (KARPATY) listening on ${running.url}`,
        `  OAuth2 token: POST ${running.url}/oauth/token with client_id=${SANDBOX_CLIENT.clientId} client_secret=${SANDBOX_CLIENT.clientSecret}`,
        `  insurer certificate to register (sandbox only, made on this machine): ${insurerKey.certificatePath}`,
        `  application batches must be signed with the sandbox key ${partner.privateKeyPath}`,
      ],
      close: () => running.close(),
    };
  },
};
