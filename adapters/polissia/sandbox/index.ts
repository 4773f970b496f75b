/**
 * Sandbox Polissia (spec: /work/shared/insurers/polissia/SPEC.md), for `ecspert sandbox polissia`,
 * `ecspert exchange run polissia --sandbox` and `npm start`: the generic e-mail sandbox (an SMTP
 * server for our mail, the intermediary's mailbox in a private Dovecot) with the partner desk's
 * behaviour on top.
 *
 * - A register mail (`Реєстр заяв <agency> від <dd.mm.yyyy> №<n>`, one XLSX with sheet `Заяви`) is
 *   answered by a reply from the partner desk: `Re: <subject>`, In-Reply-To and References the
 *   register's Message-ID, `Результат_<n>.xlsx` with sheet `Результат` accepting every row (the spec
 *   has no rule to decline one) with a new policy number `PL-<product>-<7 digits>`.
 * - Once per data folder it delivers the October bordereau and the letter about PL-ACC-0000452
 *   (the fixtures that answer nothing), each with a fresh Message-ID and Date.
 *
 * What it keeps in its work folder: `polissia.json` (the next policy number and the registers
 * answered, so a register sent again is not answered twice), besides the generic sandbox's files.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import MailComposer from 'nodemailer/lib/mail-composer';
import {
  type SandboxHook,
  type SandboxMailServer,
  type SandboxReceivedMail,
  freshMessageId,
  startMailSandbox,
} from '../../../src/exchange/sandbox';
import type { LoadedAdapter } from '../../../src/exchange/adapter-config';
import { parseMail } from '../../../src/exchange/transports/email';

/** §Application register's subject. */
export const REGISTER_SUBJECT = /^Реєстр заяв (\S+) від (\d{2}\.\d{2}\.\d{4}) №(\d+)$/;

/** The sandbox's policy numbers run from here, clear of the samples' (PL-ACC-0000452, PL-OSC-0077120). */
export const FIRST_POLICY_SEQUENCE = 900001;

export interface RegisterRow {
  applicationNumber: string;
  productCode: string;
}

export interface ResultRow {
  applicationNumber: string;
  status: 'Прийнято' | 'Відхилено';
  comment: string;
  policyNumber: string;
}

interface State {
  nextPolicy: number;
  /** Message-IDs of the registers answered, with the result's Message-ID. */
  answered: Record<string, string>;
}

function readState(file: string): State {
  if (!fs.existsSync(file)) return { nextPolicy: FIRST_POLICY_SEQUENCE, answered: {} };
  return JSON.parse(fs.readFileSync(file, 'utf8')) as State;
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && 'richText' in value) return value.richText.map((r) => r.text).join('');
  if (typeof value === 'object' && 'text' in value) return String(value.text);
  if (typeof value === 'object' && 'result' in value) return String(value.result ?? '');
  return String(value).trim();
}

/** The rows of a register's sheet `Заяви`, by its header on row 1. */
export async function readRegister(xlsx: Buffer): Promise<RegisterRow[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(xlsx as unknown as ArrayBuffer);
  const sheet = workbook.getWorksheet('Заяви');
  if (!sheet) throw new Error('the register has no sheet Заяви');
  const header = (sheet.getRow(1).values as ExcelJS.CellValue[]).map(cellText);
  const numberAt = header.indexOf('Номер заяви');
  const productAt = header.indexOf('Продукт');
  if (numberAt < 0 || productAt < 0)
    throw new Error('the register sheet Заяви has no Номер заяви or Продукт');
  const rows: RegisterRow[] = [];
  sheet.eachRow((row, rowNumber) => {
    if (rowNumber === 1) return;
    const applicationNumber = cellText(row.getCell(numberAt).value);
    if (applicationNumber)
      rows.push({ applicationNumber, productCode: cellText(row.getCell(productAt).value) });
  });
  return rows;
}

/** §Register result: every row accepted with a new policy number (the spec names no reason to decline). */
export function underwrite(rows: RegisterRow[], nextPolicy: () => number): ResultRow[] {
  return rows.map((r) => {
    const line = (r.productCode.replace(/[^A-Za-z]/g, '').slice(0, 3) || 'GEN').toUpperCase();
    return {
      applicationNumber: r.applicationNumber,
      status: 'Прийнято',
      comment: '',
      policyNumber: `PL-${line}-${String(nextPolicy()).padStart(7, '0')}`,
    };
  });
}

/** `Результат_<n>.xlsx`: sheet `Результат` with the spec's four columns. */
export async function resultWorkbook(rows: ResultRow[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Результат');
  sheet.addRow(['Номер заяви', 'Статус', 'Коментар', 'Номер договору']);
  for (const r of rows) sheet.addRow([r.applicationNumber, r.status, r.comment, r.policyNumber]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The partner desk's address: the sender the adapter accepts for Polissia (`allowedSenders`). */
export function partnerDesk(adapter: LoadedAdapter): string {
  const email = adapter.channels.email;
  return email?.allowedSenders?.[0] ?? email?.to ?? 'partners@polissia.example';
}

/**
 * Answers one mail we sent when it is a register: the reply mail (nodemailer's MailComposer), or null
 * for any other mail (a letter waits for a person at the insurer).
 */
export async function answerRegisterMail(
  adapter: LoadedAdapter,
  raw: Buffer,
  state: State,
): Promise<{ raw: Buffer; messageId: string; rows: ResultRow[] } | null> {
  const mail = await parseMail(raw);
  const subject = REGISTER_SUBJECT.exec(mail.subject.trim());
  if (!subject || !mail.messageId) return null;
  if (state.answered[mail.messageId]) return null;
  const attachment = mail.attachments.find((a) => /\.xlsx$/i.test(a.filename ?? ''));
  if (!attachment) return null;
  const rows = underwrite(await readRegister(attachment.content), () => state.nextPolicy++);
  const desk = partnerDesk(adapter);
  const messageId = freshMessageId(`<res-${subject[3]}@${desk.split('@')[1]}>`, desk.split('@')[1]);
  const reply = await new MailComposer({
    from: { name: 'Полісся партнери', address: desk },
    to: mail.from.length ? mail.from : [mail.to[0]],
    subject: `Re: ${mail.subject.trim()}`,
    text: `Результат обробки реєстру №${subject[3]} у вкладенні.`,
    messageId,
    inReplyTo: mail.messageId,
    references: [...mail.references, mail.messageId],
    date: new Date(),
    attachments: [
      {
        filename: `Результат_${subject[3]}.xlsx`,
        content: await resultWorkbook(rows),
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      },
    ],
  })
    .compile()
    .build();
  state.answered[mail.messageId] = messageId;
  return { raw: reply, messageId, rows };
}

export const sandbox: SandboxHook = {
  async start(options) {
    const { adapter, workDir } = options;
    const stateFile = path.join(workDir, 'polissia.json');
    const onMail = async (mail: SandboxReceivedMail, server: SandboxMailServer) => {
      const state = readState(stateFile);
      const answer = await answerRegisterMail(adapter, mail.raw, state);
      if (!answer) return;
      await server.deliver(answer.raw);
      fs.writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n');
    };
    return startMailSandbox(options, {
      onMail,
      lines: [
        `  answers a register (Реєстр заяв … №n, XLSX) with Результат_n.xlsx from ${partnerDesk(adapter)}, every row accepted`,
      ],
    });
  },
};
