/**
 * A mailbox sync as the hub runs it, for tests against a real IMAP server: the insurer's mailbox as an
 * inbound channel that remembers its place in the database, and each mail stored raw.
 */
import type { Database } from '../../../src/db';
import { storeMessage } from '../../../src/exchange/message-store';
import { DatabaseFetchedRegistry, ExchangeCursors } from '../../../src/exchange/runs/state';
import { type FetchedItem, ImapMailbox } from '../../../src/exchange/transports';

export interface MailServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function insurerMailbox(
  database: Database,
  insurerId: number,
  server: MailServer,
  options: Partial<ConstructorParameters<typeof ImapMailbox>[0]> = {},
): ImapMailbox {
  return new ImapMailbox({
    ...server,
    registry: new DatabaseFetchedRegistry(database, insurerId, 'email'),
    positions: new ExchangeCursors(database, insurerId),
    ...options,
  });
}

/** Stores one fetched mail raw (a mail stored before is not stored again: `duplicate`). */
export function storeMail(database: Database, item: FetchedItem) {
  return storeMessage(database, {
    insurerCode: 'POLISSIA',
    channel: 'email',
    direction: 'inbound',
    messageType: 'mail',
    externalName: item.name,
    externalId: item.externalId,
    payload: item.bytes,
    contentType: 'message/rfc822',
  });
}
