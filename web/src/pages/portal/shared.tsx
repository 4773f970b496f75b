/**
 * What the portal's screens share: the signed-in consultant's code, the period chosen (in the URL,
 * `?period=`), the answers' types, and the charts (chart.js, registered once, no animation so that a
 * chart is drawn as soon as its data is there; each chart has a table beside it as its text).
 */
import { useQuery } from '@tanstack/react-query';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api } from '../../app/api';
import { useAuth } from '../../app/auth';

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
ChartJS.defaults.animation = false;

export const NS = 'portal';

export interface Period {
  code: string;
  status: 'open' | 'calculated' | 'closed';
}

export interface Figures {
  personalVolume: string;
  groupVolume: string;
  personalPremiumKop: number;
  newPolicies: number;
  activeDirects: number;
  legs: number;
  active: boolean;
  careerLevel: string;
}

export interface Income {
  consultantCode: string;
  kinds: string[];
  periods: {
    periodCode: string;
    totalKop: number;
    byKind: { kind: string; totalKop: number; lines: number }[];
  }[];
  totalKop: number;
}

export interface Card {
  code: string;
  fullName: string;
  legalForm: string;
  hiredOn: string;
  status: string | null;
  unit: { code: string; name: string } | null;
  level: string | null;
  moneyShown: boolean;
  accruals: { periodCode: string; totalKop: number; lines: number }[];
  acts: { number: string; periodCode: string; actDate: string; netKop: number }[];
}

/** The consultant the signed-in user is (null for staff). */
export function useConsultantCode(): string | null {
  return useAuth().me?.user.consultantCode ?? null;
}

/** The production periods (GET /api/periods), newest first. */
export function usePeriods() {
  return useQuery({
    queryKey: ['/api/periods'],
    queryFn: async () =>
      (await api.get<{ items: Period[] }>('/api/periods')).items
        .slice()
        .sort((a, b) => b.code.localeCompare(a.code)),
  });
}

/** `?period=` of the URL; empty: the server's choice (the latest calculated). */
export function usePeriodParam(): [string, (period: string) => void] {
  const [params, setParams] = useSearchParams();
  return [
    params.get('period') ?? '',
    (period) =>
      setParams((current) => {
        const copy = new URLSearchParams(current);
        if (period) copy.set('period', period);
        else copy.delete('period');
        copy.delete('page');
        return copy;
      }),
  ];
}

/** A labelled choice of period; the first option leaves it to the server (the latest calculated). */
export function PeriodSelect({ value, onChange }: { value: string; onChange: (period: string) => void }) {
  const { t } = useTranslation(NS);
  const id = useId();
  const periods = usePeriods();
  return (
    <div className="field">
      <label htmlFor={id}>{t('choosePeriod')}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t('latestPeriod')}</option>
        {(periods.data ?? []).map((p) => (
          <option key={p.code} value={p.code}>
            {p.code}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Kopiyky → hryvnias as a chart's number (display only: the tables beside show the exact sums). */
export const hryvnias = (kopiyky: number) => kopiyky / 100;

/** A colour per series, distinguishable and dark enough on white. */
export const PALETTE = [
  '#1f5fa8',
  '#b3541e',
  '#2e7d32',
  '#6a1b9a',
  '#c62828',
  '#00695c',
  '#5d4037',
  '#37474f',
];
