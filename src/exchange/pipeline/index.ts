/**
 * The inbound pipeline: receive (store raw) → verify → parse → map → validate → apply, with
 * quarantine and replay.
 */
export { receive, processPending, type Delivery, type Received } from './receive';
export {
  processMessage,
  replayMessage,
  PROCESSING_ORDER,
  type ProcessReport,
  type ProcessOptions,
} from './process-message';
export type { ExchangeDeps } from './deps';
export { receiveMail, typeMail, LETTER, UNKNOWN_SENDER, type MailTypingResult } from './receive-mail';
export { openMail, bareMessageId } from './mail-message';
export {
  messageRecords,
  NotParsedError,
  type ParsedRecord,
  type ParsedRecordsPage,
  type RecordIssue,
} from './records';
