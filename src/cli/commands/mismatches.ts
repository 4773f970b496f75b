/**
 * `ecspert mismatch list|show|resolve|sweep`: the reconciliation review (src/exchange/reconciliation).
 * Resolving signs in with `--by` (password from ECSPERT_PASSWORD or asked) and needs the permission
 * mismatches.write (back office, integration engineer, administrator); the decision and its comment
 * go to each mismatch's trail (the audit log).
 */
import type { Command } from 'commander';
import { roleAllows, type Role } from '../../auth';
import type { Database } from '../../db';
import {
  findMismatch,
  letterFor,
  listMismatches,
  MISMATCH_ACTIONS,
  type Mismatch,
  type MismatchAction,
  MismatchResolutionError,
  resolveMismatches,
  sweepAcceptedNoContract,
} from '../../exchange/reconciliation';
import { oneOf, recordId } from '../args';
import { action, createContext, UserError, withDatabase } from '../context';
import { pagedList, type PageOptions, printJson, printPage, withJson } from '../list';
import { signInFromCli } from '../sign-in';

const STATUSES = ['open', 'resolved', 'ignored'] as const;

const line = (m: Mismatch) =>
  `#${m.id} ${m.status} ${m.insurerCode} ${m.kind}${m.policyNumber ? ` policy ${m.policyNumber}` : ''}${m.field ? ` ${m.field}` : ''}: theirs ${m.insurerValue ?? '—'}, ours ${m.ourValue ?? '—'}${m.sourceMessageId ? ` (message ${m.sourceMessageId}${m.sourceRow ? `, row ${m.sourceRow}` : ''})` : ''}`;

async function signIn(database: Database, by: string, what: string): Promise<{ login: string }> {
  const user = await signInFromCli(database, by, what);
  if (!roleAllows(user.role as Role, 'mismatches.write'))
    throw new UserError(`${user.login} (${user.role}) may not resolve mismatches`);
  return { login: user.login };
}

export function registerMismatchCommands(program: Command): void {
  const mismatch = program
    .command('mismatch')
    .description('reconciliation mismatches: list, show with the trail, resolve one or many, sweep');

  pagedList(
    mismatch
      .command('list')
      .description('mismatches, newest first')
      .option('--status <status>', STATUSES.join(', '), oneOf(STATUSES))
      .option('--kind <kind>', 'e.g. commission_rate_differs')
      .option('--insurer <code>', 'insurer code')
      .option('--policy <number>', 'policy number')
      .option('--message <id>', 'the stored message it was found in', recordId),
  ).action(
    action(
      async (
        o: PageOptions & {
          status?: (typeof STATUSES)[number];
          kind?: string;
          insurer?: string;
          policy?: string;
          message?: number;
        },
      ) => {
        const page = await withDatabase(createContext(), (database) =>
          listMismatches(
            database,
            {
              status: o.status,
              kind: o.kind,
              insurerCode: o.insurer,
              policyNumber: o.policy,
              messageId: o.message,
            },
            { page: o.page, pageSize: o.pageSize },
          ),
        );
        printPage(o, page, line);
      },
    ),
  );

  withJson(
    mismatch.command('show <id>').description('one mismatch: both values, where it came from, its trail'),
  ).action(
    action(async (id: string, o: { json?: boolean }) => {
      const view = await withDatabase(createContext(), async (database) => {
        const m = await findMismatch(database, recordId(id));
        if (!m) throw new UserError(`no mismatch ${id}`);
        const trail = await database.db
          .selectFrom('audit_log')
          .select(['occurred_at', 'actor', 'action', 'reason'])
          .where('entity_kind', '=', 'mismatch')
          .where('entity_id', '=', String(m.id))
          .orderBy('occurred_at')
          .orderBy('id')
          .execute();
        return { mismatch: m, trail, letter: await letterFor(database, m.id) };
      });
      if (o.json) return printJson(view);
      const m = view.mismatch;
      console.log(line(m));
      if (m.details) console.log(`  ${m.details}`);
      console.log(`  found ${m.createdAt.toISOString()}`);
      for (const t of view.trail)
        console.log(
          `  ${new Date(t.occurred_at).toISOString()} ${t.actor} ${t.action}${t.reason ? `: ${t.reason}` : ''}`,
        );
    }),
  );

  withJson(
    mismatch
      .command('resolve <ids...>')
      .description(
        'resolve one or many with one action and a comment: accept_insurer, keep_ours (prints the letter to send), link_application, link_consultant, add_alias, ignore',
      )
      .requiredOption('--action <action>', MISMATCH_ACTIONS.join(', '), oneOf(MISMATCH_ACTIONS))
      .requiredOption('--comment <text>', 'why (kept in the trail)')
      .requiredOption('--by <login>', 'who decides (signs in)')
      .option('--application <number>', 'link_application: our application number')
      .option('--consultant <code>', 'link_consultant, add_alias: our consultant code'),
  ).action(
    action(
      async (
        ids: string[],
        o: {
          action: MismatchAction;
          comment: string;
          by: string;
          application?: string;
          consultant?: string;
          json?: boolean;
        },
      ) => {
        const results = await withDatabase(createContext(), async (database) => {
          const author = await signIn(database, o.by, `resolving mismatch ${ids.join(', ')}`);
          try {
            return await resolveMismatches(database, ids.map(recordId), {
              action: o.action,
              comment: o.comment,
              by: author.login,
              applicationNumber: o.application,
              consultantCode: o.consultant,
            });
          } catch (error) {
            if (error instanceof MismatchResolutionError) throw new UserError(error.message);
            throw error;
          }
        });
        if (o.json) return printJson(results);
        for (const r of results) {
          console.log(
            `#${r.id} ${r.status} (${r.action})${r.changes.length ? `: ${r.changes.join('; ')}` : ''}`,
          );
          if (r.letter)
            console.log(
              `--- letter to send through correspondence ---\n${r.letter.subject}\n\n${r.letter.body}\n---`,
            );
        }
      },
    ),
  );

  withJson(
    mismatch
      .command('sweep')
      .description(
        'raise accepted_no_contract for applications accepted with no contract after their adapter’s days',
      )
      .option('--insurer <code>', 'only this insurer'),
  ).action(
    action(async (o: { insurer?: string; json?: boolean }) => {
      const report = await withDatabase(createContext(), (database) =>
        sweepAcceptedNoContract(database, { insurerCode: o.insurer }),
      );
      if (o.json) return printJson(report);
      console.log(
        `${report.overdue} overdue application(s), ${report.raised} new mismatch(es), ${report.cleared} resolved`,
      );
    }),
  );
}
