/**
 * `ecspert approval list|show|approve|reject`: changes inside closed periods waiting for a second
 * person. `career-change`, `sponsor-change` and `consultant transfer` whose date falls in a closed
 * period keep the change as a request (its author signed in with `--by` and their password);
 * another user of the back office or an administrator approves it (it is applied then, as outside
 * closed periods) or rejects it with a reason, signed in the same way (src/cli/sign-in.ts). Nobody
 * approves their own request; a request is decided once.
 */
import type { Command } from 'commander';
import {
  approveChangeRequest,
  CHANGE_KINDS,
  CHANGE_REQUEST_STATUSES,
  type ChangeKind,
  type ChangeRequest,
  type ChangeRequestStatus,
  listChangeRequests,
  type ProposedChange,
  rejectChangeRequest,
  showChangeRequest,
  submitChange,
  type Submitted,
} from '../../../back-office/periods';
import { roleAllows, type Role } from '../../auth';
import type { Database } from '../../db';
import { recordId } from '../args';
import { action, createContext, UserError, withDatabase } from '../context';
import { pagedList, type PageOptions, printJson, printPage, withJson } from '../list';
import { signInFromCli } from '../sign-in';

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '');

/** What the change does, in a few words: `level MANAGER`, `sponsor D`, `unit LVIV, sponsor -`. */
function what(r: ChangeRequest): string {
  const c = r.change;
  const sponsor = (v: unknown) => (v === null ? '-' : String(v));
  switch (r.kind) {
    case 'career_change':
      return `level ${String(c.levelCode)}${c.validTo ? ` until ${String(c.validTo)}` : ''}`;
    case 'sponsor_change':
      return `sponsor ${sponsor(c.sponsorCode)}`;
    case 'unit_change':
      return `unit ${String(c.unitCode)}`;
    case 'transfer':
      return [
        c.unitCode !== undefined ? `unit ${String(c.unitCode)}` : null,
        c.sponsorCode !== undefined ? `sponsor ${sponsor(c.sponsorCode)}` : null,
      ]
        .filter(Boolean)
        .join(', ');
  }
}

const line = (r: ChangeRequest) =>
  `#${r.id} ${r.status} ${r.kind} ${r.consultantCode}: ${what(r)} from ${r.effectiveOn} (closed ${r.closedPeriod}); proposed by ${r.proposedBy} ${day(r.proposedAt)}${r.decidedBy ? `; ${r.status} by ${r.decidedBy} ${day(r.decidedAt)}` : ''}`;

const requestId = recordId;

function printRequest(r: ChangeRequest, json?: boolean): void {
  if (json) return printJson(r);
  console.log(line(r));
  console.log(`  reason: ${r.reason}`);
  if (r.decisionReason) console.log(`  rejected because: ${r.decisionReason}`);
  const periods = (r.result?.requestedPeriods as string[] | undefined) ?? null;
  if (periods)
    console.log(
      `  applied; recalculation requested for ${periods.join(', ') || 'no calculated or closed period'}`,
    );
}

/**
 * Enters a change from the command line: applied at once outside closed periods (`applied` prints
 * what was done); inside a closed period `--by` signs in and the change is kept for approval.
 */
export async function submitFromCli(
  database: Database,
  proposal: ProposedChange,
  by: string,
  applied: (result: Record<string, unknown>) => void,
): Promise<void> {
  const outcome: Submitted = await submitChange(database, proposal, by, {
    beforeProposing: async () => {
      const user = await signInFromCli(database, by, 'a change inside a closed period');
      if (!roleAllows(user.role as Role, 'network.write'))
        throw new UserError(`${user.login} (${user.role}) may not change the network`);
      return user.login;
    },
  });
  if (outcome.status === 'applied') return applied(outcome.result);
  const r = outcome.request;
  console.log(
    `change request #${r.id}: ${r.kind} of ${r.consultantCode} from ${r.effectiveOn} reaches into closed period ${r.closedPeriod}; kept for approval, nothing applied. Another user approves it: ecspert approval approve ${r.id} --by <login>`,
  );
}

export function registerApprovalCommands(program: Command): void {
  const approval = program
    .command('approval')
    .description('changes inside closed periods waiting for a second person: list, show, approve, reject');

  pagedList(
    approval
      .command('list')
      .description('change requests, oldest first: the pending ones unless --status says')
      .option('--status <status>', `${CHANGE_REQUEST_STATUSES.join(', ')} or all`, 'pending')
      .option('--kind <kind>', CHANGE_KINDS.join(', '))
      .option('--consultant <code>', "the consultant's code")
      .option('--proposed-by <login>', 'who proposed it'),
  ).action(
    action(
      async (
        o: PageOptions & { status: string; kind?: string; consultant?: string; proposedBy?: string },
      ) => {
        if (o.status !== 'all' && !(CHANGE_REQUEST_STATUSES as readonly string[]).includes(o.status))
          throw new UserError(
            `--status '${o.status}' is not one of ${CHANGE_REQUEST_STATUSES.join(', ')}, all`,
          );
        if (o.kind !== undefined && !(CHANGE_KINDS as readonly string[]).includes(o.kind))
          throw new UserError(`--kind '${o.kind}' is not one of ${CHANGE_KINDS.join(', ')}`);
        const page = await withDatabase(createContext(), (database) =>
          listChangeRequests(database, {
            status: o.status as ChangeRequestStatus | 'all',
            kind: o.kind as ChangeKind | undefined,
            consultantCode: o.consultant,
            proposedBy: o.proposedBy,
            page: o.page,
            pageSize: o.pageSize,
          }),
        );
        printPage(o, page, line);
      },
    ),
  );

  withJson(
    approval.command('show <id>').description('one change request: the change, its author, its decision'),
  ).action(
    action(async (id: string, o: { json?: boolean }) => {
      const n = requestId(id);
      const r = await withDatabase(createContext(), (database) => showChangeRequest(database, n));
      printRequest(r, o.json);
    }),
  );

  withJson(
    approval
      .command('approve <id>')
      .description(
        "approve another user's change request and apply it; --by signs in (password from ECSPERT_PASSWORD or asked)",
      )
      .requiredOption('--by <login>', 'who approves (signs in; not the author)'),
  ).action(
    action(async (id: string, o: { by: string; json?: boolean }) => {
      const n = requestId(id);
      const r = await withDatabase(createContext(), async (database) => {
        const user = await signInFromCli(database, o.by, `approving change request #${n}`);
        return approveChangeRequest(database, n, user);
      });
      if (o.json) return printJson(r);
      const periods = (r.result?.requestedPeriods as string[] | undefined) ?? [];
      console.log(
        `change request #${r.id} approved by ${r.decidedBy} and applied (proposed by ${r.proposedBy}); recalculation requested for ${periods.join(', ') || 'no calculated or closed period'}`,
      );
    }),
  );

  withJson(
    approval
      .command('reject <id>')
      .description("reject another user's change request with a reason; nothing is applied; --by signs in")
      .requiredOption('--by <login>', 'who rejects (signs in; not the author)')
      .requiredOption('--reason <text>', 'why'),
  ).action(
    action(async (id: string, o: { by: string; reason: string; json?: boolean }) => {
      const n = requestId(id);
      const r = await withDatabase(createContext(), async (database) => {
        const user = await signInFromCli(database, o.by, `rejecting change request #${n}`);
        return rejectChangeRequest(database, n, user, o.reason);
      });
      if (o.json) return printJson(r);
      console.log(`change request #${r.id} rejected by ${r.decidedBy}: ${r.decisionReason}`);
    }),
  );
}
