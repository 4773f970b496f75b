/**
 * Adapter configuration: loads and checks adapters/<insurer>/adapter.yaml, resolves credentials by
 * reference (never stored in the repository), and finds the message type of an incoming file.
 * `checkAdapter` backs `ecspert adapter check <insurer>`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash, createPublicKey, createPrivateKey } from 'node:crypto';
import path from 'node:path';
import { Cron } from 'croner';
import { utils as sshUtils } from 'ssh2';
import YAML from 'yaml';
import type { CanonicalMessageType } from '../canonical';
import { ExchangeError } from '../errors';
import { describeSchemaErrors, projectRoot, schemaValidator } from '../mapping/json-schemas';
import { loadMapping } from '../mapping/load';
import { renderOutbound } from '../mapping/outbound';
import type { AdapterConfig, AdapterFinding, LoadedAdapter, MessageTypeConfig } from './types';

export type {
  AdapterConfig,
  AdapterFinding,
  LoadedAdapter,
  MessageTypeConfig,
  ReconciliationConfig,
  RestChannel,
  RestRequestConfig,
  SftpChannel,
  SftpCompletionConfig,
  SecretRef,
  EmailChannel,
  MailTyping,
} from './types';

export class AdapterConfigError extends Error {
  constructor(
    readonly file: string,
    /** JSON path of the offending value, e.g. `/channels/sftp/port`. */
    readonly jsonPath: string,
    message: string,
  ) {
    super(`${file}${jsonPath ? ` at ${jsonPath}` : ''}: ${message}`);
    this.name = 'AdapterConfigError';
  }
}

export interface AdapterLocation {
  /** Folder holding one folder per insurer; default <project>/adapters. */
  adaptersDir?: string;
}

/** The adapter folder for an insurer code (`DNIPRO_LIFE`), a folder name (`dnipro-life`) or a path. */
export function adapterFolder(insurer: string, options: AdapterLocation = {}): string {
  const adaptersDir = options.adaptersDir ?? path.join(projectRoot(), 'adapters');
  if (insurer.includes('/') && existsSync(path.join(insurer, 'adapter.yaml'))) return path.resolve(insurer);
  const byFolder = path.join(adaptersDir, insurer);
  if (/^[a-z0-9-]+$/.test(insurer) && existsSync(path.join(byFolder, 'adapter.yaml'))) return byFolder;
  if (existsSync(adaptersDir)) {
    for (const name of readdirSync(adaptersDir)) {
      const file = path.join(adaptersDir, name, 'adapter.yaml');
      if (!existsSync(file)) continue;
      const doc = YAML.parse(readFileSync(file, 'utf8')) as { insurer?: { code?: string } } | null;
      if (doc?.insurer?.code === insurer) return path.join(adaptersDir, name);
    }
  }
  throw new AdapterConfigError(
    path.join(adaptersDir, insurer),
    '',
    `no adapter for insurer '${insurer}' (looked for adapters/<folder>/adapter.yaml)`,
  );
}

/** Loads and validates an adapter; throws AdapterConfigError naming the file and JSON path. */
export function loadAdapter(insurer: string, options: AdapterLocation = {}): LoadedAdapter {
  const folder = adapterFolder(insurer, options);
  const file = path.join(folder, 'adapter.yaml');
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AdapterConfigError(file, '', `not readable YAML: ${(err as Error).message}`);
  }
  const validate = schemaValidator('adapter');
  if (!validate(doc)) {
    const problems = describeSchemaErrors(validate.errors);
    throw new AdapterConfigError(
      file,
      problems[0]?.path ?? '',
      problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    );
  }
  const config = doc as AdapterConfig;
  if (config.channels.sftp?.doneMarkerSuffix && config.channels.sftp.completion) {
    throw new AdapterConfigError(
      file,
      '/channels/sftp/doneMarkerSuffix',
      'say how a file is complete once: doneMarkerSuffix or completion, not both',
    );
  }
  const rest = config.channels.rest;
  if (rest?.auth && (rest.clientId || rest.clientSecret)) {
    throw new AdapterConfigError(
      file,
      '/channels/rest/auth',
      'say how calls are authorised once: an API key (auth) or OAuth client credentials (clientId, clientSecret), not both',
    );
  }
  for (const [name, message] of Object.entries(config.messages)) {
    const page =
      message.request?.paging && 'page' in message.request.paging ? message.request.paging.page : null;
    if (page && !page.totalPagesPath && !message.request!.itemsPath) {
      throw new AdapterConfigError(
        file,
        `/messages/${name}/request/paging/page`,
        'page paging needs to know the last page: say totalPagesPath, or itemsPath (an empty page is the last)',
      );
    }
  }
  for (const [name, schedule] of Object.entries(config.schedules ?? {})) {
    try {
      new Cron(schedule, { paused: true }).stop();
    } catch (err) {
      throw new AdapterConfigError(
        file,
        `/schedules/${name}`,
        `'${schedule}' is not a cron pattern: ${(err as Error).message}`,
      );
    }
  }
  return { ...config, folder, file };
}

/** Canonical message type of a configured message. */
export function canonicalTypeOf(name: string, message: MessageTypeConfig): CanonicalMessageType {
  return message.record ?? (name as CanonicalMessageType);
}

/** The message types that are parts of `name` (partOf), in the order the adapter declares them. */
export function partsOf(
  adapter: AdapterConfig,
  name: string,
): { name: string; message: MessageTypeConfig }[] {
  return Object.entries(adapter.messages)
    .filter(([, m]) => m.partOf === name)
    .map(([partName, message]) => ({ name: partName, message }));
}

/** The inbound message type whose file name pattern matches, or null. */
export function messageTypeForFile(
  adapter: AdapterConfig,
  fileName: string,
): { name: string; message: MessageTypeConfig } | null {
  for (const [name, message] of Object.entries(adapter.messages)) {
    if (
      message.direction === 'in' &&
      message.fileNamePattern &&
      new RegExp(message.fileNamePattern).test(fileName)
    )
      return { name, message };
  }
  return null;
}

export interface SecretContext {
  /** `config.secretsDir`. */
  secretsDir: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The value a reference stands for: `secret:<name>` reads <secretsDir>/<name>, `env:<VAR>` the
 * environment, `file:<path>` a public file in the repository (certificates only).
 */
export function resolveSecret(ref: string, context: SecretContext): string {
  const [scheme, ...rest] = ref.split(':');
  const name = rest.join(':');
  if (scheme === 'env') {
    const value = (context.env ?? process.env)[name];
    if (value === undefined || value === '')
      throw new ExchangeError({
        kind: 'transport',
        message: `environment variable ${name} is not set (referenced as '${ref}')`,
      });
    return value;
  }
  if (scheme === 'secret' || scheme === 'file') {
    if (
      !name ||
      name.includes('..') ||
      (scheme === 'secret' && name.includes('/')) ||
      path.isAbsolute(name)
    ) {
      throw new ExchangeError({ kind: 'transport', message: `'${ref}' is not a valid reference` });
    }
    const file = scheme === 'secret' ? path.join(context.secretsDir, name) : path.join(projectRoot(), name);
    if (!existsSync(file)) {
      throw new ExchangeError({
        kind: 'transport',
        file,
        message: `'${ref}' not found${scheme === 'secret' ? ' in the secrets folder' : ''}`,
      });
    }
    return readFileSync(file, 'utf8');
  }
  throw new ExchangeError({
    kind: 'transport',
    message: `'${ref}' is not a reference (use secret:<name>, env:<VAR> or file:<path>)`,
  });
}

/**
 * Public keys whose private halves are public too (SHA-256 of the SPKI DER, base64): trusting one
 * lets anyone sign as the insurer. Karpaty's spec ships sandbox-insurer.key with sandbox-insurer.crt.
 */
const PUBLICLY_KNOWN_KEYS: Record<string, string> = {
  'grDNjtRDfo8L1DZAk3F0BRV8tH3JdZD4ICaF+UV7NQc=':
    "the sandbox certificate from Karpaty's spec (sandbox-insurer.crt), whose private key ships with the spec",
};

/** What a public key or certificate is known to be when its private key is public; null otherwise. */
export function publiclyKnownKey(pem: string): string | null {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return PUBLICLY_KNOWN_KEYS[createHash('sha256').update(der).digest('base64')] ?? null;
}

/**
 * The insurer's catalogue beside adapter.yaml (insurer details and products, loaded by
 * `ecspert insurer sync`; back-office/catalogue): missing is a warning, unusable an error.
 */
function checkCatalogue(catalogueFile: string, insurerCode: string): AdapterFinding[] {
  if (!existsSync(catalogueFile))
    return [
      {
        level: 'warning',
        file: catalogueFile,
        path: '',
        message:
          "no catalogue: the insurer's details and products cannot be synchronised (`ecspert insurer sync`); write catalogue.yaml (schemas/catalogue.schema.json)",
      },
    ];
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(catalogueFile, 'utf8'));
  } catch (err) {
    return [
      {
        level: 'error',
        file: catalogueFile,
        path: '',
        message: `not readable YAML: ${(err as Error).message}`,
      },
    ];
  }
  const validate = schemaValidator('catalogue');
  if (!validate(doc))
    return describeSchemaErrors(validate.errors).map((p) => ({
      level: 'error' as const,
      file: catalogueFile,
      path: p.path,
      message: p.message,
    }));
  const code = (doc as { insurer: { code: string } }).insurer.code;
  return code === insurerCode
    ? []
    : [
        {
          level: 'error',
          file: catalogueFile,
          path: '/insurer/code',
          message: `'${code}' is not this adapter's insurer (${insurerCode})`,
        },
      ];
}

/**
 * Reads an SFTP login key the way the SFTP client does (ssh2): OpenSSH (`BEGIN OPENSSH PRIVATE
 * KEY`), PKCS#1/PKCS#8 PEM or PuTTY, decrypted with the configured passphrase; throws why it cannot.
 */
function checkSshPrivateKey(value: string, passphraseRef: string | undefined, context: SecretContext): void {
  let passphrase: string | undefined;
  if (passphraseRef) {
    try {
      passphrase = resolveSecret(passphraseRef, context).trim();
    } catch {
      passphrase = undefined; // reported on its own path
    }
  }
  const parsed = sshUtils.parseKey(value, passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error) throw key;
  if (!key || !key.isPrivateKey()) throw new Error('it is a public key, not a private one');
}

/** Every check `ecspert adapter check` runs; an empty list means the adapter is ready. */
export function checkAdapter(insurer: string, context: SecretContext & AdapterLocation): AdapterFinding[] {
  const findings: AdapterFinding[] = [];
  let adapter: LoadedAdapter;
  try {
    adapter = loadAdapter(insurer, context);
  } catch (err) {
    const e = err as AdapterConfigError;
    return [{ level: 'error', file: e.file ?? insurer, path: e.jsonPath ?? '', message: e.message }];
  }
  const { file } = adapter;
  findings.push(...checkCatalogue(path.join(path.dirname(file), 'catalogue.yaml'), adapter.insurer.code));
  for (const [name, message] of Object.entries(adapter.messages)) {
    const where = `/messages/${name}`;
    if (!message.mapping) {
      const parts = partsOf(adapter, name);
      if (!parts.length)
        findings.push({
          level: 'error',
          file,
          path: `${where}/mapping`,
          message: 'no mapping, and no message type is a part of it (partOf)',
        });
      continue;
    }
    if (message.partOf && adapter.messages[message.partOf]?.direction !== 'in')
      findings.push({
        level: 'error',
        file,
        path: `${where}/partOf`,
        message: `'${message.partOf}' is not an incoming message type of this adapter`,
      });
    try {
      const mapping = loadMapping(message.mapping);
      const expected = canonicalTypeOf(name, message);
      if (mapping.message !== expected) {
        findings.push({
          level: 'error',
          file,
          path: `${where}/mapping`,
          message: `${message.mapping} maps '${mapping.message}', the adapter expects '${expected}'`,
        });
      }
      if (mapping.format !== message.format) {
        findings.push({
          level: 'error',
          file,
          path: `${where}/format`,
          message: `the adapter says ${message.format}, ${message.mapping} reads ${mapping.format}`,
        });
      }
      if (message.direction === 'out' && !mapping.outbound) {
        findings.push({
          level: 'error',
          file,
          path: `${where}/mapping`,
          message: `${message.mapping} has no outbound section for an outgoing message`,
        });
      } else if (message.direction === 'out' && message.format !== 'xlsx') {
        // The hub's own renderer, on an empty message: what it cannot write can never be sent.
        try {
          renderOutbound(mapping, [], {
            fileName: `${name}.${message.format}`,
            encoding: message.formatOptions?.encoding,
            delimiter: message.formatOptions?.delimiter,
            trailer: message.formatOptions?.trailer ?? null,
            params: { ...message.params, createdAt: new Date().toISOString() },
          });
        } catch (err) {
          findings.push({
            level: 'error',
            file,
            path: `${where}/format`,
            message: `cannot be sent: ${(err as Error).message}`,
          });
        }
      }
      if (message.direction === 'in' && !mapping.fields) {
        findings.push({
          level: 'error',
          file,
          path: `${where}/mapping`,
          message: `${message.mapping} has no inbound fields for an incoming message`,
        });
      }
      const trailerSum = message.formatOptions?.trailer?.sumColumn;
      if (trailerSum && !(mapping.columns ?? []).includes(trailerSum)) {
        findings.push({
          level: 'error',
          file,
          path: `${where}/formatOptions/trailer/sumColumn`,
          message: `'${trailerSum}' is not a column of ${message.mapping}`,
        });
      }
    } catch (err) {
      const e = err as ExchangeError;
      findings.push({
        level: 'error',
        file: e.file ?? message.mapping,
        path: e.field ?? '',
        message: e.message,
      });
    }
    if (message.format === 'csv' && !message.formatOptions?.encoding) {
      findings.push({
        level: 'warning',
        file,
        path: `${where}/formatOptions/encoding`,
        message: 'no encoding declared; UTF-8 is assumed',
      });
    }
    if (message.signed && !adapter.signature) {
      findings.push({
        level: 'error',
        file,
        path: `${where}/signed`,
        message: 'the message is signed but the adapter has no signature section',
      });
    }
  }
  const refs: { path: string; ref: string; kind: 'private' | 'ssh-private' | 'public' | 'text' }[] = [];
  if (adapter.channels.sftp) {
    refs.push({
      path: '/channels/sftp/privateKey',
      ref: adapter.channels.sftp.privateKey,
      kind: 'ssh-private',
    });
    if (adapter.channels.sftp.passphrase)
      refs.push({ path: '/channels/sftp/passphrase', ref: adapter.channels.sftp.passphrase, kind: 'text' });
  }
  if (adapter.channels.rest?.auth)
    refs.push({
      path: '/channels/rest/auth/apiKey/key',
      ref: adapter.channels.rest.auth.apiKey.key,
      kind: 'text',
    });
  if (adapter.channels.rest?.clientId)
    refs.push({ path: '/channels/rest/clientId', ref: adapter.channels.rest.clientId, kind: 'text' });
  if (adapter.channels.rest?.clientSecret)
    refs.push({ path: '/channels/rest/clientSecret', ref: adapter.channels.rest.clientSecret, kind: 'text' });
  if (adapter.signature?.verifyWith)
    refs.push({ path: '/signature/verifyWith', ref: adapter.signature.verifyWith, kind: 'public' });
  if (adapter.signature?.signWith)
    refs.push({ path: '/signature/signWith', ref: adapter.signature.signWith, kind: 'private' });
  if (adapter.signature?.signCertificate)
    refs.push({ path: '/signature/signCertificate', ref: adapter.signature.signCertificate, kind: 'public' });
  for (const { path: jsonPath, ref, kind } of refs) {
    let value: string;
    try {
      value = resolveSecret(ref, context);
    } catch (err) {
      const hint =
        jsonPath === '/signature/verifyWith'
          ? ": register the insurer's production certificate there (a sandbox run registers its own)"
          : '';
      findings.push({ level: 'error', file, path: jsonPath, message: (err as Error).message + hint });
      continue;
    }
    try {
      if (kind === 'private') createPrivateKey(value);
      if (kind === 'ssh-private') checkSshPrivateKey(value, adapter.channels.sftp?.passphrase, context);
      if (kind === 'public') {
        const known = publiclyKnownKey(value);
        if (known && jsonPath === '/signature/verifyWith')
          findings.push({
            level: 'error',
            file,
            path: jsonPath,
            message: `'${ref}' is ${known}: anyone can sign documents this adapter would accept; register the insurer's production certificate`,
          });
      }
    } catch (err) {
      findings.push({
        level: 'error',
        file,
        path: jsonPath,
        message: `'${ref}' is not a readable ${kind === 'ssh-private' ? 'private key for SSH' : `${kind} key`}: ${(err as Error).message}`,
      });
    }
    if (ref.startsWith('secret:') && (kind === 'private' || kind === 'ssh-private')) {
      const mode = statSync(path.join(context.secretsDir, ref.slice('secret:'.length))).mode & 0o077;
      if (mode)
        findings.push({
          level: 'warning',
          file,
          path: jsonPath,
          message: `'${ref}' is readable by other users (chmod 600)`,
        });
    }
  }
  return findings;
}
