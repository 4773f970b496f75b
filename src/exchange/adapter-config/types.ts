/** Typed form of adapters/<insurer>/adapter.yaml (checked by schemas/adapter.schema.json). */
import type { CanonicalMessageType } from '../canonical';
import type { CsvTrailerRule, TextEncoding } from '../formats/csv';

/** `secret:<file in the secrets folder>` or `env:<VARIABLE>`; public material may also be `file:<repo path>`. */
export type SecretRef = string;

export interface SftpChannel {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  /** e.g. `secret:dnipro-life-sftp.key`. */
  privateKey: SecretRef;
  passphrase?: SecretRef;
  hostKeySha256?: string;
  /** e.g. { in: '/in', out: '/out' }: `in` is where we upload, `out` where the insurer puts files. */
  paths: { in: string; out: string };
  /** e.g. `.done`: a file is complete only when its marker exists. Same as `completion.marker`. */
  doneMarkerSuffix?: string;
  /**
   * How a file in the insurer's folder is known to be complete; default a `.done` marker. e.g.
   * `{ rename: { suffix: .part } }` (the insurer renames `name.part` to `name`) or
   * `{ stable: { seconds: 10 } }` (unchanged size and time over two listings 10 s apart).
   */
  completion?: SftpCompletionConfig;
}

export type SftpCompletionConfig =
  | { marker: { suffix: string } }
  | { rename: { suffix?: string; prefix?: string } }
  | { stable: { seconds: number } };

export interface RestChannel {
  /** e.g. `https://sandbox.partner.karpaty.example/api/v2`. */
  baseUrl: string;
  /**
   * An API key instead of OAuth, e.g. `{ apiKey: { key: secret:newco-api-key, in: header, name: X-Api-Key } }`
   * or `in: query, name: api_key`.
   */
  auth?: { apiKey: { key: SecretRef; in: 'header' | 'query'; name: string } };
  /** OAuth client-credentials token path, e.g. `/oauth/token`. */
  tokenPath?: string;
  clientId?: SecretRef;
  clientSecret?: SecretRef;
  rateLimitPerSecond?: number;
  timeoutMs?: number;
  retries?: { max?: number; backoffMs?: number };
}

export interface RestRequestConfig {
  method: 'GET' | 'POST' | 'PUT';
  /** Below the channel's baseUrl, e.g. `/payments` or `/applications/batches/{batchId}`. */
  path: string;
  /** Constant query parameters, e.g. { status: posted }. */
  query?: Record<string, string>;
  /** Where the items are in the answer, e.g. `data` or `result.items` (XML: `PolicyPage.Policy`). */
  itemsPath?: string;
  /**
   * Incremental pulls: `param` gets the time of the last successful pull of this message (`date`:
   * its business day, yyyy-mm-dd; `datetime`: the moment it started, ISO 8601), or `initial` the
   * first time (left out when there is none).
   */
  since?: { param: string; format?: 'date' | 'datetime'; initial?: string };
  /** The end of the range, when the API asks for one: this run's day or moment, e.g. { param: to, format: date }. */
  until?: { param: string; format?: 'date' | 'datetime' };
  /**
   * Outgoing (POST or PUT): where the answer has the insurer's id of what was sent, e.g. `id` or
   * `BatchReceipt.@batchId`; the register is sent by configuration when it is given.
   */
  answerIdPath?: string;
  /** How the answer pages; one call when absent. */
  paging?:
    | {
        page: {
          param: string;
          startAt?: number;
          sizeParam?: string;
          size?: number;
          totalPagesPath?: string;
        };
      }
    | { cursor: { param: string; cursorPath: string; sizeParam?: string; size?: number } };
}

export interface MessageTypeConfig {
  /** Canonical message type; the key of `messages` when absent. */
  record?: CanonicalMessageType;
  direction: 'in' | 'out';
  /** e.g. `^CONTRACTS_(\d{8})\.csv$`. */
  fileNamePattern?: string;
  /**
   * The REST call of this message, e.g. `{ method: GET, path: /payments }`. An incoming message
   * with a GET whose path has no `{placeholder}` is fetched by configuration on every run; any
   * other call is for the adapter's hook (adapters/<insurer>/exchange.ts).
   */
  request?: RestRequestConfig;
  format: 'csv' | 'xml' | 'xlsx' | 'json';
  formatOptions?: {
    encoding?: TextEncoding;
    delimiter?: string;
    header?: boolean;
    trailer?: CsvTrailerRule;
    sheet?: string;
    headerRow?: number;
  };
  /**
   * e.g. `mappings/dnipro-life/contracts.yaml`. Absent only on a message whose content is read by its
   * parts (a bordereau whose sheets are contracts, payments and commission: see `partOf`).
   */
  mapping?: string;
  /**
   * E-mail: how an incoming mail is recognised as this message type, and where its file is. Every
   * condition given must hold; the first message type (in adapter order) whose conditions hold types it.
   */
  mail?: MailTyping;
  /**
   * This message type is a part of the named incoming one: read from the same attachment (its own
   * `formatOptions.sheet`) and applied with it, parts in the order they are declared, in one
   * transaction. A part is never received on its own.
   */
  partOf?: string;
  /** `reject-file`: one bad row refuses the file; `quarantine-row`: bad rows go to review, the rest is applied. */
  badRowPolicy?: 'reject-file' | 'quarantine-row';
  maxSizeBytes?: number;
  /** The document carries (in) or must get (out) an XML signature. */
  signed?: boolean;
  /** Outbound: how the message is named, e.g. `REG_AG0042_{yyyymmdd}_{nnn}.csv`. */
  fileNameTemplate?: string;
  /** Outbound: constants the mapping asks for, e.g. { partnerCode: AG-0042 }. */
  params?: Record<string, string>;
}

/** How an incoming e-mail is typed (see MessageTypeConfig.mail). */
export interface MailTyping {
  /** Regex the decoded subject must match, e.g. `^Бордеро AG0042 (\\d{2})\\.(\\d{4})`. */
  subject?: string;
  /** Senders (addresses, lower case) this message type comes from; the channel's allowedSenders when absent. */
  from?: string[];
  /**
   * The mail must answer (In-Reply-To) an outgoing message of this type that we sent, e.g. `register`;
   * its Message-ID is the reply key `fromMail: inReplyTo` reads.
   */
  inReplyTo?: string;
  /** Regex the attachment's decoded file name must match; the mail must carry exactly one such file. */
  attachment?: string;
  /**
   * A later mail of this type with the same key replaces the earlier one entirely, e.g. `$2-$1` (the
   * month a bordereau covers, from the groups of `subject`): what the earlier one added and the later
   * one lacks is reversed.
   */
  replaces?: string;
  /** Outgoing: the mail's subject, e.g. `Реєстр заяв AG0042 від {dd.mm.yyyy} №{n}` (n: the register's running number). */
  subjectTemplate?: string;
}

/** `channels.email`: the insurer's mailbox (IMAP in), SMTP out, and the addresses of the exchange. */
export interface EmailChannel {
  imap?: {
    host: string;
    port: number;
    secure?: boolean;
    user: string;
    password: SecretRef;
    /** Default INBOX. */
    mailbox?: string;
    /** Delete a mail once it is stored; default false (mail is never deleted or moved). */
    deleteAfterImport?: boolean;
  };
  smtp?: { host: string; port: number; secure?: boolean; user?: string; password?: SecretRef };
  /** Our address, e.g. `Агенція <exchange@agency.example>`. */
  from?: string;
  /** The insurer's desk registers are sent to. */
  to?: string;
  /** Senders whose mail is part of the exchange; any other sender's mail goes to a person. */
  allowedSenders?: string[];
  /** Default 25 MiB per mail. */
  maxMessageBytes?: number;
  /** Default 20 MiB per attachment. */
  maxAttachmentBytes?: number;
}

export interface AdapterConfig {
  insurer: { code: string; name: string; companyCode: string };
  owner: string;
  specVersion: string;
  channels: { sftp?: SftpChannel; rest?: RestChannel; email?: EmailChannel };
  /** Cron pattern per job, e.g. { 'fetch-out': '*\/15 * * * *' }. */
  schedules?: Record<string, string>;
  signature?: { verifyWith?: SecretRef; signWith?: SecretRef; signCertificate?: SecretRef };
  messages: Record<string, MessageTypeConfig>;
  /** How this insurer's mismatches are reconciled (src/exchange/reconciliation). */
  reconciliation?: ReconciliationConfig;
}

/** Reconciliation per adapter: when an accepted application is overdue, and rules applied on raising. */
export interface ReconciliationConfig {
  acceptedNoContractDays?: number;
  /** A contract with no application number is a contract_without_application mismatch (default: only a cited number we do not hold). */
  requireApplication?: boolean;
  autoResolve?: { kind: string; maxDifferenceKop?: number; action: 'ignore'; comment?: string }[];
}

export interface LoadedAdapter extends AdapterConfig {
  /** Absolute folder, e.g. /…/adapters/dnipro-life. */
  folder: string;
  /** Absolute path of adapter.yaml. */
  file: string;
}

export interface AdapterFinding {
  level: 'error' | 'warning';
  /** File the finding is about. */
  file: string;
  /** JSON path inside it, e.g. `/messages/contracts/mapping`. */
  path: string;
  message: string;
}
