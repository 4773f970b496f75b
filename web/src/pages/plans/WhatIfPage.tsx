/**
 * The what-if of a draft plan against a posted period (POST /api/plans/what-if, writes nothing): the
 * draft is a registered version or plan text a person pastes (checked first by the server, POST
 * /api/plans/check); the answer is the difference per consultant and per consultant and rule.
 */
import { useQueries, useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api';
import { DataTable } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatMoney } from '../../app/format';
import { CheckResult, type PlanCheck } from './CheckResult';
import { type PlanVersion, usePlans } from './PlansPage';

interface WhatIfReport {
  periodCode: string;
  draft: { code: string; version: string };
  posted: { runId: number; planCode: string; planVersion: string } | null;
  rows: {
    consultantCode: string;
    rule: string;
    postedKop: number;
    draftKop: number;
    differenceKop: number;
  }[];
  byConsultant: { consultantCode: string; postedKop: number; draftKop: number; differenceKop: number }[];
  postedTotalKop: number;
  draftTotalKop: number;
  missing: unknown[];
}

interface PeriodRow {
  code: string;
  status: 'open' | 'calculated' | 'closed';
}

export function WhatIfPage() {
  const { t } = useTranslation('plans');
  const ids = { period: useId(), version: useId(), text: useId() };
  const [period, setPeriod] = useState('');
  const [source, setSource] = useState<'version' | 'text'>('text');
  const [versionId, setVersionId] = useState('');
  const [text, setText] = useState('');
  const [check, setCheck] = useState<PlanCheck | null>(null);
  const [report, setReport] = useState<WhatIfReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const periods = useQuery({
    queryKey: ['/api/periods'],
    queryFn: () => api.get<{ items: PeriodRow[] }>('/api/periods'),
  });
  const plans = usePlans();
  const versions = useQueries({
    queries: (plans.data?.items ?? []).map((p) => ({
      queryKey: ['/api/plans/versions', p.code, 'all'],
      queryFn: () =>
        api.get<Page<PlanVersion>>(`/api/plans/${encodeURIComponent(p.code)}/versions`, { pageSize: 500 }),
    })),
  });
  const allVersions = versions.flatMap((v) => v.data?.items ?? []);
  const posted = (periods.data?.items ?? []).filter((p) => p.status !== 'open');

  async function checkText() {
    setError(null);
    try {
      setCheck(await api.post<PlanCheck>('/api/plans/check', { plan: text }));
    } catch (failure) {
      setError(failure);
    }
  }
  async function run(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      const body =
        source === 'text'
          ? { period, plan: text }
          : { period, planVersionId: Number(versionId) || undefined };
      setReport(await api.post<WhatIfReport>('/api/plans/what-if', body));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <h1>{t('whatIfTitle')}</h1>
      {(periods.isLoading || plans.isLoading) && <Loading />}
      {periods.error && <ErrorMessage error={periods.error} />}
      <form onSubmit={run}>
        <div className="field">
          <label htmlFor={ids.period}>{t('period')}</label>
          <select id={ids.period} value={period} onChange={(event) => setPeriod(event.target.value)} required>
            <option value="">{t('choosePeriod')}</option>
            {posted.map((p) => (
              <option key={p.code} value={p.code}>
                {p.code}
              </option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend>{t('source')}</legend>
          <label>
            <input
              type="radio"
              name="source"
              value="text"
              checked={source === 'text'}
              onChange={() => setSource('text')}
            />{' '}
            {t('sourceText')}
          </label>{' '}
          <label>
            <input
              type="radio"
              name="source"
              value="version"
              checked={source === 'version'}
              onChange={() => setSource('version')}
            />{' '}
            {t('sourceVersion')}
          </label>
        </fieldset>
        {source === 'version' ? (
          <div className="field">
            <label htmlFor={ids.version}>{t('planVersion')}</label>
            <select
              id={ids.version}
              value={versionId}
              onChange={(event) => setVersionId(event.target.value)}
              required
            >
              <option value="">{t('chooseVersion')}</option>
              {allVersions.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.planCode} {v.version} ({t(`statuses.${v.status}`)})
                </option>
              ))}
            </select>
          </div>
        ) : (
          <div className="field">
            <label htmlFor={ids.text}>{t('planText')}</label>
            <textarea
              id={ids.text}
              rows={14}
              value={text}
              spellCheck={false}
              onChange={(event) => {
                setText(event.target.value);
                setCheck(null);
              }}
              required
            />
            <p>
              <button type="button" onClick={checkText} disabled={!text.trim()}>
                {t('checkText')}
              </button>
            </p>
          </div>
        )}
        <button type="submit" disabled={busy}>
          {t('run')}
        </button>
      </form>
      {check && source === 'text' && <CheckResult check={check} />}
      {busy && (
        <p role="status" aria-live="polite">
          {t('running')}
        </p>
      )}
      {error !== null && <ErrorMessage error={error} />}
      {report && <Report report={report} />}
    </>
  );
}

function Report({ report }: { report: WhatIfReport }) {
  const { t } = useTranslation('plans');
  return (
    <section aria-labelledby="what-if-heading">
      <h2 id="what-if-heading">
        {t('draft', { plan: report.draft.code, version: report.draft.version })} · {report.periodCode}
      </h2>
      <p>
        {report.posted
          ? t('posted', { plan: report.posted.planCode, version: report.posted.planVersion })
          : t('notPosted')}
      </p>
      <p data-testid="what-if-totals">
        {t('postedTotal')}: {formatMoney(report.postedTotalKop)} · {t('draftTotal')}:{' '}
        {formatMoney(report.draftTotalKop)}
      </p>
      {report.missing.length > 0 && <p>{t('missing', { count: report.missing.length })}</p>}
      {report.rows.length === 0 ? (
        <p>{t('noDifference')}</p>
      ) : (
        <>
          <DataTable
            caption={t('byConsultantCaption')}
            rows={report.byConsultant}
            rowKey={(c) => c.consultantCode}
            columns={[
              { header: t('consultant'), cell: (c) => c.consultantCode },
              { header: t('postedTotal'), cell: (c) => formatMoney(c.postedKop), numeric: true },
              { header: t('draftTotal'), cell: (c) => formatMoney(c.draftKop), numeric: true },
              { header: t('difference'), cell: (c) => formatMoney(c.differenceKop), numeric: true },
            ]}
          />
          <DataTable
            caption={t('rowsCaption')}
            rows={report.rows}
            rowKey={(r) => `${r.consultantCode}\u0000${r.rule}`}
            columns={[
              { header: t('consultant'), cell: (r) => r.consultantCode },
              { header: t('rule'), cell: (r) => r.rule },
              { header: t('postedTotal'), cell: (r) => formatMoney(r.postedKop), numeric: true },
              { header: t('draftTotal'), cell: (r) => formatMoney(r.draftKop), numeric: true },
              { header: t('difference'), cell: (r) => formatMoney(r.differenceKop), numeric: true },
            ]}
          />
        </>
      )}
    </section>
  );
}
