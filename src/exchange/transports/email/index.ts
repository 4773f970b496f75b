/** The e-mail channel: an insurer's mailbox over IMAP in, SMTP out, and the MIME parser between. */
export { ImapMailbox, type AfterStore, type ImapMailboxOptions, type MailboxPositions } from './imap-mailbox';
export {
  composeMail,
  SmtpSender,
  type ComposedMail,
  type OutgoingMail,
  type SmtpReceipt,
  type SmtpSenderOptions,
} from './smtp-sender';
export { parseMail, type MailAttachment, type ParsedMail } from './parse-mail';
