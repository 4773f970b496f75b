/** The message store: raw payloads in and out, their identity, status and trail. */
export {
  storeMessage,
  findMessage,
  findMessageByKey,
  readPayload,
  setMessageStatus,
  recordEvent,
  countAttempt,
  listMessages,
  messageTrail,
  sha256Hex,
  type StoredMessage,
  type NewMessage,
  type Channel,
  type Direction,
  type MessageFilter,
} from './message-store';
