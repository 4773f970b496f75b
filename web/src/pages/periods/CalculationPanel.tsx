/**
 * Calculating a period, as a preview or posted: started in the background (POST
 * /api/periods/:code/calculations; a posting is a queued job, one per period at a time), its stage,
 * counts and elapsed time polled from the server until it ends, then the server's figures; a
 * preview's lines a page at a time. A calculation already queued or running when the page is opened
 * (GET /api/periods/:code, whoever started it) is followed the same way.
 */
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api';
import { useAuth } from '../../app/auth';
import { DataTable, Pager } from '../../app/components/Paged';
import { ErrorMessage, Progress } from '../../app/components/Status';
import { formatCount, formatMoney } from '../../app/format';
import type { CalculationJob, EngineLine, PeriodWithJob } from './types';

const seconds = (ms: number) => (ms / 1000).toFixed(1).replace('.', ',');

export function CalculationPanel({ code }: { code: string }) {
  const { t } = useTranslation('periods');
  const { can } = useAuth();
  const client = useQueryClient();
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  // One already queued or running when the page is opened (started here before, by another person,
  // or from the command line): followed until it ends.
  const current = useQuery({
    queryKey: ['/api/periods', code, 'job'],
    queryFn: () => api.get<PeriodWithJob>(`/api/periods/${code}`),
    enabled: jobId === null && can('periods.write'),
  });
  const active = current.data?.calculationJob;
  useEffect(() => {
    if (jobId === null && active && (active.state === 'queued' || active.state === 'running'))
      setJobId(active.id);
  }, [active, jobId]);
  const job = useQuery({
    queryKey: ['/api/calculations', jobId],
    queryFn: () => api.get<CalculationJob>(`/api/calculations/${jobId}`),
    enabled: jobId !== null,
    refetchInterval: (query) => (query.state.data?.status === 'running' ? 400 : false),
  });
  const finished = job.data && job.data.status !== 'running' ? job.data : null;
  useEffect(() => {
    if (finished && !finished.preview) {
      // A posting changes the period's status, its blockers and its ledger.
      void client.invalidateQueries({ queryKey: ['/api/periods'] });
      void client.invalidateQueries({ queryKey: ['/api/periods/blockers', code] });
      void client.invalidateQueries({ queryKey: [`/api/periods/${code}/accruals/page`] });
    }
  }, [finished, client, code]);
  if (!can('periods.write')) return null;

  async function start(preview: boolean) {
    setError(null);
    try {
      const started = await api.post<CalculationJob>(`/api/periods/${code}/calculations`, { preview });
      client.setQueryData(['/api/calculations', started.id], started);
      setJobId(started.id);
    } catch (failure) {
      setError(failure);
    }
  }
  const running = job.data?.status === 'running';
  return (
    <section aria-labelledby="calculation-heading">
      <h2 id="calculation-heading">{t('calculation')}</h2>
      <p>
        <button type="button" disabled={running} onClick={() => start(true)}>
          {t('preview')}
        </button>{' '}
        <button type="button" disabled={running} onClick={() => start(false)}>
          {t('calculate')}
        </button>
      </p>
      {error !== null && <ErrorMessage error={error} />}
      {job.error && <ErrorMessage error={job.error} />}
      {job.data && (
        <div role="status" aria-live="polite">
          {running && (
            <>
              {job.data.state === 'queued' ? (
                <p>{t('queued', { code })}</p>
              ) : (
                job.data.startedBy && <p>{t('runningJob', { code, by: job.data.startedBy })}</p>
              )}
              <Progress label={t('progress')} done={job.data.stageIndex} total={job.data.stages.length} />
              {job.data.stage && job.data.total != null && (
                <Progress
                  label={t(`stages.${job.data.stage}`)}
                  done={job.data.done ?? 0}
                  total={job.data.total || null}
                />
              )}
              <p>
                {t('stageLine', {
                  index: job.data.stageIndex,
                  total: job.data.stages.length,
                  stage: t(`stages.${job.data.stage ?? 'none'}`),
                  count: formatCount(job.data.stageCount),
                  seconds: seconds(job.data.elapsedMs),
                })}
              </p>
            </>
          )}
          {job.data.status === 'failed' && (
            <p className="error">{t('failed', { message: job.data.error?.message ?? '' })}</p>
          )}
          {finished?.result && (
            <p>
              <strong>
                {finished.result.preview
                  ? t('resultPreview')
                  : t('resultPosted', { run: finished.result.runId ?? '' })}
              </strong>{' '}
              · {t('elapsed')}: {t('seconds', { seconds: seconds(finished.elapsedMs) })}
            </p>
          )}
        </div>
      )}
      {finished?.result && <Figures job={finished} />}
      {finished?.result?.preview && <PreviewLines jobId={finished.id} />}
    </section>
  );
}

function Figures({ job }: { job: CalculationJob }) {
  const { t } = useTranslation('periods');
  const result = job.result!;
  return (
    <>
      <DataTable
        caption={t('figures')}
        rows={[
          [t('plan'), `${result.planCode} ${result.planVersion}`],
          [t('lineCount'), formatCount(result.lineCount)],
          [t('total'), formatMoney(result.totalKop)],
          [t('missing'), formatCount(result.missing.length)],
          [t('careerDecisions'), formatCount(result.careerDecisions.length)],
          [t('fingerprint'), result.fingerprint],
        ]}
        rowKey={(row) => row[0]}
        columns={[
          { header: t('calculation'), cell: (row) => row[0] },
          { header: t('amount'), cell: (row) => <span data-testid={`figure-${row[0]}`}>{row[1]}</span> },
        ]}
      />
      <DataTable
        caption={t('byKind')}
        rows={Object.entries(result.byKind)}
        rowKey={(row) => row[0]}
        columns={[
          { header: t('kind'), cell: (row) => t(`kinds.${row[0]}`, { defaultValue: row[0] }) },
          { header: t('total'), cell: (row) => formatMoney(row[1]), numeric: true },
        ]}
      />
      {result.missing.length > 0 && (
        <details>
          <summary>
            {t('missing')}: {formatCount(result.missing.length)}
          </summary>
          <ul>
            {result.missing.slice(0, 50).map((m, i) => (
              <li key={i}>{m.reason}</li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

function PreviewLines({ jobId }: { jobId: string }) {
  const { t } = useTranslation('periods');
  const [page, setPage] = useState(1);
  const lines = useQuery({
    queryKey: ['/api/calculations/lines', jobId, page],
    queryFn: () => api.get<Page<EngineLine>>(`/api/calculations/${jobId}/lines`, { page, pageSize: 25 }),
    placeholderData: keepPreviousData,
  });
  if (lines.error) return <ErrorMessage error={lines.error} />;
  if (!lines.data) return null;
  return (
    <>
      <DataTable
        caption={t('previewLines')}
        rows={lines.data.items}
        rowKey={(l) => l.lineNo}
        columns={[
          { header: t('consultantId'), cell: (l) => l.consultantId },
          { header: t('kind'), cell: (l) => t(`kinds.${l.kind}`, { defaultValue: l.kind }) },
          { header: t('rule'), cell: (l) => l.rule },
          { header: t('amount'), cell: (l) => formatMoney(l.amountKop), numeric: true },
          { header: t('explanation'), cell: (l) => l.explanation },
        ]}
      />
      <Pager
        page={lines.data.page}
        pageSize={lines.data.pageSize}
        total={lines.data.total}
        onPage={setPage}
      />
    </>
  );
}
