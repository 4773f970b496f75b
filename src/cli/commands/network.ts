/**
 * `ecspert unit …`, `ecspert consultant …`, `ecspert network tree`: the network from the command line,
 * thin over back-office/network (parse, call, print). Dates are yyyy-mm-dd; --as-of defaults to today,
 * --known-at to now. A refusal prints one line naming the field and exits 1.
 */
import type { Command } from 'commander';
import {
  closeUnit,
  hireConsultant,
  type LegalForm,
  listConsultants,
  moveUnit,
  NetworkInputError,
  networkTree,
  openUnit,
  rehireConsultant,
  renameUnit,
  showUnitNode,
  terminateConsultant,
  unitMembersAsOf,
  unitTreeAsOf,
  updateContactDetails,
} from '../../../back-office/network';
import { consultantCard } from '../../../back-office/consultant-card';
import { submitFromCli } from './approvals';
import type { Database } from '../../db';
import { formatHryvnias } from '../../db/money';
import { wholeNumber } from '../args';
import { action, createContext, UserError, withDatabase } from '../context';
import { pagedList, type PageOptions, pageWindow, printJson as print, printPage } from '../list';

const money = (kop: number) => formatHryvnias(kop).replace(/\u00a0/g, ' ');
const today = () => new Date().toISOString().slice(0, 10);
const dash = (code: string) => (code === '-' ? null : code);

interface AsOfOptions {
  asOf?: string;
  knownAt?: string;
  json?: boolean;
}

function knownAt(o: AsOfOptions): Date {
  if (!o.knownAt) return new Date();
  const at = new Date(o.knownAt);
  if (Number.isNaN(at.getTime()))
    throw new UserError(`--known-at: '${o.knownAt}' is not a moment (e.g. 2026-03-01T12:00:00Z)`);
  return at;
}

/** Opens the database, runs the service; a refusal is one line naming the option at fault. */
async function run<T>(work: (database: Database) => Promise<T>): Promise<T> {
  return withDatabase(createContext(), async (database) => {
    try {
      return await work(database);
    } catch (error) {
      if (error instanceof NetworkInputError) throw new UserError(`refused: ${error.message}`);
      throw error;
    }
  });
}

export function registerNetworkCommands(program: Command): void {
  const unit = program
    .command('unit')
    .description('units: the tree with managers and counts; open, rename, move, close');

  unit
    .command('list')
    .description('the unit tree on a date, with consultants in each unit and below')
    .option('--as-of <date>', 'the business date (default today)')
    .option('--known-at <moment>', 'as known at this moment (default now)')
    .option('--json', 'as JSON')
    .action(
      action(async (o: AsOfOptions) => {
        const date = o.asOf ?? today();
        const tree = await run((db) => unitTreeAsOf(db, date, knownAt(o)));
        if (o.json) return print(tree);
        console.log(`units on ${date}: ${tree.length}`);
        for (const u of tree)
          console.log(
            `${'  '.repeat(u.depth)}${u.code}  ${u.name}  manager ${u.managerCode ?? '-'}  consultants ${u.consultants} (with sub-units ${u.consultantsTotal})`,
          );
      }),
    );

  unit
    .command('show <code>')
    .description('one unit on a date, with its consultants')
    .option('--as-of <date>', 'the business date (default today)')
    .option('--known-at <moment>', 'as known at this moment (default now)')
    .option('--json', 'as JSON')
    .action(
      action(async (code: string, o: AsOfOptions) => {
        const date = o.asOf ?? today();
        const shown = await run(async (db) => {
          const node = await showUnitNode(db, code, date, knownAt(o));
          return { ...node, asOf: date, members: await unitMembersAsOf(db, node.unitId, date, knownAt(o)) };
        });
        if (o.json) return print(shown);
        console.log(`${shown.code}  ${shown.name}  (on ${date}, since ${shown.since})`);
        console.log(
          `parent ${shown.parentCode ?? '-'}; manager ${shown.managerCode ?? '-'} ${shown.managerName ?? ''}`,
        );
        console.log(
          `consultants ${shown.consultants}, with sub-units ${shown.consultantsTotal}; sub-units ${shown.subUnits}`,
        );
        for (const m of shown.members) console.log(`  ${m.code}  ${m.fullName}`);
      }),
    );

  unit
    .command('open <code> <name>')
    .description('open a unit on a date, under a parent unit, with a manager')
    .requiredOption('--on <date>', 'opening day, yyyy-mm-dd')
    .requiredOption('--by <user>', 'who enters it')
    .option('--parent <unit>', 'the parent unit (default: a top unit)')
    .option('--manager <consultant>', "the manager's consultant code")
    .option('--city <city>', 'where it works')
    .option('--reason <text>', 'why')
    .action(
      action(
        async (
          code: string,
          name: string,
          o: { on: string; by: string; parent?: string; manager?: string; city?: string; reason?: string },
        ) => {
          const u = await run((db) =>
            openUnit(db, {
              code,
              name,
              openedOn: o.on,
              parentCode: o.parent ?? null,
              managerCode: o.manager ?? null,
              city: o.city ?? null,
              recordedBy: o.by,
              reason: o.reason,
            }),
          );
          console.log(`unit ${u.code} opened on ${o.on} under ${u.parentCode ?? 'the top'}`);
        },
      ),
    );

  unit
    .command('rename <code> <name>')
    .description('rename a unit from a date')
    .requiredOption('--from <date>', 'first day of the new name')
    .requiredOption('--by <user>', 'who enters it')
    .option('--reason <text>', 'why')
    .action(
      action(async (code: string, name: string, o: { from: string; by: string; reason?: string }) => {
        await run((db) => renameUnit(db, { code, name, from: o.from, recordedBy: o.by, reason: o.reason }));
        console.log(`unit ${code} is called '${name}' from ${o.from}`);
      }),
    );

  unit
    .command('move <code> <parent>')
    .description("move a unit under another parent ('-' for the top) from a date")
    .requiredOption('--from <date>', 'first day under the new parent')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--by <user>', 'who enters it')
    .option('--manager <consultant>', "a new manager from the same day ('-' for none)")
    .action(
      action(
        async (
          code: string,
          parent: string,
          o: { from: string; reason: string; by: string; manager?: string },
        ) => {
          await run((db) =>
            moveUnit(db, {
              code,
              parentCode: dash(parent),
              managerCode: o.manager === undefined ? undefined : dash(o.manager),
              from: o.from,
              recordedBy: o.by,
              reason: o.reason,
            }),
          );
          console.log(`unit ${code} is under ${dash(parent) ?? 'the top'} from ${o.from}`);
        },
      ),
    );

  unit
    .command('close <code>')
    .description('close a unit from a date (its consultants and sub-units must have left)')
    .requiredOption('--on <date>', 'the first day it no longer exists')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--by <user>', 'who enters it')
    .action(
      action(async (code: string, o: { on: string; reason: string; by: string }) => {
        await run((db) => closeUnit(db, { code, closedOn: o.on, recordedBy: o.by, reason: o.reason }));
        console.log(`unit ${code} closed from ${o.on}`);
      }),
    );

  const consultant = program
    .command('consultant')
    .description('consultants: list, card, hire, terminate, rehire, transfer, contact details');

  pagedList(
    consultant
      .command('list')
      .description('consultants by code with status and unit on a date')
      .option('--as-of <date>', 'the business date (default today)')
      .option('--known-at <moment>', 'as known at this moment (default now)')
      .option('--search <text>', 'code or name contains')
      .option('--unit <code>', 'only this unit on the date'),
  ).action(
    action(async (o: AsOfOptions & PageOptions & { search?: string; unit?: string }) => {
      const date = o.asOf ?? today();
      const page = await run((db) =>
        listConsultants(db, {
          date,
          knownAt: knownAt(o),
          search: o.search,
          unitCode: o.unit,
          ...pageWindow(o),
        }),
      );
      if (!o.json) console.log(`consultants on ${date}: ${page.total}`);
      printPage(
        o,
        page,
        (c) => `${c.code}  ${c.fullName}  ${c.status ?? '-'}  unit ${c.unitCode ?? '-'}  hired ${c.hiredOn}`,
      );
    }),
  );

  consultant
    .command('show <code>')
    .description(
      'the consultant card on a date: careers, statuses, upline, downline, policies, accruals, acts',
    )
    .option('--as-of <date>', 'the business date (default today)')
    .option('--known-at <moment>', 'as known at this moment (default now)')
    .option('--json', 'as JSON')
    .action(
      action(async (code: string, o: AsOfOptions) => {
        const date = o.asOf ?? today();
        const card = await run((db) => consultantCard(db, code, date, knownAt(o)));
        if (o.json) return print(card);
        console.log(`${card.code}  ${card.fullName}  (${card.legalForm}, РНОКПП ${card.taxNumber ?? '-'})`);
        console.log(
          `on ${date}: ${card.status ?? 'not hired'}, unit ${card.unit?.code ?? '-'}, level ${card.level ?? '-'}`,
        );
        console.log(`hired ${card.hiredOn}${card.terminatedOn ? `, terminated ${card.terminatedOn}` : ''}`);
        console.log(
          `contact: ${card.contact.phone ?? '-'}, ${card.contact.email ?? '-'}, ${card.contact.address ?? '-'}`,
        );
        console.log(`upline: ${card.upline.map((u) => u.code).join(' <- ') || '-'}`);
        console.log(
          `direct downline (${card.directDownline.length}, total ${card.totalDownline}): ${card.directDownline.map((d) => d.code).join(', ') || '-'}`,
        );
        console.log('careers:');
        for (const e of card.careerHistory)
          console.log(`  ${e.validFrom} .. ${e.validTo}  ${e.levelCode} (${e.source})`);
        console.log('statuses:');
        for (const s of card.statusHistory)
          console.log(`  ${s.validFrom} .. ${s.validTo}  ${s.status}${s.reason ? ` (${s.reason})` : ''}`);
        console.log(`policies: ${card.policies.count}`);
        console.log('accruals:');
        for (const a of card.accruals)
          console.log(`  ${a.periodCode}  ${money(a.totalKop)}  (${a.lines} lines)`);
        console.log('acts:');
        for (const a of card.acts)
          console.log(`  ${a.number}  ${a.periodCode}  ${a.actDate}  net ${money(a.netKop)}`);
      }),
    );

  consultant
    .command('hire <code> <fullName>')
    .description('hire a consultant into a unit under a sponsor from a date')
    .requiredOption('--tax-number <digits>', 'РНОКПП, 10 digits with its check digit')
    .requiredOption('--legal-form <form>', 'individual or sole_proprietor (ФОП)')
    .requiredOption('--sponsor <code>', "the sponsor's code ('-' for the top of the network)")
    .requiredOption('--unit <code>', 'the unit')
    .requiredOption('--on <date>', 'the first working day, yyyy-mm-dd')
    .requiredOption('--by <user>', 'who enters it')
    .option('--phone <phone>')
    .option('--email <email>')
    .option('--address <address>')
    .option('--reason <text>')
    .action(
      action(
        async (
          code: string,
          fullName: string,
          o: {
            taxNumber: string;
            legalForm: string;
            sponsor: string;
            unit: string;
            on: string;
            by: string;
            phone?: string;
            email?: string;
            address?: string;
            reason?: string;
          },
        ) => {
          if (o.legalForm !== 'individual' && o.legalForm !== 'sole_proprietor')
            throw new UserError(`--legal-form: '${o.legalForm}' is not individual or sole_proprietor`);
          await run((db) =>
            hireConsultant(db, {
              code,
              fullName,
              taxNumber: o.taxNumber,
              legalForm: o.legalForm as LegalForm,
              sponsorCode: dash(o.sponsor),
              unitCode: o.unit,
              hiredOn: o.on,
              phone: o.phone,
              email: o.email,
              address: o.address,
              recordedBy: o.by,
              reason: o.reason,
            }),
          );
          console.log(
            `consultant ${code} hired on ${o.on} into ${o.unit} under ${dash(o.sponsor) ?? 'the top'}`,
          );
        },
      ),
    );

  consultant
    .command('terminate <code>')
    .description("end a consultant's work from a date")
    .requiredOption('--on <date>', 'the first day without work')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--by <user>', 'who enters it')
    .action(
      action(async (code: string, o: { on: string; reason: string; by: string }) => {
        await run((db) =>
          terminateConsultant(db, { code, terminatedOn: o.on, reason: o.reason, recordedBy: o.by }),
        );
        console.log(`consultant ${code} terminated from ${o.on}`);
      }),
    );

  consultant
    .command('rehire <code>')
    .description('take a terminated consultant back from a date')
    .requiredOption('--on <date>', 'the first working day again')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--by <user>', 'who enters it')
    .action(
      action(async (code: string, o: { on: string; reason: string; by: string }) => {
        await run((db) =>
          rehireConsultant(db, { code, rehiredOn: o.on, reason: o.reason, recordedBy: o.by }),
        );
        console.log(`consultant ${code} active again from ${o.on}`);
      }),
    );

  consultant
    .command('transfer <code>')
    .description(
      'move a consultant to another unit and/or sponsor from a date (inside a closed period it waits for another user: ecspert approval)',
    )
    .requiredOption('--from <date>', 'the first day in the new place')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--by <user>', 'who enters it (inside a closed period: signs in, see ecspert approval)')
    .option('--unit <code>', 'the new unit')
    .option('--sponsor <code>', "the new sponsor ('-' for the top)")
    .action(
      action(
        async (
          code: string,
          o: { from: string; reason: string; by: string; unit?: string; sponsor?: string },
        ) => {
          const change = {
            code,
            effectiveOn: o.from,
            unitCode: o.unit,
            sponsorCode: o.sponsor === undefined ? undefined : dash(o.sponsor),
            reason: o.reason,
          };
          await run((db) =>
            submitFromCli(db, { kind: 'transfer', change }, o.by, (done) =>
              console.log(
                `consultant ${code} transferred from ${o.from}; recalculation requested for ${(done.requestedPeriods as string[]).join(', ') || 'no calculated or closed period'}`,
              ),
            ),
          );
        },
      ),
    );

  consultant
    .command('contact <code>')
    .description("change a consultant's phone, e-mail or address ('-' clears one)")
    .requiredOption('--by <user>', 'who enters it')
    .option('--phone <phone>')
    .option('--email <email>')
    .option('--address <address>')
    .option('--reason <text>')
    .action(
      action(
        async (
          code: string,
          o: { by: string; phone?: string; email?: string; address?: string; reason?: string },
        ) => {
          const value = (v: string | undefined) => (v === undefined ? undefined : dash(v));
          const after = await run((db) =>
            updateContactDetails(db, {
              code,
              phone: value(o.phone),
              email: value(o.email),
              address: value(o.address),
              recordedBy: o.by,
              reason: o.reason,
            }),
          );
          console.log(
            `consultant ${code}: ${after.phone ?? '-'}, ${after.email ?? '-'}, ${after.address ?? '-'}`,
          );
        },
      ),
    );

  const network = program.command('network').description('the sponsor tree as of a date');
  network
    .command('tree')
    .description('the sponsor tree on a date with depth and downline counts')
    .option('--as-of <date>', 'the business date (default today)')
    .option('--known-at <moment>', 'as known at this moment (default now)')
    .option('--from <code>', "only this consultant's branch")
    .option('--depth <n>', 'down to this depth (0: the top only)', wholeNumber(0, 999))
    .option('--search <text>', 'code or name contains')
    .option('--json', 'as JSON')
    .action(
      action(async (o: AsOfOptions & { from?: string; depth?: number; search?: string }) => {
        const date = o.asOf ?? today();
        const tree = await run((db) =>
          networkTree(db, {
            date,
            knownAt: knownAt(o),
            fromCode: o.from,
            depth: o.depth,
            search: o.search,
          }),
        );
        if (o.json) return print(tree);
        console.log(`network on ${date}: ${tree.length} consultants`);
        for (const n of tree)
          console.log(
            `${'  '.repeat(n.depth)}${n.code}  ${n.fullName}  direct ${n.directDownline}, total ${n.totalDownline}`,
          );
      }),
    );
}
