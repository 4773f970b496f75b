/**
 * `ecspert person …`, `ecspert application …`, `ecspert policy …`: persons, applications and
 * policies from the command line, over the same service as the API (back-office/policies).
 * Amounts are printed in hryvnias; `--json` prints what the API answers.
 */
import type { Command } from 'commander';
import {
  addPerson,
  APPLICATION_STATUSES,
  enterApplication,
  getApplication,
  getPersonCard,
  getPolicy,
  listApplications,
  listPersons,
  listPolicies,
  listPremiumPayments,
  type NewPerson,
  paymentCalendar,
  POLICY_STATUSES,
  PolicyRecordError,
  type PremiumPaymentView,
  updatePersonContacts,
  withdrawApplication,
} from '../../../back-office/policies';
import { type Database, decimalFromKopiyky, kopiykyFromDecimal } from '../../db';
import { isIsoDate } from '../../demo/calendar';
import { action, createContext, UserError, withDatabase } from '../context';
import { pagedList, type PageOptions, printJson as print, printPage } from '../list';

const hryvnias = (kop: number) => decimalFromKopiyky(kop);

/** Runs against the database; a refusal of the service is one line naming the field. */
async function run<T>(work: (database: Database) => Promise<T>): Promise<T> {
  try {
    return await withDatabase(createContext(), work);
  } catch (error) {
    if (error instanceof PolicyRecordError)
      throw new UserError(error.message, error.kind === 'not_found' ? 4 : 1);
    throw error;
  }
}

function positiveInt(value: string, name: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1)
    throw new UserError(`${name}: '${value}' is not a positive whole number`);
  return Number(value);
}
function date(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && !isIsoDate(value))
    throw new UserError(`${name}: '${value}' is not a yyyy-mm-dd date`);
  return value;
}
function money(value: string, name: string): number {
  if (!/^\d{1,13}(\.\d{1,2})?$/.test(value))
    throw new UserError(`${name}: '${value}' is not an amount such as 1234.56`);
  return kopiykyFromDecimal(value);
}
function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  name: string,
): T | undefined {
  if (value !== undefined && !allowed.includes(value as T))
    throw new UserError(`${name}: '${value}' is not one of ${allowed.join(', ')}`);
  return value as T | undefined;
}
const actor = () => process.env.ECSPERT_USER || process.env.USER || 'cli';
const paging = (o: PageOptions) => ({ page: o.page, pageSize: o.pageSize });

function registerPersonCommands(program: Command): void {
  const person = program
    .command('person')
    .description('policyholders and insured persons (one per tax number)');
  pagedList(
    person
      .command('list')
      .description('persons by name, or find one by name or tax number')
      .option('--search <text>', 'part of the name, or the start of a tax number or company code')
      .option('--tax-number <rnokpp>', 'exactly this tax number'),
  ).action(
    action(
      async (o: { search?: string; taxNumber?: string; page: number; pageSize: number; json?: boolean }) => {
        const page = await run((db) =>
          listPersons(db, { search: o.search, taxNumber: o.taxNumber, ...paging(o) }),
        );
        printPage(
          o,
          page,
          (p) => `${p.id}\t${p.taxNumber ?? p.companyCode ?? '-'}\t${p.kind}\t${p.fullName}`,
        );
      },
    ),
  );
  person
    .command('show <id>')
    .description('a person with their policies and applications')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, o: { json?: boolean }) => {
        const card = await run((db) => getPersonCard(db, positiveInt(id, 'id')));
        if (o.json) return print(card);
        console.log(
          `person ${card.id}: ${card.fullName} (${card.kind}, ${card.taxNumber ?? card.companyCode ?? 'no tax number'})`,
        );
        if (card.birthDate) console.log(`  born ${card.birthDate}`);
        for (const [label, value] of [
          ['email', card.email],
          ['phone', card.phone],
          ['address', card.address],
        ])
          if (value) console.log(`  ${label} ${value}`);
        console.log(`policies: ${card.policies.length}`);
        for (const p of card.policies)
          console.log(
            `  ${p.insurer} ${p.number}\t${p.product}\t${p.status}\t${hryvnias(p.annualPremiumKop)} a year`,
          );
        console.log(`applications: ${card.applications.length}`);
        for (const a of card.applications)
          console.log(`  ${a.number}\t${a.insurer} ${a.product}\t${a.status}`);
      }),
    );
  person
    .command('add')
    .description(
      'add a person; refused when the tax number is taken (naming who has it) or its check digit is wrong',
    )
    .requiredOption('--name <full name>', 'full name')
    .option('--tax-number <rnokpp>', 'РНОКПП of an individual (10 digits, check digit verified)')
    .option('--company-code <edrpou>', 'ЄДРПОУ of a company (8 digits); makes the person a company')
    .option('--birth-date <yyyy-mm-dd>', 'birth date of an individual')
    .option('--email <email>')
    .option('--phone <phone>')
    .option('--address <address>')
    .option('--reason <text>', 'kept in the audit log')
    .action(
      action(
        async (o: {
          name: string;
          taxNumber?: string;
          companyCode?: string;
          birthDate?: string;
          email?: string;
          phone?: string;
          address?: string;
          reason?: string;
        }) => {
          const input: NewPerson = {
            kind: o.companyCode ? 'company' : 'individual',
            fullName: o.name,
            taxNumber: o.taxNumber,
            companyCode: o.companyCode,
            birthDate: date(o.birthDate, '--birth-date'),
            email: o.email,
            phone: o.phone,
            address: o.address,
          };
          const p = await run((db) => addPerson(db, input, actor(), o.reason ?? null));
          console.log(`person ${p.id}: ${p.fullName} (${p.taxNumber ?? p.companyCode})`);
        },
      ),
    );
  person
    .command('contacts <id>')
    .description("change a person's contact details (audited)")
    .option('--email <email>')
    .option('--phone <phone>')
    .option('--address <address>')
    .requiredOption('--reason <text>', 'why, kept in the audit log')
    .action(
      action(async (id: string, o: { email?: string; phone?: string; address?: string; reason: string }) => {
        const p = await run((db) =>
          updatePersonContacts(
            db,
            positiveInt(id, 'id'),
            { email: o.email, phone: o.phone, address: o.address },
            actor(),
            o.reason,
          ),
        );
        console.log(
          `person ${p.id}: email ${p.email ?? '-'}, phone ${p.phone ?? '-'}, address ${p.address ?? '-'}`,
        );
      }),
    );
}

function applicationRef(ref: string): number | string {
  return /^\d{1,15}$/.test(ref) ? Number(ref) : ref;
}

function registerApplicationCommands(program: Command): void {
  const application = program
    .command('application')
    .description('applications: enter, follow through registers to the policy, withdraw while pending');
  pagedList(
    application
      .command('list')
      .description('applications by number')
      .option('--status <status>', APPLICATION_STATUSES.join(', '))
      .option('--insurer <code>')
      .option('--consultant <code>'),
  ).action(
    action(
      async (o: {
        status?: string;
        insurer?: string;
        consultant?: string;
        page: number;
        pageSize: number;
        json?: boolean;
      }) => {
        const status = oneOf(o.status, APPLICATION_STATUSES, '--status');
        const page = await run((db) =>
          listApplications(db, { status, insurer: o.insurer, consultant: o.consultant, ...paging(o) }),
        );
        printPage(
          o,
          page,
          (a) =>
            `${a.number}\t${a.status}\t${a.insurer} ${a.product}\t${a.consultant}\t${a.holderName}\t${hryvnias(a.premiumKop)}×${a.paymentFrequency}${a.policyNumber ? `\tpolicy ${a.policyNumber}` : ''}`,
        );
      },
    ),
  );
  application
    .command('show <idOrNumber>')
    .description('an application, its registers and answers, and the policy it became')
    .option('--json', 'print JSON')
    .action(
      action(async (ref: string, o: { json?: boolean }) => {
        const a = await run((db) => getApplication(db, applicationRef(ref)));
        if (o.json) return print(a);
        console.log(
          `application ${a.number} (id ${a.id}): ${a.status}${a.statusReason ? ` — ${a.statusReason}` : ''}`,
        );
        console.log(
          `  ${a.insurer} ${a.product} ${a.productName}; consultant ${a.consultant} ${a.consultantName}`,
        );
        console.log(
          `  holder ${a.holder.fullName} (${a.holder.taxNumber ?? a.holder.companyCode ?? '-'})${a.insured ? `, insured ${a.insured.fullName}` : ''}`,
        );
        console.log(
          `  premium ${hryvnias(a.premiumKop)} × ${a.paymentFrequency} a year, sum insured ${hryvnias(a.sumInsuredKop)}, signed ${a.signedOn}${a.startOn ? `, start ${a.startOn}` : ''}`,
        );
        for (const r of a.registers)
          console.log(
            `  register ${r.registerNo} row ${r.rowNo}: ${r.status}${r.reason ? ` — ${r.reason}` : ''}${r.policyNumber ? ` policy ${r.policyNumber}` : ''}`,
          );
        if (a.policyNumber) console.log(`  became policy ${a.policyNumber} (id ${a.policyId})`);
      }),
    );
  application
    .command('enter')
    .description('enter an application; it goes into the next register of its insurer')
    .requiredOption('--consultant <code>', 'the consultant it is entered for')
    .requiredOption('--insurer <code>')
    .requiredOption('--product <code>')
    .option('--holder <personId>', 'an existing person as policyholder')
    .option(
      '--holder-tax-number <rnokpp>',
      'the policyholder by tax number (found, or added with --holder-name)',
    )
    .option('--holder-name <full name>')
    .option('--holder-birth-date <yyyy-mm-dd>')
    .option('--insured <personId>', 'the insured person, when not the holder')
    .requiredOption('--premium <hryvnias>', 'premium per payment, e.g. 1234.56')
    .requiredOption('--sum-insured <hryvnias>')
    .requiredOption('--frequency <n>', 'payments a year: 1, 2, 4 or 12')
    .requiredOption('--start <yyyy-mm-dd>', 'the cover start asked for')
    .option('--signed <yyyy-mm-dd>', 'the day it was signed; default today')
    .option('--reason <text>', 'kept in the audit log')
    .action(
      action(
        async (o: {
          consultant: string;
          insurer: string;
          product: string;
          holder?: string;
          holderTaxNumber?: string;
          holderName?: string;
          holderBirthDate?: string;
          insured?: string;
          premium: string;
          sumInsured: string;
          frequency: string;
          start: string;
          signed?: string;
          reason?: string;
        }) => {
          if (!o.holder && !o.holderTaxNumber)
            throw new UserError('give --holder <personId> or --holder-tax-number');
          const a = await run((db) =>
            enterApplication(
              db,
              {
                consultant: o.consultant,
                insurer: o.insurer,
                product: o.product,
                holder: o.holder
                  ? { personId: positiveInt(o.holder, '--holder') }
                  : {
                      kind: 'individual',
                      fullName: o.holderName ?? '',
                      taxNumber: o.holderTaxNumber,
                      birthDate: date(o.holderBirthDate, '--holder-birth-date'),
                    },
                insured: o.insured ? { personId: positiveInt(o.insured, '--insured') } : null,
                premiumKop: money(o.premium, '--premium'),
                sumInsuredKop: money(o.sumInsured, '--sum-insured'),
                paymentFrequency: positiveInt(o.frequency, '--frequency'),
                startOn: date(o.start, '--start')!,
                signedOn: date(o.signed, '--signed'),
              },
              actor(),
              o.reason ?? null,
            ),
          );
          console.log(`application ${a.number} (id ${a.id}): pending for the next ${a.insurer} register`);
        },
      ),
    );
  application
    .command('withdraw <idOrNumber>')
    .description('withdraw a pending application (refused once it is in a register)')
    .requiredOption('--reason <text>', 'why, kept with the application and in the audit log')
    .action(
      action(async (ref: string, o: { reason: string }) => {
        const a = await run((db) => withdrawApplication(db, applicationRef(ref), actor(), o.reason));
        console.log(`application ${a.number}: withdrawn`);
      }),
    );
}

function registerPolicyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description('policies: list, card with versions, premium payments, payment calendar');
  pagedList(
    policy
      .command('list')
      .description('policies as of a day, filtered and paged')
      .option('--consultant <code>')
      .option('--insurer <code>')
      .option('--product <code>')
      .option('--status <status>', POLICY_STATUSES.join(', '))
      .option('--holder <personId>')
      .option('--as-of <yyyy-mm-dd>', 'default today')
      .option('--sort <order>', 'number, issued or premium', 'number'),
  ).action(
    action(
      async (o: {
        consultant?: string;
        insurer?: string;
        product?: string;
        status?: string;
        holder?: string;
        asOf?: string;
        sort: string;
        page: number;
        pageSize: number;
        json?: boolean;
      }) => {
        const filter = {
          consultant: o.consultant,
          insurer: o.insurer,
          product: o.product,
          status: oneOf(o.status, POLICY_STATUSES, '--status'),
          holderId: o.holder ? positiveInt(o.holder, '--holder') : undefined,
          asOf: date(o.asOf, '--as-of'),
          sort: oneOf(o.sort, ['number', 'issued', 'premium'] as const, '--sort'),
          ...paging(o),
        };
        const page = await run((db) => listPolicies(db, filter));
        printPage(
          o,
          page,
          (p) =>
            `${p.id}\t${p.insurer} ${p.number}\t${p.product}\t${p.status}\t${p.consultant ?? p.agentCode}\t${p.holderName}\t${hryvnias(p.annualPremiumKop)}/year`,
        );
      },
    ),
  );
  policy
    .command('show <id>')
    .description('a policy as of a day (as known at a moment): versions and amendments')
    .option('--as-of <yyyy-mm-dd>', 'default today')
    .option('--known-at <iso moment>', 'what was known then; default now')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, o: { asOf?: string; knownAt?: string; json?: boolean }) => {
        const knownAt = o.knownAt ? new Date(o.knownAt) : undefined;
        if (knownAt && Number.isNaN(knownAt.getTime()))
          throw new UserError(`--known-at: '${o.knownAt}' is not a moment`);
        const card = await run((db) =>
          getPolicy(db, positiveInt(id, 'id'), { asOf: date(o.asOf, '--as-of'), knownAt }),
        );
        if (o.json) return print(card);
        console.log(
          `policy ${card.insurer} ${card.number} (id ${card.id}), ${card.product} ${card.productName}, as of ${card.asOf}`,
        );
        const v = card.current;
        if (!v) console.log('  not in effect yet on that day');
        else {
          console.log(
            `  ${v.status} since ${v.statusDate}; cover ${v.coverStart} … ${v.coverEnd}; version ${v.versionNo}`,
          );
          console.log(
            `  holder ${card.holder?.fullName ?? '-'}; consultant ${card.consultant?.code ?? v.agentCode}`,
          );
          console.log(
            `  premium ${hryvnias(v.annualPremiumKop)} a year in ${v.paymentFrequency} payment(s); sum insured ${hryvnias(v.sumInsuredKop)}`,
          );
        }
        if (card.applicationNumber) console.log(`  from application ${card.applicationNumber}`);
        console.log('versions:');
        for (const x of card.versions)
          console.log(
            `  ${x.versionNo}\tfrom ${x.validFrom}\t${x.status}\t${hryvnias(x.annualPremiumKop)}/year${x.amendmentNo ? `\tamendment ${x.amendmentNo}` : ''}`,
          );
        if (card.amendments.length) console.log('amendments:');
        for (const a of card.amendments)
          console.log(
            `  ${a.amendmentNo}\t${a.changeKind}\teffective ${a.effectiveOn}${a.newValue ? `\t${a.newValue}` : ''}`,
          );
      }),
    );
  pagedList(
    policy
      .command('payments <id>')
      .description(
        "premium payments by date: the hub's id, the insurer's id, corrections and which payment a reversal reverses",
      ),
  ).action(
    action(async (id: string, o: PageOptions) => {
      const page = await run((db) => listPremiumPayments(db, positiveInt(id, 'id'), paging(o)));
      printPage(o, page, paymentLine);
    }),
  );
  policy
    .command('calendar <id>')
    .description('the payment calendar against the premiums received: due, paid, overdue')
    .option('--as-of <yyyy-mm-dd>', 'default today')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, o: { asOf?: string; json?: boolean }) => {
        const c = await run((db) =>
          paymentCalendar(db, positiveInt(id, 'id'), { asOf: date(o.asOf, '--as-of') }),
        );
        if (o.json) return print(c);
        console.log(`policy ${c.insurer} ${c.number}: payment calendar as of ${c.asOf} (${c.source})`);
        for (const i of c.instalments)
          console.log(
            `  ${String(i.no).padStart(3)}\t${i.dueOn}\t${hryvnias(i.amountKop)}\t${i.status}${i.paidKop && i.status !== 'paid' ? ` (paid ${hryvnias(i.paidKop)})` : ''}${i.paidOn ? `\tpaid ${i.paidOn}` : ''}`,
          );
        console.log('payments received:');
        for (const p of c.payments) console.log(`  ${paymentLine(p)}`);
        const t = c.totals;
        console.log(
          `due to date ${hryvnias(t.dueToDateKop)}, received ${hryvnias(t.receivedKop)}, overdue ${hryvnias(t.overdueKop)} in ${t.overdueCount} instalment(s), in advance ${hryvnias(t.advanceKop)}`,
        );
      }),
    );
}

/** `12\t2026-11-03\t-1500.00\tcorrection\tinsurer id R-1\treverses 11` — links are the hub's payment ids. */
function paymentLine(p: PremiumPaymentView): string {
  return [
    p.id,
    p.paidOn,
    hryvnias(p.amountKop),
    ...(p.correction ? ['correction'] : []),
    ...(p.insurerPaymentId ? [`insurer id ${p.insurerPaymentId}`] : []),
    ...(p.reversesPaymentId !== null ? [`reverses ${p.reversesPaymentId}`] : []),
    ...(p.reversedBy !== null ? [`reversed by ${p.reversedBy}`] : []),
  ].join('\t');
}

export function registerPolicyRecordCommands(program: Command): void {
  registerPersonCommands(program);
  registerApplicationCommands(program);
  registerPolicyCommands(program);
}
