/**
 * Transports: how bytes move between the hub and an insurer (SFTP, REST, e-mail), one small interface
 * (transport.ts), with bounded retries and a registry of what was already taken in. They move raw
 * bytes only; decoding, parsing and signatures belong to the stages after the message store.
 */
export type {
  DeliveryReceipt,
  FetchedItem,
  InboundChannel,
  InboundItem,
  OutboundChannel,
  OutboundItem,
  Transport,
} from './transport';
export { pullNew } from './transport';
export { TransportError, type TransportErrorReason } from './transport-error';
export { assertSafeRemoteName } from './remote-name';
export {
  FileFetchedRegistry,
  MemoryFetchedRegistry,
  type FetchedEntry,
  type FetchedRegistry,
} from './fetched-registry';
export { SftpTransport, type SftpCompletion, type SftpTransportOptions } from './sftp-transport';
export {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  withRetry,
  type RetryDecision,
  type RetryPolicy,
} from './retry';
export { OAuthTokenCache, type IssuedToken, type OAuthTokenCacheOptions } from './oauth-token-cache';
export {
  RestTransport,
  parseRetryAfter,
  type RestAuth,
  type RestCall,
  type RestTransportOptions,
} from './rest-transport';
export { answerValue, itemCount, pageRequests, type PagingSpec } from './rest-paging';
export {
  composeMail,
  ImapMailbox,
  parseMail,
  SmtpSender,
  type AfterStore,
  type ComposedMail,
  type ImapMailboxOptions,
  type MailAttachment,
  type MailboxPositions,
  type OutgoingMail,
  type ParsedMail,
  type SmtpReceipt,
} from './email';
