/** What the network screens share: the as-of date in the address, today's date, a date field's text. */
import { useSearchParams } from 'react-router';
import { formatDate } from '../../app/format';

export const today = () => {
  const now = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
};

/** `?asOf=yyyy-mm-dd` of the address (today when absent) and a setter that keeps the other params. */
export function useAsOf(): [string, (date: string) => void] {
  const [params, setParams] = useSearchParams();
  const asOf = params.get('asOf') ?? today();
  return [
    asOf,
    (date) =>
      setParams((current) => {
        const copy = new URLSearchParams(current);
        copy.set('asOf', date);
        copy.delete('page');
        return copy;
      }),
  ];
}

export { formatDate };

export interface TreeNode {
  consultantId: number;
  code: string;
  fullName: string;
  sponsorCode: string | null;
  depth: number;
  directDownline: number;
  totalDownline: number;
}

export interface ConsultantSummary {
  code: string;
  fullName: string;
  legalForm: string;
  hiredOn: string;
  terminatedOn: string | null;
  status: string | null;
  unitCode: string | null;
}

export interface Unit {
  unitId: number;
  code: string;
  name: string;
  depth: number;
}

export interface Relative {
  consultantId: number;
  code: string;
  fullName: string;
  generation: number;
}

export interface ConsultantCard {
  code: string;
  fullName: string;
  taxNumber: string | null;
  legalForm: string;
  hiredOn: string;
  terminatedOn: string | null;
  contact: { phone: string | null; email: string | null; address: string | null };
  asOf: string;
  status: string | null;
  unit: { code: string; name: string } | null;
  level: string | null;
  careerHistory: {
    levelCode: string;
    validFrom: string;
    validTo: string;
    source: string;
    recordedAt: string;
    recordedBy: string | null;
    reason: string | null;
    approvedBy: string | null;
  }[];
  statusHistory: {
    status: string;
    validFrom: string;
    validTo: string;
    reason: string | null;
    recordedBy: string | null;
  }[];
  upline: Relative[];
  directDownline: Relative[];
  totalDownline: number;
  policies: { count: number; firstPage: string };
  moneyShown: boolean;
  accruals: { periodCode: string; totalKop: number; lines: number }[];
  acts: { number: string; periodCode: string; actDate: string; netKop: number }[];
}
