/**
 * One production period: its status and what keeps it from closing, the calculation (a preview or
 * the posting) run in the background with its stage and elapsed time, closing, the period's ledger a
 * page at a time with the server's totals, and its acts (produce, PDF, the register).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../app/api';
import { useAuth } from '../../app/auth';
import { Field } from '../../app/components/Field';
import { DataTable, Pager, usePagedList, usePageNumber } from '../../app/components/Paged';
import { ErrorMessage, Loading, Progress } from '../../app/components/Status';
import { formatCount, formatDate, formatDateTime, formatMoney, formatPercent } from '../../app/format';
import { CalculationPanel } from './CalculationPanel';
import { usePeriods } from './PeriodsPage';
import type { AccrualTotals, ActsJob, ActsRegister, Blocker, JobRecord, LedgerLine } from './types';

const KINDS = [
  'personal',
  'structural',
  'override',
  'bonus',
  'chargeback',
  'contest',
  'storno',
  'additional',
];

export function PeriodPage() {
  const { code = '' } = useParams();
  const { t } = useTranslation('periods');
  const periods = usePeriods();
  const period = periods.data?.items.find((p) => p.code === code);
  if (periods.isLoading) return <Loading />;
  if (periods.error) return <ErrorMessage error={periods.error} />;
  if (!period) return <ErrorMessage error={new ApiError(404, 'not_found', code)} />;
  return (
    <>
      <p>
        <Link to="/periods">{t('backToList')}</Link>
      </p>
      <h1>{t('periodTitle', { code })}</h1>
      <p>
        {formatDate(period.startsOn)} – {formatDate(period.endsOn)} · {t('status')}:{' '}
        <strong data-testid="period-status">{t(`statuses.${period.status}`)}</strong>
        {period.closedAt &&
          ` · ${t('closed')}: ${t('closedByAt', { at: formatDateTime(period.closedAt), by: period.closedBy ?? '' })}`}
      </p>
      {period.status !== 'closed' && <Blockers code={code} />}
      {period.status !== 'closed' && <CalculationPanel code={code} />}
      {period.status !== 'closed' && <ClosePanel code={code} />}
      <Accruals code={code} />
      <Acts code={code} closed={period.status === 'closed'} />
    </>
  );
}

function Blockers({ code }: { code: string }) {
  const { t } = useTranslation('periods');
  const blockers = useQuery({
    queryKey: ['/api/periods/blockers', code],
    queryFn: () => api.get<{ items: Blocker[] }>(`/api/periods/${code}/blockers`),
  });
  return (
    <section aria-labelledby="blockers-heading">
      <h2 id="blockers-heading">{t('blockers')}</h2>
      {blockers.isLoading && <Loading />}
      {blockers.error && <ErrorMessage error={blockers.error} />}
      {blockers.data &&
        (blockers.data.items.length === 0 ? (
          <p>{t('noBlockers')}</p>
        ) : (
          <ul>
            {blockers.data.items.map((b, i) => (
              <li key={i}>
                <strong>{t(`blockerKinds.${b.kind}`, { defaultValue: b.kind })}</strong>:{' '}
                <BlockerText blocker={b} />
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}

/** A blocker in the reader's language from its facts (the server's English text when it has none). */
function BlockerText({ blocker }: { blocker: Blocker }) {
  const { t } = useTranslation('periods');
  const facts = blocker.facts;
  if (!facts) return <>{blocker.message}</>;
  const values = {
    ...facts,
    status: facts.status ? t(`statuses.${facts.status}`, { defaultValue: facts.status }) : '',
    closedAt: formatDateTime(facts.closedAt),
    interpolation: { escapeValue: false },
  };
  const key =
    blocker.kind === 'mismatch' && facts.policy
      ? 'mismatchOfPolicy'
      : blocker.kind === 'quarantined_message' && facts.file
        ? 'quarantinedFile'
        : blocker.kind;
  const text = t(`blockerTexts.${key}`, { ...values, defaultValue: blocker.message });
  if (blocker.kind === 'mismatch')
    return (
      <>
        {text}{' '}
        <Link to={`/exchange/mismatches?kind=${encodeURIComponent(facts.mismatchKind ?? '')}`}>
          {t('openMismatch')}
        </Link>
      </>
    );
  if (blocker.kind === 'quarantined_message')
    return (
      <>
        {text} <Link to={`/exchange/messages/${facts.message}`}>{t('openMessage')}</Link>
      </>
    );
  return <>{text}</>;
}

function ClosePanel({ code }: { code: string }) {
  const { t } = useTranslation('periods');
  const { me, can } = useAuth();
  const client = useQueryClient();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!can('periods.write')) return null;
  async function close() {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/periods/${code}/close`, { closedBy: me!.user.login });
      setAsking(false);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      await client.invalidateQueries({ queryKey: ['/api/periods'] });
      await client.invalidateQueries({ queryKey: ['/api/periods/blockers', code] });
    }
  }
  return (
    <section aria-labelledby="close-heading">
      <h2 id="close-heading">{t('closePeriod')}</h2>
      {!asking ? (
        <button type="button" onClick={() => setAsking(true)}>
          {t('closePeriod')}
        </button>
      ) : (
        <div role="group" aria-label={t('closePeriod')}>
          <p>{t('confirmClose', { code })}</p>
          <button type="button" disabled={busy} onClick={close}>
            {t('confirmCloseYes')}
          </button>{' '}
          <button type="button" onClick={() => setAsking(false)}>
            {t('cancel', { ns: 'common' })}
          </button>
        </div>
      )}
      {error !== null && <ErrorMessage error={error} />}
    </section>
  );
}

function Accruals({ code }: { code: string }) {
  const { t } = useTranslation('periods');
  const [page, setPage] = usePageNumber();
  const [consultant, setConsultant] = useState('');
  const [kind, setKind] = useState('');
  const [filter, setFilter] = useState<{ consultant: string; kind: string }>({ consultant: '', kind: '' });
  const path = `/api/periods/${code}/accruals/page`;
  const list = usePagedList<LedgerLine>(path, filter, page, 50);
  const data = list.data as (typeof list.data & { totals: AccrualTotals }) | undefined;
  function apply(event: FormEvent) {
    event.preventDefault();
    setFilter({ consultant: consultant.trim(), kind });
    setPage(1);
  }
  return (
    <section aria-labelledby="accruals-heading">
      <h2 id="accruals-heading">{t('accruals')}</h2>
      <form onSubmit={apply} className="filters">
        <Field
          label={t('filterConsultant')}
          value={consultant}
          onChange={(event) => setConsultant(event.target.value)}
        />
        <div className="field">
          <label htmlFor="accrual-kind">{t('filterKind')}</label>
          <select id="accrual-kind" value={kind} onChange={(event) => setKind(event.target.value)}>
            <option value="">{t('allKinds')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t('show')}</button>
      </form>
      {list.isLoading && <Loading />}
      {list.error && <ErrorMessage error={list.error} />}
      {data && (
        <>
          <p data-testid="accrual-totals">
            {t('totals', { lines: formatCount(data.totals.lines), total: formatMoney(data.totals.totalKop) })}
          </p>
          <DataTable
            caption={t('totalsCaption')}
            rows={data.totals.byKind}
            rowKey={(k) => k.kind}
            columns={[
              { header: t('kind'), cell: (k) => t(`kinds.${k.kind}`, { defaultValue: k.kind }) },
              { header: t('lines'), cell: (k) => formatCount(k.lines), numeric: true },
              { header: t('total'), cell: (k) => formatMoney(k.totalKop), numeric: true },
            ]}
          />
          <DataTable
            caption={t('accrualsCaption', { code })}
            rows={data.items}
            rowKey={(l) => l.id}
            columns={[
              { header: t('consultant'), cell: (l) => l.consultantCode },
              { header: t('kind'), cell: (l) => t(`kinds.${l.kind}`, { defaultValue: l.kind }) },
              { header: t('rule'), cell: (l) => l.rule },
              { header: t('base'), cell: (l) => formatMoney(l.baseKop), numeric: true },
              { header: t('rate'), cell: (l) => formatPercent(l.rate), numeric: true },
              { header: t('amount'), cell: (l) => formatMoney(l.amountKop), numeric: true },
              {
                header: t('correctsPeriod'),
                cell: (l) =>
                  [l.correctsPeriod, l.stornoOfAccrualId ? t('stornoOf', { id: l.stornoOfAccrualId }) : '']
                    .filter(Boolean)
                    .join(', '),
              },
              { header: t('explanation'), cell: (l) => [l.explanation, l.cause].filter(Boolean).join(' — ') },
            ]}
          />
          {data.items.length === 0 && <p>{t('nothing', { ns: 'common' })}</p>}
          <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />
        </>
      )}
    </section>
  );
}

/** The stages of a period's acts job, in order (back-office/period-jobs PERIOD_ACTS_STAGES). */
const ACTS_STAGES = ['issuing', 'checking', 'done'];

/** GET /api/acts/intermediary: the intermediary's own details printed on acts. */
interface IntermediaryDetails {
  name: string;
  edrpou: string;
  city: string | null;
  source: 'server' | 'settings' | 'demo';
}

function Acts({ code, closed }: { code: string; closed: boolean }) {
  const { t } = useTranslation('periods');
  const { can } = useAuth();
  const client = useQueryClient();
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [customer, setCustomer] = useState('');
  const [edrpou, setEdrpou] = useState('');
  const [city, setCity] = useState('');
  const mayIssue = can('acts.write');
  const configured = useQuery({
    queryKey: ['/api/acts/intermediary'],
    queryFn: () => api.get<IntermediaryDetails>('/api/acts/intermediary'),
    enabled: mayIssue,
    staleTime: Infinity,
  });
  // The intermediary's own details fill the fields a person has left empty.
  useEffect(() => {
    const details = configured.data;
    if (!details) return;
    setCustomer((value) => value || details.name);
    setEdrpou((value) => value || details.edrpou);
    setCity((value) => value || (details.city ?? ''));
  }, [configured.data]);
  const register = useQuery({
    queryKey: ['/api/periods/acts/register', code],
    queryFn: () => api.get<ActsRegister>(`/api/periods/${code}/acts/register`),
  });
  // An acts job already queued or running when the page is opened (started here before, by another
  // person, or from the command line): followed until it ends, as the calculation is.
  const current = useQuery({
    queryKey: ['/api/periods', code, 'actsJob'],
    queryFn: () => api.get<{ actsJob: JobRecord | null }>(`/api/periods/${code}`),
    enabled: jobId === null && mayIssue,
  });
  const running = current.data?.actsJob;
  useEffect(() => {
    if (jobId === null && running && (running.state === 'queued' || running.state === 'running'))
      setJobId(running.id);
  }, [running, jobId]);
  // The acts job started here, polled until it ends (GET /api/jobs/:id).
  const job = useQuery({
    queryKey: ['/api/jobs', jobId],
    queryFn: () => api.get<JobRecord>(`/api/jobs/${jobId}`),
    enabled: jobId !== null,
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      return state === 'queued' || state === 'running' ? 400 : false;
    },
  });
  const busy = job.data?.state === 'queued' || job.data?.state === 'running';
  const finished = job.data && !busy ? job.data : null;
  useEffect(() => {
    // Its acts are in the register now.
    if (finished) void client.invalidateQueries({ queryKey: ['/api/periods/acts/register', code] });
  }, [finished, client, code]);
  async function produce(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      // The customer printed on the acts. Left as the server's own acts intermediary, nothing is sent,
      // so its address and signatory are printed too; otherwise the fields as they stand.
      const details = configured.data;
      const unchanged =
        details?.source === 'server' &&
        customer.trim() === details.name &&
        edrpou.trim() === details.edrpou &&
        city.trim() === (details.city ?? '');
      const intermediary =
        !unchanged && (customer.trim() || edrpou.trim())
          ? { name: customer.trim(), edrpou: edrpou.trim(), ...(city.trim() ? { city: city.trim() } : {}) }
          : undefined;
      // A job (one per period at a time: asked again while it runs, the answer is that job).
      const started = await api.post<ActsJob>(`/api/periods/${code}/acts/jobs`, { intermediary });
      client.setQueryData(['/api/jobs', started.id], started);
      setJobId(started.id);
    } catch (failure) {
      setError(failure);
    }
  }
  const pdfPath = (number: string) => `/api/acts/${number}/pdf`;
  const pdfName = (number: string) => `act_${number.replace('/', '_')}.pdf`;
  return (
    <section aria-labelledby="acts-heading">
      <h2 id="acts-heading">{t('acts')}</h2>
      {mayIssue &&
        (closed ? (
          <form onSubmit={produce} className="filters">
            <Field
              label={t('customer')}
              value={customer}
              onChange={(event) => setCustomer(event.target.value)}
              autoComplete="organization"
            />
            <Field
              label={t('edrpou')}
              value={edrpou}
              inputMode="numeric"
              onChange={(event) => setEdrpou(event.target.value)}
            />
            <Field
              label={t('actsCity')}
              value={city}
              onChange={(event) => setCity(event.target.value)}
              autoComplete="address-level2"
            />
            <button type="submit" disabled={busy} aria-busy={busy}>
              {t('produceActs')}
            </button>
            {configured.data?.source === 'demo' && (
              <p className="muted" data-testid="demo-intermediary">
                {t('demoIntermediary')}
              </p>
            )}
          </form>
        ) : (
          <p>{t('actsOnlyClosed')}</p>
        ))}
      {job.data && (
        <div role="status" aria-live="polite" data-testid="acts-job">
          {busy && (
            <>
              <p>
                {job.data.state === 'queued'
                  ? t('actsQueued', { code })
                  : t('actsStage', {
                      stage: t(`actsStages.${job.data.stage ?? 'none'}`),
                      index: job.data.stage ? ACTS_STAGES.indexOf(job.data.stage) + 1 : 0,
                      total: ACTS_STAGES.length,
                    })}
              </p>
              <Progress label={t('actsProgress')} done={job.data.done ?? 0} total={job.data.total ?? null} />
            </>
          )}
          {finished?.state === 'succeeded' && finished.outcome && (
            <p>
              {t('actsProduced', {
                issued: formatCount(finished.outcome.issued),
                already: formatCount(finished.outcome.alreadyIssued),
                nothing: formatCount(finished.outcome.nothingToPay),
              })}{' '}
              {finished.outcome.balanced
                ? t('actsBalanced')
                : t('actsUnbalanced', { count: finished.outcome.differences })}
            </p>
          )}
          {finished && finished.state !== 'succeeded' && (
            <p className="error" role="alert">
              {t('actsFailed', { message: finished.error ?? finished.state })}
            </p>
          )}
        </div>
      )}
      {job.error && <ErrorMessage error={job.error} />}
      {error !== null && <ErrorMessage error={error} />}
      {register.isLoading && <Loading />}
      {register.error && <ErrorMessage error={register.error} />}
      {register.data && register.data.rows.length > 0 && (
        <>
          <p>
            <a href={`/api/periods/${code}/acts/register?format=csv`} download={`register_${code}.csv`}>
              {t('registerCsv')}
            </a>{' '}
            ·{' '}
            <a href={`/api/periods/${code}/acts/register?format=xlsx`} download={`register_${code}.xlsx`}>
              {t('registerXlsx')}
            </a>
          </p>
          <p data-testid="acts-totals">
            {t('actsTotals', { acts: register.data.totals.acts })} · {t('gross')}:{' '}
            {formatMoney(register.data.totals.grossKop)} · {t('net')}:{' '}
            {formatMoney(register.data.totals.netKop)}
          </p>
          <DataTable
            caption={t('actsCaption', { code })}
            rows={register.data.rows}
            rowKey={(r) => r.number}
            columns={[
              { header: t('number'), cell: (r) => r.number },
              { header: t('date'), cell: (r) => formatDate(r.date) },
              { header: t('consultant'), cell: (r) => r.consultantCode },
              { header: t('fullName'), cell: (r) => r.fullName },
              { header: t('gross'), cell: (r) => formatMoney(r.grossKop), numeric: true },
              { header: t('pdfo'), cell: (r) => formatMoney(r.pdfoKop), numeric: true },
              { header: t('militaryLevy'), cell: (r) => formatMoney(r.militaryLevyKop), numeric: true },
              { header: t('net'), cell: (r) => formatMoney(r.netKop), numeric: true },
              {
                header: t('pdf'),
                cell: (r) => (
                  <a
                    href={pdfPath(r.number)}
                    download={pdfName(r.number)}
                    aria-label={t('downloadPdf', { number: r.number })}
                  >
                    PDF
                  </a>
                ),
              },
            ]}
          />
        </>
      )}
      {register.data && register.data.rows.length === 0 && <p>{t('nothing', { ns: 'common' })}</p>}
    </section>
  );
}
