/**
 * What the exchange pipeline needs from a channel, and nothing more. Inbound is three steps on
 * purpose: list, fetch the bytes, then acknowledge once the message store holds them, so a crash
 * between fetch and store fetches again instead of losing the item.
 */

/** One item the insurer has made available. */
export interface InboundItem {
  /** Stable id of this item on the channel, e.g. `/out/CONTRACTS_20261002.csv` or a request URL. */
  externalId: string;
  /** The insurer's name for it, e.g. `CONTRACTS_20261002.csv`; the adapter picks the message type by it. */
  name: string;
  /** Size in bytes when the channel tells it before download. */
  size?: number;
  /** When the insurer last changed it, when the channel tells it. */
  modifiedAt?: Date;
  /** Key of this version of the item in the fetched registry. */
  versionKey: string;
}

/** An item's bytes exactly as received: the message store keeps them raw, before any decoding. */
export interface FetchedItem extends InboundItem {
  bytes: Buffer;
}

/** Something we send to the insurer: a register, an application batch. */
export interface OutboundItem {
  /** File name or document name, e.g. `REG_AG0042_20261005_001.csv`. */
  name: string;
  bytes: Buffer;
  /** e.g. `application/xml`; channels that have no content type ignore it. */
  contentType?: string;
}

/** What the channel gave back for a sent item. */
export interface DeliveryReceipt {
  /** Where or under which id the insurer has it: `/in/REG_….csv`, a batch id. */
  externalId: string;
  /** The insurer's raw answer, when there is one, to be stored as a message too. */
  answer?: FetchedItem;
}

export interface InboundChannel {
  /** Items not acknowledged yet; complete ones only (an SFTP file without its marker is not listed). */
  listNew(): Promise<InboundItem[]>;
  /** Downloads one listed item. Does not acknowledge it. */
  fetch(item: InboundItem): Promise<FetchedItem>;
  /** Records that the item is safely stored, so later listings skip it, also after a restart. */
  acknowledge(item: InboundItem): Promise<void>;
}

export interface OutboundChannel {
  put(item: OutboundItem): Promise<DeliveryReceipt>;
}

export interface Transport extends InboundChannel, OutboundChannel {
  /** `sftp`, `rest`, `email`. */
  readonly channel: string;
  close(): Promise<void>;
}

/**
 * Takes in everything new: fetch, hand to `store` (the message store), acknowledge. An item whose
 * fetch or store fails stays unacknowledged and is tried on the next run; the others go on.
 */
export async function pullNew(
  channel: InboundChannel,
  store: (item: FetchedItem) => Promise<void>,
): Promise<{ stored: FetchedItem[]; failed: { item: InboundItem; error: unknown }[] }> {
  const stored: FetchedItem[] = [];
  const failed: { item: InboundItem; error: unknown }[] = [];
  for (const item of await channel.listNew()) {
    try {
      const fetched = await channel.fetch(item);
      await store(fetched);
      await channel.acknowledge(item);
      stored.push(fetched);
    } catch (error) {
      failed.push({ item, error });
    }
  }
  return { stored, failed };
}
