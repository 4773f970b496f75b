/** Act inputs the acts suites share. */
import type { ActInput, Intermediary } from '../../../back-office/acts';

export const shevchenko = {
  code: 'K-00012',
  fullName: 'Шевченко Тарас Григорович',
  taxNumber: '1234567890',
  legalForm: 'individual' as const,
};

/** A January 2025 act with a storno of October 2024 and an additional accrual of November 2024. */
export const january2025: ActInput = {
  period: '2025-01',
  consultant: shevchenko,
  lines: [
    { kind: 'personal', accrualPeriod: '2025-01', amountKop: 1_000_000 }, // 10 000,00
    { kind: 'structural', accrualPeriod: '2025-01', amountKop: 250_050 }, // 2 500,50
    { kind: 'storno', accrualPeriod: '2024-10', correctsPeriod: '2024-10', amountKop: -100_000 }, // -1 000,00
    { kind: 'additional', accrualPeriod: '2024-11', correctsPeriod: '2024-11', amountKop: 33_333 }, // 333,33
  ],
};

export const intermediary: Intermediary = {
  name: 'ТОВ «Страховий посередник Експерт»',
  edrpou: '12345678',
  city: 'м. Київ',
  address: 'вул. Хрещатик, 1, м. Київ, 01001',
  signatory: { position: 'Директор', name: 'Петренко П. П.' },
};
