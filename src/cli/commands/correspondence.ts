/**
 * `ecspert correspondence list|show|reply|state|file`: letters with insurers (back-office/correspondence).
 * Writes sign in with `--by` (password from ECSPERT_PASSWORD or asked) and need the permission
 * correspondence.write (back office, integration engineer, administrator); the author and reason go
 * to the audit log. A reply is stored first, then sent over the insurer's SMTP (its adapter's
 * `channels.email`); a failed send is kept as not sent: `reply --retry <letter>` sends it again.
 */
import type { Command } from 'commander';
import {
  fileNewMail,
  listThreads,
  mailSettingsFromAdapters,
  replyToThread,
  sendLetter,
  setThreadState,
  showThread,
  THREAD_STATES,
  type ThreadSummary,
} from '../../../back-office/correspondence';
import { roleAllows, type Role } from '../../auth';
import type { CorrespondenceState, Database } from '../../db';
import { oneOf, recordId } from '../args';
import { action, createContext, UserError, withDatabase } from '../context';
import { pagedList, type PageOptions, printJson, printPage, withJson } from '../list';
import { signInFromCli } from '../sign-in';

const line = (t: ThreadSummary) =>
  `#${t.id} ${t.state} ${t.insurer ?? '(unknown sender)'} "${t.subject}"${t.policyNumber ? ` policy ${t.policyNumber}` : ''}${t.applicationNumber ? ` application ${t.applicationNumber}` : ''}${t.consultantCode ? ` consultant ${t.consultantCode}` : ''}; ${t.letters} letter(s), last ${t.lastLetterAt.slice(0, 16).replace('T', ' ')}${t.pendingUnknown ? `; ${t.pendingUnknown} from an unknown sender waiting` : ''}`;

async function signIn(database: Database, by: string, what: string): Promise<{ login: string }> {
  const user = await signInFromCli(database, by, what);
  if (!roleAllows(user.role as Role, 'correspondence.write'))
    throw new UserError(`${user.login} (${user.role}) may not write to insurers`);
  return { login: user.login };
}

export function registerCorrespondenceCommands(program: Command): void {
  const correspondence = program
    .command('correspondence')
    .description('letters with insurers: threads, replies, states, the unknown-sender queue');

  pagedList(
    correspondence
      .command('list')
      .description('threads of letters, the latest first')
      .option('--state <state>', THREAD_STATES.join(', '), oneOf(THREAD_STATES))
      .option('--insurer <code>', 'insurer code')
      .option('--policy <id>', 'policy id', recordId)
      .option('--application <id>', 'application id', recordId)
      .option('--consultant <code>', 'consultant code')
      .option('--unknown-sender', 'only threads with a letter from an unknown sender waiting'),
  ).action(
    action(
      async (
        o: PageOptions & {
          state?: CorrespondenceState;
          insurer?: string;
          policy?: number;
          application?: number;
          consultant?: string;
          unknownSender?: boolean;
        },
      ) => {
        const page = await withDatabase(createContext(), (database) =>
          listThreads(database, {
            state: o.state,
            insurer: o.insurer,
            policyId: o.policy,
            applicationId: o.application,
            consultant: o.consultant,
            unknownSender: o.unknownSender,
            page: o.page,
            pageSize: o.pageSize,
          }),
        );
        printPage(o, page, line);
      },
    ),
  );

  withJson(
    correspondence.command('show <thread>').description('a thread with its letters, oldest first'),
  ).action(
    action(async (id: string, o: { json?: boolean }) => {
      const view = await withDatabase(createContext(), (database) => showThread(database, recordId(id)));
      if (o.json) return printJson(view);
      console.log(line(view.thread));
      for (const l of view.letters) {
        const status = l.sendStatus ? ` [${l.sendStatus}${l.sendError ? `: ${l.sendError}` : ''}]` : '';
        const queue = l.senderQueue
          ? ` [unknown sender: ${l.senderQueue}${l.queueReason ? `, ${l.queueReason}` : ''}]`
          : '';
        console.log(
          `\n  letter ${l.id} ${l.direction === 'inbound' ? 'from' : 'to'} ${l.direction === 'inbound' ? l.sender : l.recipients} ${l.writtenAt}${status}${queue}`,
        );
        console.log(`  ${l.subject}`);
        for (const text of l.text.trim().split('\n')) console.log(`    ${text}`);
        for (const a of l.attachments)
          console.log(`  attachment ${a.id}: ${a.fileName} (${a.contentType}, ${a.sizeBytes} bytes)`);
      }
    }),
  );

  withJson(
    correspondence
      .command('reply <thread>')
      .description(
        "answer a thread over the insurer's SMTP (stored first); --retry <letter> sends a failed reply again",
      )
      .requiredOption('--by <login>', 'who writes (signs in)')
      .option('--text <text>', 'the reply')
      .option('--retry <letter>', 'send again a reply whose send failed', recordId),
  ).action(
    action(async (id: string, o: { by: string; text?: string; retry?: number; json?: boolean }) => {
      const context = createContext();
      const settings = mailSettingsFromAdapters({ secretsDir: context.config.secretsDir });
      if (!o.retry && !o.text) throw new UserError('--text is needed (or --retry <letter>)');
      const outcome = await withDatabase(context, async (database) => {
        const author = await signIn(database, o.by, `replying to thread ${id}`);
        return o.retry
          ? sendLetter(database, o.retry, author, settings)
          : replyToThread(database, recordId(id), { text: o.text! }, author, settings);
      });
      if (o.json) return printJson(outcome);
      console.log(
        outcome.sendStatus === 'sent'
          ? `letter ${outcome.letterId} sent as ${outcome.mailMessageId}; thread ${outcome.threadId} waits for the insurer`
          : `letter ${outcome.letterId} is kept but NOT sent (${outcome.sendError}); send it again: ecspert correspondence reply ${outcome.threadId} --retry ${outcome.letterId} --by ${o.by}`,
      );
    }),
  );

  withJson(
    correspondence
      .command('state <thread> <state>')
      .description(`set a thread's state (${THREAD_STATES.join(', ')}) with a reason`)
      .requiredOption('--by <login>', 'who changes it (signs in)')
      .requiredOption('--reason <text>', 'why'),
  ).action(
    action(async (id: string, state: string, o: { by: string; reason: string; json?: boolean }) => {
      const to = oneOf(THREAD_STATES)(state);
      const thread = await withDatabase(createContext(), async (database) => {
        const author = await signIn(database, o.by, `changing thread ${id}`);
        return setThreadState(database, recordId(id), to, author, o.reason);
      });
      if (o.json) return printJson(thread);
      console.log(line(thread));
    }),
  );

  withJson(
    correspondence
      .command('file')
      .description(
        'file every stored e-mail not filed yet as letters (what the e-mail channel does after each pull)',
      ),
  ).action(
    action(async (o: { json?: boolean }) => {
      const result = await withDatabase(createContext(), (database) => fileNewMail(database));
      if (o.json) return printJson(result);
      console.log(
        `${result.filed} letter(s) filed${result.failed.length ? `; ${result.failed.length} could not be filed:` : ''}`,
      );
      for (const f of result.failed) console.log(`  message ${f.messageId}: ${f.reason}`);
    }),
  );
}
