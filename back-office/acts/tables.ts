/** Table types of migrations/0300_acts.ts (the compensation tables, which the ledger loader reads, plus these). */
import type { Generated } from 'kysely';
import type { CompensationDB } from '../compensation';
import type { Decimal, IsoDate } from '../../src/db/schema';
import type { LegalForm } from './withholding';

export interface ActNumberSequenceTable {
  act_year: number;
  last_number: number;
  updated_at: Date;
}

export interface ActTable {
  id: Generated<number>;
  act_number: string;
  act_year: number;
  sequence_no: number;
  act_date: IsoDate;
  period_code: string;
  consultant_id: number;
  consultant_code: string;
  consultant_name: string;
  tax_number: string | null;
  legal_form: LegalForm;
  period_total: Decimal;
  corrections_total: Decimal;
  gross: Decimal;
  pdfo: Decimal;
  military_levy: Decimal;
  withheld: Decimal;
  net: Decimal;
  accrual_count: number;
  pdf: Uint8Array;
  pdf_sha256: string;
  created_at: Date;
  created_by: string | null;
}

export interface ActLineTable {
  id: Generated<number>;
  act_id: number;
  line_no: number;
  section: 'period' | 'correction';
  kind: string;
  accrual_period: string;
  accrual_count: number;
  amount: Decimal;
}

export interface ActWithholdingTable {
  id: Generated<number>;
  act_id: number;
  tax_code: string;
  rate: Decimal;
  rate_from: string;
  rate_to: string | null;
  accrual_periods: string;
  base: Decimal;
  amount: Decimal;
}

export interface ActsDB extends CompensationDB {
  act_number_sequence: ActNumberSequenceTable;
  act: ActTable;
  act_line: ActLineTable;
  act_withholding: ActWithholdingTable;
}
