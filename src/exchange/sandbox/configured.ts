/**
 * The generic sandbox insurer: real servers made from an adapter's configuration and its fixture
 * files (`adapters/<insurer>/__fixtures__`), so an insurer onboarded by configuration is rehearsed
 * without code.
 *
 * - SFTP: the account root has the adapter's `paths.in` and `paths.out`; every fixture whose name
 *   matches an incoming message's `fileNamePattern` is put in `out` following the adapter's
 *   completion convention (a marker, a temporary name renamed into place, or nothing for `stable`).
 *   Uploads to `in` are kept; `__fixtures__/sandbox.yaml` may say how to answer them.
 * - REST: each incoming message's GET serves its fixture (`<message>.json` or as sandbox.yaml says)
 *   with the adapter's authentication (API key in header or query, or OAuth client credentials),
 *   its `since` filter and its paging (cursor or page number); outgoing POST/PUT are accepted and
 *   answered with an id at the message's `answerIdPath`.
 * - E-mail: an SMTP server for our mail and the intermediary's mailbox in a private Dovecot, with the
 *   fixture mails (`*.eml`) delivered once (./mail.ts); it needs Dovecot installed.
 *
 * `__fixtures__/sandbox.yaml` (all optional):
 * ```yaml
 * sftp:
 *   publish: [CONTRACTS_20261102.csv]          # default: every fixture an incoming message matches
 *   answers:                                   # an upload of an outgoing message gets a fixture back
 *     register: { fixture: ACK_sample.csv, name: 'ACK_{name}' }   # {name}: the upload's name
 * rest:
 *   payments: { fixture: payments.json, sinceField: updated_at }  # default <message>.json, updated_at
 * email:
 *   publish: [bordereau-2026-10.eml]           # default: every *.eml that replies to nothing
 * ```
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { LoadedAdapter, MessageTypeConfig, SftpChannel } from '../adapter-config';
import type { ChannelOverrides } from '../runs';
import { ensureKeyPair } from './keys';
import { fixturesDir, readSandboxConfig, type SandboxFixtureConfig } from './fixtures';
import { startMailSandbox } from './mail';
import { startSandboxSftpServer } from './sftp-server';
import type { SandboxStartOptions, StartedSandbox } from './types';

export { fixturesDir, readSandboxConfig, type SandboxFixtureConfig } from './fixtures';

/** The API key and OAuth client the generic sandbox accepts; a sandbox run is given them. */
export const SANDBOX_API_KEY = 'sandbox-api-key';
export const SANDBOX_CLIENT = { clientId: 'sandbox-partner', clientSecret: 'sandbox-secret' };

function fixture(adapter: LoadedAdapter, name: string, what: string): Buffer {
  const file = path.join(fixturesDir(adapter), path.basename(name));
  if (!fs.existsSync(file)) throw new Error(`${what}: fixture ${file} does not exist`);
  return fs.readFileSync(file);
}

export async function startConfiguredSandbox(options: SandboxStartOptions): Promise<StartedSandbox> {
  const { adapter } = options;
  const config = readSandboxConfig(adapter);
  const parts: StartedSandbox[] = [];
  try {
    if (adapter.channels.sftp) parts.push(await startSftp(options, adapter.channels.sftp, config));
    if (adapter.channels.rest) {
      const port = options.port && adapter.channels.sftp ? options.port + 1 : options.port;
      parts.push(await startRest({ ...options, port }, config));
    }
    if (adapter.channels.email) {
      // SMTP on `port` and IMAP on the next one, after whatever SFTP and REST took.
      const taken = (adapter.channels.sftp ? 1 : 0) + (adapter.channels.rest ? 1 : 0);
      parts.push(
        await startMailSandbox({ ...options, port: options.port ? options.port + taken : options.port }),
      );
    }
  } catch (e) {
    for (const p of parts) await p.close();
    throw e;
  }
  if (parts.length === 0)
    throw new Error(
      `${adapter.file}: no SFTP, REST or e-mail channel, so there is nothing a sandbox could serve`,
    );
  return {
    url: parts.map((p) => p.url).join(' '),
    overrides: Object.assign({}, ...parts.map((p) => p.overrides)) as ChannelOverrides,
    lines: parts.flatMap((p) => p.lines),
    idle: async () => {
      for (const p of parts) await p.idle?.();
    },
    close: async () => {
      for (const p of parts) await p.close();
    },
  };
}

/** The names a completed file and its in-progress form have under a completion convention. */
function publishSteps(channel: SftpChannel, name: string): { temp: string | null; marker: string | null } {
  const c = channel.completion;
  if (c && 'rename' in c)
    return { temp: `${c.rename.prefix ?? ''}${name}${c.rename.suffix ?? ''}`, marker: null };
  if (c && 'stable' in c) return { temp: null, marker: null };
  const suffix = c && 'marker' in c ? c.marker.suffix : (channel.doneMarkerSuffix ?? '.done');
  return { temp: null, marker: `${name}${suffix}` };
}

function incomingOverSftp(adapter: LoadedAdapter): [string, MessageTypeConfig][] {
  return Object.entries(adapter.messages).filter(
    ([, m]) => m.direction === 'in' && m.fileNamePattern && (!m.request || !adapter.channels.rest),
  );
}

async function startSftp(
  options: SandboxStartOptions,
  channel: SftpChannel,
  config: SandboxFixtureConfig,
): Promise<StartedSandbox> {
  const { adapter, workDir } = options;
  const rootDir = path.join(workDir, 'sftp-root');
  const local = (remote: string) => path.join(rootDir, ...remote.split('/').filter(Boolean));
  const inDir = local(channel.paths.in);
  const outDir = local(channel.paths.out);
  fs.mkdirSync(inDir, { recursive: true });
  fs.mkdirSync(outDir, { recursive: true });
  // Answers to uploads, when sandbox.yaml says how: the named fixture goes back under a name made from the upload's.
  const answers = Object.entries(config.sftp?.answers ?? {}).map(([message, answer]) => {
    const m = adapter.messages[message];
    if (!m || m.direction !== 'out' || !m.fileNamePattern)
      throw new Error(
        `${path.join(fixturesDir(adapter), 'sandbox.yaml')}: sftp.answers.${message} is not an outgoing message with a fileNamePattern in ${adapter.file}`,
      );
    // Read now, so a missing fixture stops the start with its name rather than an upload later.
    const bytes = fixture(adapter, answer.fixture, `sandbox.yaml sftp.answers.${message}`);
    return { pattern: new RegExp(m.fileNamePattern), answer, bytes };
  });
  const client = ensureKeyPair(path.join(workDir, 'client_ed25519'));
  const host = ensureKeyPair(path.join(workDir, 'host_ed25519'));
  const server = await startSandboxSftpServer({
    rootDir,
    clientPublicKey: client.publicKey,
    hostKey: host.privateKey,
    username: channel.username,
    port: options.port,
  });

  /** Puts a file in the insurer's folder as the insurer would; a file already there stays. */
  const publish = (name: string, bytes: Buffer): boolean => {
    const target = path.join(outDir, name);
    if (fs.existsSync(target)) return false;
    const { temp, marker } = publishSteps(channel, name);
    if (temp) {
      fs.writeFileSync(path.join(outDir, temp), bytes);
      fs.renameSync(path.join(outDir, temp), target);
    } else fs.writeFileSync(target, bytes);
    if (marker) fs.writeFileSync(path.join(outDir, marker), '');
    return true;
  };

  const published: string[] = [];
  if (options.publishFixtures !== false) {
    const dir = fixturesDir(adapter);
    const names =
      config.sftp?.publish ??
      (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((n) =>
        incomingOverSftp(adapter).some(([, m]) => new RegExp(m.fileNamePattern!).test(n)),
      );
    try {
      for (const name of [...names].sort()) {
        publish(name, fixture(adapter, name, 'sandbox.yaml sftp.publish'));
        published.push(name);
      }
    } catch (e) {
      await server.close();
      throw e;
    }
  }

  const inRemote = '/' + channel.paths.in.split('/').filter(Boolean).join('/');
  server.events.on('file-written', (remote: string) => {
    if (path.posix.dirname(remote) !== inRemote) return;
    const name = path.posix.basename(remote);
    for (const { pattern, answer, bytes } of answers) {
      if (!pattern.test(name)) continue;
      const stem = name.replace(/\.[^.]*$/, '');
      const answerName = (answer.name ?? 'ANSWER_{name}')
        .replaceAll('{name}', name)
        .replaceAll('{stem}', stem);
      publish(answerName, bytes);
    }
  });

  const url = `sftp://${server.username}@${server.host}:${server.port}`;
  const keyFile = path.join(workDir, 'client_ed25519');
  return {
    url,
    overrides: {
      sftp: {
        host: server.host,
        port: server.port,
        username: server.username,
        privateKey: client.privateKey,
        hostKeySha256: server.hostKeySha256,
      },
    },
    lines: [
      `${adapter.insurer.name} sandbox (${adapter.insurer.code}) listening on ${url}`,
      `  host key fingerprint: ${server.hostKeySha256}`,
      `  account root: ${rootDir} (${channel.paths.in} for our uploads, ${channel.paths.out} for the insurer's files)`,
      `  client private key for the adapter: ${keyFile}`,
      ...(published.length ? [`  fixtures in ${channel.paths.out}: ${published.join(', ')}`] : []),
    ],
    close: () => server.close(),
  };
}

/** A value at a dotted path of a JSON document (`meta.next_cursor`). */
function getPath(value: unknown, dotted: string | undefined): unknown {
  if (!dotted) return value;
  for (const key of dotted.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const keys = dotted.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    if (at[key] === null || typeof at[key] !== 'object') at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
  return target;
}

const SINCE_FIELDS = ['updated_at', 'updatedAt', 'changed_at', 'changedAt', 'modified_at'];

async function startRest(
  options: SandboxStartOptions,
  config: SandboxFixtureConfig,
): Promise<StartedSandbox> {
  const { adapter } = options;
  const channel = adapter.channels.rest!;
  const basePath = new URL(channel.baseUrl).pathname.replace(/\/+$/, '');
  const apiKey = channel.auth?.apiKey;
  const oauth = !apiKey && channel.tokenPath ? channel.tokenPath : null;
  const tokens = new Set<string>();
  const received: string[] = [];
  const receivedDir = path.join(options.workDir, 'received');

  type Route = { method: string; name: string; message: MessageTypeConfig; pattern: RegExp };
  const routes: Route[] = Object.entries(adapter.messages)
    .filter(([, m]) => m.request)
    .map(([name, m]) => ({
      method: m.request!.method,
      name,
      message: m,
      pattern: new RegExp(
        '^' +
          m
            .request!.path.split(/\{[^}]+\}/)
            .map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
            .join('[^/]+') +
          '$',
      ),
    }));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (!url.pathname.startsWith(basePath))
          return answer(404, { error: 'not_found', message: `nothing under ${url.pathname}` });
        const route = url.pathname.slice(basePath.length) || '/';
        if (oauth && req.method === 'POST' && route === oauth) {
          const form = new URLSearchParams(Buffer.concat(chunks).toString());
          if (
            form.get('client_id') !== SANDBOX_CLIENT.clientId ||
            form.get('client_secret') !== SANDBOX_CLIENT.clientSecret
          )
            return answer(401, { error: 'invalid_client' });
          const token = randomBytes(16).toString('hex');
          tokens.add(token);
          return answer(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
        }
        if (apiKey) {
          const key =
            apiKey.in === 'header'
              ? req.headers[apiKey.name.toLowerCase()]
              : url.searchParams.get(apiKey.name);
          if (key !== SANDBOX_API_KEY)
            return answer(401, { error: 'unauthorized', message: 'bad or missing API key' });
        } else if (oauth) {
          const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
          if (!token || !tokens.has(token)) return answer(401, { error: 'invalid_token' });
        }
        const hit = routes.find((r) => r.method === req.method && r.pattern.test(route));
        if (!hit)
          return answer(404, {
            error: 'not_found',
            message: `${req.method} ${route} is not in ${adapter.file}`,
          });
        if (req.method !== 'GET') {
          fs.mkdirSync(receivedDir, { recursive: true });
          const id = `SBX-${String(received.length + 1).padStart(4, '0')}`;
          fs.writeFileSync(path.join(receivedDir, `${hit.name}-${id}`), Buffer.concat(chunks));
          received.push(id);
          const idPath = hit.message.request!.answerIdPath ?? 'id';
          return answer(201, setPath({ status: 'received' }, idPath, id));
        }
        return answer(200, servePage(adapter, hit.name, hit.message, config, url.searchParams));
      } catch (e) {
        return answer(500, { error: 'sandbox', message: (e as Error).message });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}${basePath}`;
  const overrides: ChannelOverrides = {
    rest: apiKey ? { baseUrl: url, apiKey: SANDBOX_API_KEY } : { baseUrl: url, ...SANDBOX_CLIENT },
  };
  return {
    url,
    overrides,
    lines: [
      `${adapter.insurer.name} sandbox (${adapter.insurer.code}) listening on ${url}`,
      apiKey
        ? `  API key (${apiKey.in} ${apiKey.name}): ${SANDBOX_API_KEY}`
        : oauth
          ? `  OAuth2 token: POST ${url}${oauth} with client_id=${SANDBOX_CLIENT.clientId} client_secret=${SANDBOX_CLIENT.clientSecret}`
          : '  no authentication',
      ...routes.map((r) => `  ${r.method} ${r.message.request!.path} (${r.name})`),
    ],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One page of a GET message's fixture, filtered by its `since` and paged as the adapter pages. */
function servePage(
  adapter: LoadedAdapter,
  name: string,
  message: MessageTypeConfig,
  config: SandboxFixtureConfig,
  query: URLSearchParams,
): unknown {
  const request = message.request!;
  const own = config.rest?.[name] ?? {};
  const bytes = fixture(adapter, own.fixture ?? `${name}.json`, `${name} sandbox`);
  const document = JSON.parse(bytes.toString('utf8').replace(/^\ufeff/, '')) as unknown;
  const all = getPath(document, request.itemsPath);
  if (!Array.isArray(all)) return document;
  let items = all as Record<string, unknown>[];
  const since = request.since ? query.get(request.since.param) : null;
  if (since) {
    const field = own.sinceField ?? SINCE_FIELDS.find((f) => items.some((i) => f in i));
    if (field) {
      const from = Date.parse(since);
      items = items.filter((i) => Date.parse(String(i[field])) >= from);
    }
  }
  const paging = request.paging;
  const wrap = (page: unknown[], meta: [string, unknown][]) => {
    if (!request.itemsPath) return page;
    const body = setPath({}, request.itemsPath, page);
    for (const [p, v] of meta) setPath(body, p, v);
    return body;
  };
  if (paging && 'cursor' in paging) {
    const c = paging.cursor;
    const size = Number(query.get(c.sizeParam ?? '') ?? c.size ?? 100);
    const cursor = query.get(c.param);
    const from = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
    const next = from + size < items.length ? Buffer.from(String(from + size)).toString('base64url') : null;
    return wrap(items.slice(from, from + size), [[c.cursorPath, next]]);
  }
  if (paging && 'page' in paging) {
    const p = paging.page;
    const size = Number(query.get(p.sizeParam ?? '') ?? p.size ?? 100);
    const startAt = p.startAt ?? 1;
    const page = Number(query.get(p.param) ?? startAt) - startAt;
    const pages = Math.max(1, Math.ceil(items.length / size));
    return wrap(
      items.slice(page * size, (page + 1) * size),
      p.totalPagesPath ? [[p.totalPagesPath, pages]] : [],
    );
  }
  return wrap(items, []);
}
