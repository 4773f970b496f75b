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
  listUnprocessedMessages,
  type PayloadSource,
  recordEvent,
  setMessageStatus,
  storeMessage,
  type StoredMessage,
} from '../message-store';
import type { ExchangeDeps } from './deps';
import { PROCESSING_ORDER, processMessage, type ProcessReport, report } from './process-message';

export interface Delivery {
  insurerCode: string;
  channel: Channel;
  /** File name, or a name made up for a REST answer (e.g. policies-20261127T0900-p1.xml). */
  fileName: string;
  /** The insurer's id of it: remote path, URL, Message-ID. */
  externalId?: string | null;
  /** The bytes, or a file or stream to store them from a chunk at a time (see storeMessage). */
  payload: PayloadSource;
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
  const asStored = {
    insurerCode: delivery.insurerCode,
    channel: delivery.channel,
    direction: 'inbound' as const,
    messageType,
    externalName: delivery.fileName,
    externalId: delivery.externalId ?? null,
    payload: delivery.payload,
    contentType: delivery.contentType ?? null,
  };
  const stored = await storeMessage(deps.database, asStored);
  // The same bytes came before under a name no message type claimed, and were quarantined for it:
  // under a recognisable name they are a message to process, stored once more as that type
  // (identity: insurer, channel, content and the type it was recognised as).
  if (stored.duplicate && !problem && stored.message.messageType === 'unrecognised') {
    const stray = stored.message;
    const recognised = await storeMessage(deps.database, {
      ...asStored,
      // The delivery's bytes are stored already (and a stream is read): the copy is made from them.
      payload: { copyOf: stray.id },
      idempotencyKey: `${stray.idempotencyKey}:as:${messageType}`,
      note: `first delivered as ${stray.externalName} (message ${stray.id}), re-sent under a recognised name`,
    });
    if (!recognised.duplicate)
      await recordEvent(
        deps.database,
        stray.id,
        'resent',
        `re-sent as ${delivery.fileName}: message ${recognised.message.id} (${messageType}) processes it`,
      );
    return recognised;
  }
  if (problem && !stored.duplicate) {
    await setMessageStatus(deps.database, stored.message.id, 'quarantined', { errors: [problem.toJSON()] });
    return { message: (await findMessage(deps.database, stored.message.id))!, duplicate: false };
  }
  return stored;
}

/**
 * Processes every waiting message of the insurer (or of all insurers; see listUnprocessedMessages)
 * in the order their contents depend on each other: answers, contracts, amendments, payments,
 * commission; then oldest first. A message that fails for an internal reason is reported as failed
 * and the run goes on with the next one; it is tried again on a later run.
 */
export async function processPending(deps: ExchangeDeps, insurerCode?: string): Promise<ProcessReport[]> {
  const pending = await listUnprocessedMessages(deps.database, { insurerCode });
  pending.sort(
    (a, b) => (PROCESSING_ORDER[a.messageType] ?? 9) - (PROCESSING_ORDER[b.messageType] ?? 9) || a.id - b.id,
  );
  const reports: ProcessReport[] = [];
  for (const { id, messageType, externalName } of pending) {
    try {
      reports.push(await processMessage(deps, id));
    } catch (error) {
      reports.push(
        report({ id, externalName, messageType }, 'failed', {
          errors: [
            {
              kind: 'internal',
              file: null,
              row: null,
              field: null,
              message: (error as Error)?.message ?? String(error),
            },
          ],
        }),
      );
    }
  }
  return reports;
}
