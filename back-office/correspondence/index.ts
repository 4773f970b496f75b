/**
 * Correspondence with insurers: every e-mail to or from an insurer kept as a letter (the raw mail
 * stays in the message store) in threads linked to a policy, application or consultant, with a
 * state (waiting for us / for the insurer / closed), an unknown-sender queue, and replies sent from
 * the system. The e-mail channel calls `fileNewMail` after each pull; the API
 * (src/api/routes/correspondence) and the CLI (src/cli/commands/correspondence.ts) call the rest.
 */
export { CorrespondenceError, type CorrespondenceRefusal } from './errors';
export { fileNewMail, fileMessage, type FilingResult, type FiledLetter } from './filing';
export { subjectKey, type SubjectKey } from './links';
export { type InsurerMailSettings, type MailSettingsSource, mailSettingsFromAdapters } from './mail-settings';
export {
  attachmentContent,
  listThreads,
  policyThreads,
  showThread,
  THREAD_STATES,
  threadSummary,
  type AttachmentView,
  type LetterView,
  type ThreadFilter,
  type ThreadSummary,
  type ThreadView,
} from './views';
export {
  assignUnknownSender,
  dismissUnknownSender,
  relinkThread,
  setThreadState,
  type Author,
  type Relink,
} from './actions';
export { replySubject, replyToThread, sendLetter, type SendOutcome } from './reply';
