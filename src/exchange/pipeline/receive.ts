/**
 * Receiving: whatever arrives is stored raw first, then recognised by the adapter's file name
 * patterns. A file no message type claims, or with a name that could escape a folder, is stored and
 * quarantined with the reason, never dropped.
 */
import { loadAdapter, messageTypeForFile } from '../adapter-config';
import { ExchangeError, isExchangeError } from '../errors';
import { checkFileName } from '../formats';
import {
  type Channel,
  findMessage,
  setMessageStatus,
  storeMessage,
  type StoredMessage,
} from '../message-store';
import type { ExchangeDeps } from './deps';
import { PROCESSING_ORDER, processMessage, type ProcessReport } from './process-message';

export interface Delivery {
  insurerCode: string;
  channel: Channel;
  /** File name, or a name made up for a REST answer (e.g. policies-20261127T0900-p1.xml). */
  fileName: string;
  /** The insurer's id of it: remote path, URL, Message-ID. */
  externalId?: string | null;
  payload: Uint8Array;
  contentType?: string | null;
  /** When the caller knows the message type (a REST endpoint); otherwise it comes from the file name. */
  messageType?: string;
}

export interface Received {
  message: StoredMessage;
  /** The same content had come before: nothing new was stored. */
  duplicate: boolean;
}

export async function receive(deps: ExchangeDeps, delivery: Delivery): Promise<Received> {
  const adapter = loadAdapter(delivery.insurerCode, { adaptersDir: deps.adaptersDir });
  let problem: ExchangeError | null = null;
  try {
    checkFileName(delivery.fileName);
  } catch (error) {
    if (!isExchangeError(error)) throw error;
    problem = error;
  }
  const messageType =
    delivery.messageType ?? messageTypeForFile(adapter, delivery.fileName)?.name ?? 'unrecognised';
  if (!problem && messageType === 'unrecognised') {
    problem = new ExchangeError({
      kind: 'mapping',
      file: delivery.fileName,
      message: `no message type of ${delivery.insurerCode} matches the file name ${delivery.fileName} (see ${adapter.file})`,
    });
  }
  const stored = await storeMessage(deps.database, {
    insurerCode: delivery.insurerCode,
    channel: delivery.channel,
    direction: 'inbound',
    messageType,
    externalName: delivery.fileName,
    externalId: delivery.externalId ?? null,
    payload: delivery.payload,
    contentType: delivery.contentType ?? null,
  });
  if (problem && !stored.duplicate) {
    await setMessageStatus(deps.database, stored.message.id, 'quarantined', { errors: [problem.toJSON()] });
    return { message: (await findMessage(deps.database, stored.message.id))!, duplicate: false };
  }
  return stored;
}

/**
 * Processes every received message of the insurer (or of all insurers) in the order their contents
 * depend on each other: answers, contracts, amendments, payments, commission; then oldest first.
 */
export async function processPending(deps: ExchangeDeps, insurerCode?: string): Promise<ProcessReport[]> {
  let query = deps.database.db
    .selectFrom('exchange_message as m')
    .innerJoin('insurer as i', 'i.id', 'm.insurer_id')
    .select(['m.id', 'm.message_type'])
    .where('m.direction', '=', 'inbound')
    .where('m.status', 'in', ['received', 'parsed', 'mapped']);
  if (insurerCode) query = query.where('i.code', '=', insurerCode);
  const pending = await query.orderBy('m.id').execute();
  pending.sort(
    (a, b) =>
      (PROCESSING_ORDER[a.message_type] ?? 9) - (PROCESSING_ORDER[b.message_type] ?? 9) ||
      Number(a.id) - Number(b.id),
  );
  const reports: ProcessReport[] = [];
  for (const { id } of pending) reports.push(await processMessage(deps, Number(id)));
  return reports;
}
