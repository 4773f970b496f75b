/**
 * How the sandbox Dnipro Life underwrites an application register (spec v3.2 §1-3), deterministic
 * so tests and demos know the answer: a register whose trailer does not match is rejected whole;
 * a row with sum insured over 1 000 000,00 is rejected with the reason the real insurer gives; a
 * row that cannot be read is rejected naming its field; every other row is accepted and issued.
 */
import { addDays, addYears, decodeCsv, encodeCsv, formatAmount, formatDate, parseAmount } from './csv-1251';

export const ACK_HEADER = ['Номер заяви', 'Статус', 'Причина', 'Номер договору'];
export const CONTRACTS_HEADER = [
  'Номер договору',
  'Номер заяви',
  'Дата укладення',
  'Дата початку',
  'Дата закінчення',
  'Код продукту',
  'Страхувальник',
  'РНОКПП',
  'Страхова сума',
  'Річна премія',
  'Періодичність',
  'Код агента',
  'Статус',
  'Дата статусу',
];

const PRODUCTS: Record<string, { name: string; termYears: number }> = {
  'DL-SAV10': { name: 'Надійне майбутнє', termYears: 10 },
  'DL-SAV20': { name: 'Надійне майбутнє', termYears: 20 },
  'DL-RISK1': { name: 'Захист', termYears: 1 },
};

/** Above this sum insured the insurer wants a medical examination first. */
export const SUM_INSURED_LIMIT_KOPIYKY = 1_000_000_00;

export interface IssuedContract {
  policyNumber: string;
  applicationNumber: string;
  issuedOn: string;
  startsOn: string;
  endsOn: string;
  productCode: string;
  holderName: string;
  holderTaxId: string;
  sumInsuredKopiyky: number;
  annualPremiumKopiyky: number;
  frequency: number;
  agentCode: string;
}

export interface RegisterAnswer {
  ack: Buffer;
  contracts: IssuedContract[];
  accepted: number;
  rejected: number;
}

export function answerRegister(
  registerBytes: Buffer,
  today: string,
  nextPolicyNumber: () => string,
): RegisterAnswer {
  const rows = decodeCsv(registerBytes).slice(1);
  const trailer = rows.at(-1);
  const body = trailer?.[0] === 'Всього' ? rows.slice(0, -1) : rows;
  let trailerProblem: string | null = null;
  if (trailer?.[0] !== 'Всього') trailerProblem = 'Реєстр без підсумкового рядка «Всього»';
  else {
    const total = body.reduce((sum, r) => sum + (parseAmount(r[9] ?? '') ?? 0), 0);
    if (Number(trailer[1]) !== body.length || parseAmount(trailer[2] ?? '') !== total) {
      trailerProblem = `Підсумковий рядок не збігається з реєстром: рядків ${body.length}, сума ${formatAmount(total)}`;
    }
  }
  const ackRows: string[][] = [];
  const contracts: IssuedContract[] = [];
  for (const r of body) {
    const applicationNumber = r[1] ?? '';
    if (trailerProblem) {
      ackRows.push([applicationNumber, 'ВІДХИЛЕНО', trailerProblem, '']);
      continue;
    }
    const product = PRODUCTS[r[3] ?? ''];
    const sumInsured = parseAmount(r[8] ?? '');
    const premium = parseAmount(r[9] ?? '');
    const frequency = Number(r[10]);
    const problem = !product
      ? `Невідомий код продукту "${r[3] ?? ''}"`
      : sumInsured === null
        ? 'Страхова сума: не число'
        : premium === null
          ? 'Страховий платіж: не число'
          : ![1, 2, 4, 12].includes(frequency)
            ? `Періодичність: "${r[10] ?? ''}" не 1, 2, 4 або 12`
            : sumInsured > SUM_INSURED_LIMIT_KOPIYKY
              ? `Страхова сума перевищує ліміт без медичного обстеження "${product.name}"`
              : null;
    if (problem || !product || sumInsured === null || premium === null) {
      ackRows.push([applicationNumber, 'ВІДХИЛЕНО', problem ?? '', '']);
      continue;
    }
    const policyNumber = nextPolicyNumber();
    const startsOn = addDays(today, 1);
    contracts.push({
      policyNumber,
      applicationNumber,
      issuedOn: today,
      startsOn,
      endsOn: addDays(addYears(startsOn, product.termYears), -1),
      productCode: r[3],
      holderName: r[4] ?? '',
      holderTaxId: r[5] ?? '',
      sumInsuredKopiyky: sumInsured,
      annualPremiumKopiyky: premium * frequency,
      frequency,
      agentCode: r[11] ?? '',
    });
    ackRows.push([applicationNumber, 'ПРИЙНЯТО', '', policyNumber]);
  }
  return {
    ack: encodeCsv(ACK_HEADER, ackRows),
    contracts,
    accepted: contracts.length,
    rejected: ackRows.length - contracts.length,
  };
}

export function contractsFile(contracts: IssuedContract[]): Buffer {
  return encodeCsv(
    CONTRACTS_HEADER,
    contracts.map((c) => [
      c.policyNumber,
      c.applicationNumber,
      formatDate(c.issuedOn),
      formatDate(c.startsOn),
      formatDate(c.endsOn),
      c.productCode,
      c.holderName,
      c.holderTaxId,
      formatAmount(c.sumInsuredKopiyky),
      formatAmount(c.annualPremiumKopiyky),
      String(c.frequency),
      c.agentCode,
      'ДІЄ',
      formatDate(c.startsOn),
    ]),
    [6],
  );
}
