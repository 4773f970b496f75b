/**
 * The mapping engine: declarative mappings (mappings/<insurer>/<message>.yaml) between insurer files
 * and canonical records, both directions, with canonical JSON Schema validation. `tryMapping` is the
 * dry run behind `ecspert mapping try`.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { CanonicalMessageType, CanonicalRecordByMessage } from '../canonical';
import {
  loadAdapter,
  canonicalTypeOf,
  partsOf,
  resolveSecret,
  type AdapterLocation,
  type LoadedAdapter,
  type MessageTypeConfig,
} from '../adapter-config';
import { ExchangeError, isExchangeError } from '../errors';
import { verifyXml } from '../signature';
import { checkFileName, checkSize } from '../formats/limits';
import {
  InboundMapper,
  collectMapping,
  type CollectedMapping,
  type LookupFunction,
  type MappedRow,
} from './inbound';
import { CANONICAL_SCHEMA, describeSchemaErrors, schemaValidator } from './json-schemas';
import { loadMapping } from './load';
import { renderOutbound, renderXlsx } from './outbound';
import type { LoadedMapping } from './types';

export { InboundMapper, collectMapping } from './inbound';
export type {
  CollectedMapping,
  FormatOptions,
  LookupFunction,
  MapInboundOptions,
  MappedRow,
  MappingFinding,
} from './inbound';
export { loadMapping, mappingPathFor } from './load';
export { renderOutbound, renderCsv, renderXml, renderXlsx } from './outbound';
export type { RenderOptions } from './outbound';
export { schemaValidator, describeSchemaErrors, CANONICAL_SCHEMA, projectRoot } from './json-schemas';
export type * from './types';

/** A configured message type with its loaded mapping. */
export interface ResolvedMessage {
  adapter: LoadedAdapter;
  name: string;
  config: MessageTypeConfig;
  recordType: CanonicalMessageType;
  mapping: LoadedMapping;
}

/** Finds a message type by its key in adapter.yaml or by its canonical type, and loads its mapping. */
export function resolveMessage(
  insurer: string,
  messageType: string,
  options: AdapterLocation & { version?: number } = {},
): ResolvedMessage {
  const adapter = loadAdapter(insurer, options);
  const entry =
    Object.entries(adapter.messages).find(([name]) => name === messageType) ??
    Object.entries(adapter.messages).find(([name, m]) => canonicalTypeOf(name, m) === messageType);
  if (!entry) {
    throw new ExchangeError({
      kind: 'mapping',
      file: adapter.file,
      field: `/messages/${messageType}`,
      message: `no message type '${messageType}' (configured: ${Object.keys(adapter.messages).join(', ')})`,
    });
  }
  const [name, config] = entry;
  if (!config.mapping) {
    // A message read by its parts (a bordereau's sheets): described by its first part here; the
    // pipeline reads every part (resolveParts).
    const first = partsOf(adapter, name)[0];
    if (!first?.message.mapping)
      throw new ExchangeError({
        kind: 'mapping',
        file: adapter.file,
        field: `/messages/${name}/mapping`,
        message: `message type '${name}' has no mapping and no parts`,
      });
    return {
      adapter,
      name,
      config,
      recordType: canonicalTypeOf(first.name, first.message),
      mapping: loadMapping(first.message.mapping, options.version),
    };
  }
  return {
    adapter,
    name,
    config,
    recordType: canonicalTypeOf(name, config),
    mapping: loadMapping(config.mapping, options.version),
  };
}

/**
 * The parts of a message read by parts (a bordereau: contracts, payments, commission, a sheet each),
 * in the adapter's order; a message with a mapping of its own is its one part.
 */
export function resolveParts(
  resolved: ResolvedMessage,
  options: AdapterLocation & { version?: number } = {},
): ResolvedMessage[] {
  if (resolved.config.mapping) return [resolved];
  return partsOf(resolved.adapter, resolved.name).map(({ name }) =>
    resolveMessage(resolved.adapter.insurer.code, name, { ...options, adaptersDir: options.adaptersDir }),
  );
}

export interface MapFileOptions {
  /** Name for errors and file-name fields; the base name of the path by default. */
  fileName?: string;
  /** The e-mail the file was attached to, for `fromMail` fields. */
  mail?: Partial<Record<import('./types').MailFact, string | null>>;
  lookups?: Record<string, LookupFunction>;
  onProgress?: (progress: { rows: number; bytes?: number; done: boolean }) => void;
}

/**
 * Maps an incoming file of a configured message type, row by row (for the pipeline: memory stays flat).
 * The name and size guards run first.
 */
export async function* mapMessage<M extends CanonicalMessageType>(
  resolved: ResolvedMessage,
  source: string | Buffer | Readable,
  options: MapFileOptions = {},
): AsyncGenerator<MappedRow<CanonicalRecordByMessage[M]>> {
  const fileName = options.fileName ?? (typeof source === 'string' ? path.basename(source) : null);
  if (!fileName) throw new ExchangeError({ kind: 'parse', message: 'a file name is needed to map a stream' });
  checkFileName(fileName);
  if (typeof source === 'string')
    checkSize(fileName, (await stat(source)).size, resolved.config.maxSizeBytes);
  else if (Buffer.isBuffer(source)) checkSize(fileName, source.length, resolved.config.maxSizeBytes);
  const mapper = new InboundMapper<M>(resolved.mapping);
  yield* mapper.map(source, {
    fileName,
    mail: options.mail,
    format: resolved.config.formatOptions,
    lookups: options.lookups,
    onProgress: options.onProgress,
  });
}

/** What a dry run found of a signed message type's signature. */
export interface SignatureVerdict {
  /**
   * `valid`: verified against the registered certificate; `refused`: a received document like this is
   * quarantined and nothing of it applied (unsigned, altered, or no certificate registered);
   * `not-checked`: an outgoing document, which the hub signs when it sends it.
   */
  status: 'valid' | 'refused' | 'not-checked';
  message: string;
}

export interface TryMappingResult<T> extends CollectedMapping<T> {
  /** Whether the file would be applied: its signature holds and the bad-row policy lets it through. */
  accepted: boolean;
  badRowPolicy: 'reject-file' | 'quarantine-row';
  mappingFile: string;
  /** Null when the message type is not signed. */
  signature: SignatureVerdict | null;
}

/**
 * Dry run: maps a sample file with the insurer's adapter and mapping; nothing is stored. A signed
 * incoming message type is verified first, as the pipeline does; when the signature does not hold
 * the content is still mapped (to check the mapping) but the file is not `accepted`.
 */
export async function tryMapping<M extends CanonicalMessageType = CanonicalMessageType>(
  insurer: string,
  messageType: string,
  filePath: string,
  options: MapFileOptions &
    AdapterLocation & { version?: number; secretsDir?: string; certificatePem?: string } = {},
): Promise<TryMappingResult<CanonicalRecordByMessage[M]>> {
  const resolved = resolveMessage(insurer, messageType, options);
  const fileName = options.fileName ?? path.basename(filePath);
  let source: string | Buffer = filePath;
  let signature: SignatureVerdict | null = null;
  if (resolved.config.signed && resolved.config.direction === 'out') {
    signature = {
      status: 'not-checked',
      message: 'not checked: the hub signs outgoing documents when it sends them',
    };
  } else if (resolved.config.signed) {
    const raw = await readFile(filePath);
    source = raw;
    const ref = resolved.adapter.signature?.verifyWith;
    try {
      if (!options.certificatePem && !ref) {
        throw new ExchangeError({
          kind: 'signature',
          file: resolved.adapter.file,
          field: '/signature/verifyWith',
          message: `messages of type ${resolved.name} are signed, but the adapter registers no certificate to verify them with`,
        });
      }
      if (!options.certificatePem && !options.secretsDir) {
        throw new ExchangeError({
          kind: 'signature',
          message: `not checked: no secrets folder was given to find ${ref} in`,
        });
      }
      const certificatePem =
        options.certificatePem ?? resolveSecret(ref!, { secretsDir: options.secretsDir! });
      source = Buffer.from(verifyXml(raw, { certificatePem, file: fileName }).signedXml, 'utf8');
      signature = {
        status: 'valid',
        message: `valid (${options.certificatePem ? 'the given certificate' : ref})`,
      };
    } catch (error) {
      if (!isExchangeError(error)) throw error;
      signature = { status: 'refused', message: error.detail };
    }
  }
  const collected = await collectMapping(mapMessage<M>(resolved, source, { ...options, fileName }));
  const badRowPolicy = resolved.config.badRowPolicy ?? 'quarantine-row';
  const accepted =
    signature?.status !== 'refused' &&
    collected.fileError === null &&
    (badRowPolicy === 'quarantine-row' || collected.errors.length === 0);
  return { ...collected, accepted, badRowPolicy, mappingFile: resolved.mapping.path, signature };
}

/** Checks canonical records against their schema before they go out; throws on the first bad one. */
export function assertCanonical(
  recordType: CanonicalMessageType,
  records: readonly unknown[],
  fileName: string,
): void {
  const validate = schemaValidator(CANONICAL_SCHEMA[recordType]);
  records.forEach((record, i) => {
    if (!validate(record)) {
      const problems = describeSchemaErrors(validate.errors);
      throw new ExchangeError({
        kind: 'validation',
        file: fileName,
        row: i + 1,
        field: problems[0]?.path ?? null,
        message: `record ${i + 1} does not match schemas/${CANONICAL_SCHEMA[recordType]}.schema.json: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      });
    }
  });
}

/**
 * Renders an outgoing message (a register) in the insurer's format, after checking every record
 * against its canonical schema and the result against the adapter's name pattern and size limit.
 */
export function renderMessage(
  insurer: string,
  messageType: string,
  records: readonly unknown[],
  options: { fileName: string; params?: Record<string, string> } & AdapterLocation,
): Buffer {
  const resolved = resolveMessage(insurer, messageType, options);
  if (resolved.config.direction !== 'out') {
    throw new ExchangeError({
      kind: 'mapping',
      file: resolved.adapter.file,
      field: `/messages/${resolved.name}`,
      message: 'this message type is not outgoing',
    });
  }
  checkFileName(options.fileName, resolved.config.fileNamePattern);
  assertCanonical(resolved.recordType, records, options.fileName);
  const bytes = renderOutbound(resolved.mapping, records, {
    fileName: options.fileName,
    encoding: resolved.config.formatOptions?.encoding,
    delimiter: resolved.config.formatOptions?.delimiter,
    trailer: resolved.config.formatOptions?.trailer ?? null,
    params: options.params,
  });
  checkSize(options.fileName, bytes.length, resolved.config.maxSizeBytes);
  return bytes;
}

/**
 * renderMessage for every format, XLSX included (written asynchronously): checks the records and
 * the file name and size the same way.
 */
export async function renderMessageFile(
  insurer: string,
  messageType: string,
  records: readonly unknown[],
  options: { fileName: string; params?: Record<string, string> } & AdapterLocation,
): Promise<Buffer> {
  const resolved = resolveMessage(insurer, messageType, options);
  if (resolved.mapping.format !== 'xlsx' || resolved.config.direction !== 'out')
    return renderMessage(insurer, messageType, records, options);
  checkFileName(options.fileName, resolved.config.fileNamePattern);
  assertCanonical(resolved.recordType, records, options.fileName);
  const bytes = await renderXlsx(resolved.mapping, records, {
    fileName: options.fileName,
    params: options.params,
    sheet: resolved.config.formatOptions?.sheet,
  });
  checkSize(options.fileName, bytes.length, resolved.config.maxSizeBytes);
  return bytes;
}
