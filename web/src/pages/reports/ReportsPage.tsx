/**
 * One management report at a time: the filters are in the address (?report=&from=&to=…), so a
 * report can be bookmarked and sent; the table shows every row and the totals, the chart the
 * report's series, and the links download the same report as XLSX or PDF.
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
import { type FormEvent, useId, useState } from 'react';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api, withQuery } from '../../app/api';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatCount, formatDate, formatDateTime, formatMoney, parseDate } from '../../app/format';

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const NS = 'reports';
const REPORTS = ['sales', 'network', 'persistency', 'remuneration', 'collections', 'exchange'] as const;
const FILTERS = ['from', 'to', 'unit', 'insurer', 'product', 'level', 'asOf', 'knownAt'] as const;
const PALETTE = ['#1f5fa8', '#b3541e', '#2e7d32', '#6a1b9a'];

type Cell = string | number | null;
interface Column {
  key: string;
  label: string;
  kind: 'text' | 'int' | 'money' | 'pct';
}
interface Report {
  name: string;
  title: string;
  filters: Record<string, Cell>;
  columns: Column[];
  rows: Record<string, Cell>[];
  totals: Record<string, Cell>;
  summary: { label: string; value: string | number }[];
  chart?: { title: string; labelKey: string; valueKeys: string[]; rows: Record<string, Cell>[] };
}

function cellText(column: Column, value: Cell): string {
  if (value === null || value === undefined) return '';
  if (column.kind === 'money') return formatMoney(value as number);
  if (column.kind === 'int') return formatCount(value as number);
  if (column.kind === 'pct') return `${String(value).replace('.', ',')} %`;
  return String(value);
}

/** A filter as the address keeps it (yyyy-mm, yyyy-mm-dd, yyyy-mm-ddThh:mm) → as a person types it. */
function toTyped(key: string, value: string): string {
  if (!value) return '';
  if (key === 'asOf') return formatDate(value);
  if (key === 'knownAt') {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(value);
    return m ? `${m[3]}.${m[2]}.${m[1]} ${m[4]}` : value;
  }
  return value;
}

/** What a person typed → the address's form; null when it is not one. */
function fromTyped(key: string, typed: string): string | null {
  if (key === 'asOf') return parseDate(typed);
  if (key === 'knownAt') {
    const m = /^(\S+)(?:\s+(\d{1,2}):(\d{2}))?$/.exec(typed);
    const day = m && parseDate(m[1]);
    if (!m || !day) return null;
    return `${day}T${(m[2] ?? '00').padStart(2, '0')}:${m[3] ?? '00'}`;
  }
  if (key === 'from' || key === 'to') {
    const m = /^(?:(\d{4})-(\d{1,2})|(\d{1,2})\.(\d{4}))$/.exec(typed);
    if (!m) return null;
    const [year, month] = m[1] ? [m[1], Number(m[2])] : [m[4], Number(m[3])];
    return month >= 1 && month <= 12 ? `${year}-${String(month).padStart(2, '0')}` : null;
  }
  return typed;
}

export function ReportsPage() {
  const { t } = useTranslation(NS);
  const [params, setParams] = useSearchParams();
  const id = useId();
  const name = (REPORTS as readonly string[]).includes(params.get('report') ?? '')
    ? (params.get('report') as string)
    : 'sales';
  const query: Record<string, string> = {};
  for (const key of FILTERS) {
    const value = params.get(key);
    if (value) query[key] = key === 'knownAt' ? new Date(value).toISOString() : value;
  }
  const path = `/api/reports/management/${name}`;
  const report = useQuery({
    queryKey: ['report', name, query],
    queryFn: () => api.get<Report>(path, query),
  });

  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const [key, raw] of form.entries()) {
      const typed = String(raw).trim();
      if (!typed) continue;
      // Typed the trade's way (dd.mm.yyyy, mm.yyyy), kept in the address the API's way.
      const value = fromTyped(key, typed);
      if (value === null) return setProblem(t('badValue', { field: t(key) }));
      next.set(key, value);
    }
    setProblem(null);
    setParams(next);
  };

  const data = report.data;
  const columnOf = (key: string) => data?.columns.find((c) => c.key === key);
  return (
    <>
      <h1>{t('title')}</h1>
      <form onSubmit={submit} className="filters" aria-label={t('title')}>
        <div className="field">
          <label htmlFor={`${id}-report`}>{t('report')}</label>
          <select id={`${id}-report`} name="report" defaultValue={name}>
            {REPORTS.map((r) => (
              <option key={r} value={r}>
                {t(`names.${r}`)}
              </option>
            ))}
          </select>
        </div>
        {FILTERS.map((key) => (
          <div className="field" key={key}>
            <label htmlFor={`${id}-${key}`}>{t(key)}</label>
            <input
              id={`${id}-${key}`}
              name={key}
              type="text"
              placeholder={t(`hints.${key}`, { defaultValue: '' })}
              defaultValue={toTyped(key, params.get(key) ?? '')}
            />
          </div>
        ))}
        <button type="submit">{t('show')}</button>
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
      </form>
      <p>
        <a href={withQuery(path, { ...query, format: 'xlsx' })} download>
          {t('exportXlsx')}
        </a>{' '}
        <a href={withQuery(path, { ...query, format: 'pdf' })} download>
          {t('exportPdf')}
        </a>
      </p>
      {report.isLoading && <Loading />}
      {report.error && <ErrorMessage error={report.error} />}
      {data && (
        <>
          <h2>{data.title}</h2>
          <p>
            {data.filters.from} – {data.filters.to}; {t('asOf')}: {formatDate(String(data.filters.asOf))};{' '}
            {t('knownAt')}: {formatDateTime(String(data.filters.knownAt))}
          </p>
          {data.summary.map((s) => (
            <p key={s.label}>
              {s.label}: {s.value}
            </p>
          ))}
          {data.chart && data.chart.rows.length > 0 && (
            <div className="chart" style={{ position: 'relative', height: '18rem', maxWidth: '60rem' }}>
              <Bar
                role="img"
                aria-label={t('chartLabel', {
                  title: data.chart.title,
                  summary: data.chart.rows.map((r) => String(r[data.chart!.labelKey])).join(', '),
                })}
                data={{
                  labels: data.chart.rows.map((r) => String(r[data.chart!.labelKey])),
                  datasets: data.chart.valueKeys.map((key, i) => ({
                    // A value with no column of its own (a count by level) is named by the chart's title.
                    label:
                      columnOf(key)?.label ?? (data.chart!.valueKeys.length === 1 ? data.chart!.title : key),
                    data: data.chart!.rows.map((r) =>
                      columnOf(key)?.kind === 'money' || key.endsWith('Kop')
                        ? Number(r[key] ?? 0) / 100
                        : Number(r[key] ?? 0),
                    ),
                    backgroundColor: PALETTE[i % PALETTE.length],
                  })),
                }}
                options={{ responsive: true, maintainAspectRatio: false }}
              />
            </div>
          )}
          {data.rows.length === 0 ? (
            <p>{t('empty')}</p>
          ) : (
            <div className="table-scroll" role="region" aria-label={data.title} tabIndex={0}>
              <table>
                <caption>{data.title}</caption>
                <thead>
                  <tr>
                    {data.columns.map((c) => (
                      <th key={c.key} scope="col" className={c.kind === 'text' ? undefined : 'numeric'}>
                        {c.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.rows.map((row, i) => (
                    <tr key={i}>
                      {data.columns.map((c) => (
                        <td key={c.key} className={c.kind === 'text' ? undefined : 'numeric'}>
                          {cellText(c, row[c.key])}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    {data.columns.map((c) => (
                      <th key={c.key} scope="row" className={c.kind === 'text' ? undefined : 'numeric'}>
                        {cellText(c, data.totals[c.key])}
                      </th>
                    ))}
                  </tr>
                </tfoot>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
