/**
 * Corrections of closed periods: the recalculation requests waiting (GET /api/corrections/pending),
 * the preview of their storno and additional lines per period and per consultant (POST
 * /api/corrections/preview, posted nowhere), and posting them into the open period.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../app/api';
import { useAuth } from '../../app/auth';
import { DataTable } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDate, formatDateTime, formatMoney } from '../../app/format';
import type { CorrectionReport, PendingRequest } from './types';

export function CorrectionsPage() {
  const { t } = useTranslation('periods');
  const { me, can } = useAuth();
  const client = useQueryClient();
  const [report, setReport] = useState<CorrectionReport | null>(null);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const pending = useQuery({
    queryKey: ['/api/corrections/pending'],
    queryFn: () => api.get<{ items: PendingRequest[] }>('/api/corrections/pending'),
  });
  async function run(post: boolean) {
    setBusy(true);
    setError(null);
    try {
      setReport(
        await api.post<CorrectionReport>(`/api/corrections/${post ? 'post' : 'preview'}`, {
          postedBy: me!.user.login,
        }),
      );
      setAsking(false);
      if (post) {
        await client.invalidateQueries({ queryKey: ['/api/corrections/pending'] });
        await client.invalidateQueries({ queryKey: ['/api/periods'] });
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  const items = pending.data?.items ?? [];
  return (
    <>
      <p>
        <Link to="/periods">{t('backToList')}</Link>
      </p>
      <h1>{t('correctionsTitle')}</h1>
      {pending.isLoading && <Loading />}
      {pending.error && <ErrorMessage error={pending.error} />}
      {pending.data && items.length === 0 && <p>{t('noPending')}</p>}
      {items.length > 0 && (
        <DataTable
          caption={t('pendingCaption')}
          rows={items}
          rowKey={(r) => r.id}
          columns={[
            { header: t('requestId'), cell: (r) => r.id, numeric: true },
            { header: t('code'), cell: (r) => r.periodCode },
            { header: t('effectiveOn'), cell: (r) => formatDate(r.effectiveOn) },
            { header: t('causeKind'), cell: (r) => `${r.causeKind} ${r.causeRef}` },
            { header: t('createdAt'), cell: (r) => formatDateTime(r.createdAt) },
          ]}
        />
      )}
      {can('periods.write') && items.length > 0 && (
        <p>
          <button type="button" disabled={busy} onClick={() => run(false)}>
            {t('previewCorrections')}
          </button>{' '}
          {!asking ? (
            <button type="button" disabled={busy} onClick={() => setAsking(true)}>
              {t('postCorrections')}
            </button>
          ) : (
            <span role="group" aria-label={t('postCorrections')}>
              {t('confirmPost', { period: report?.postedIn ?? '' })}{' '}
              <button type="button" disabled={busy} onClick={() => run(true)}>
                {t('confirmPostYes')}
              </button>{' '}
              <button type="button" onClick={() => setAsking(false)}>
                {t('cancel', { ns: 'common' })}
              </button>
            </span>
          )}
        </p>
      )}
      {busy && <Loading />}
      {error !== null && <ErrorMessage error={error} />}
      {report && <Report report={report} />}
    </>
  );
}

function Report({ report }: { report: CorrectionReport }) {
  const { t } = useTranslation('periods');
  return (
    <section aria-labelledby="report-heading">
      <h2 id="report-heading">
        {report.preview
          ? t('correctionsPreview', { period: report.postedIn ?? '' })
          : t('correctionsPosted', { period: report.postedIn ?? '' })}
      </h2>
      <p data-testid="corrections-totals">
        {t('storno')}: {formatMoney(report.stornoKop)} · {t('additional')}:{' '}
        {formatMoney(report.additionalKop)} · {t('netChange')}: {formatMoney(report.netKop)}
      </p>
      <DataTable
        caption={t('byConsultant')}
        rows={report.byConsultant}
        rowKey={(c) => c.consultantCode}
        columns={[
          { header: t('consultant'), cell: (c) => c.consultantCode },
          { header: t('storno'), cell: (c) => formatMoney(c.stornoKop), numeric: true },
          { header: t('additional'), cell: (c) => formatMoney(c.additionalKop), numeric: true },
          { header: t('netChange'), cell: (c) => formatMoney(c.netKop), numeric: true },
        ]}
      />
      {report.periods.map((p) => (
        <div key={p.period}>
          <DataTable
            caption={t('correctionsOf', { period: p.period })}
            rows={p.lines.map((line, index) => ({ ...line, index }))}
            rowKey={(l) => l.index}
            columns={[
              { header: t('kind'), cell: (l) => t(`kinds.${l.kind}`) },
              { header: t('consultant'), cell: (l) => l.consultantCode },
              { header: t('rule'), cell: (l) => l.rule },
              { header: t('amount'), cell: (l) => formatMoney(l.amountKop), numeric: true },
              {
                header: t('explanation'),
                cell: (l) =>
                  [l.stornoOfAccrualId ? t('stornoOf', { id: l.stornoOfAccrualId }) : '', l.explanation]
                    .filter(Boolean)
                    .join(': '),
              },
              { header: t('cause'), cell: (l) => l.cause },
            ]}
          />
          {p.careerAdjustments.length > 0 && (
            <DataTable
              caption={t('careerAdjustments')}
              rows={p.careerAdjustments}
              rowKey={(a) => `${a.consultantCode}-${a.validFrom}`}
              columns={[
                { header: t('consultant'), cell: (a) => a.consultantCode },
                { header: t('effectiveOn'), cell: (a) => formatDate(a.validFrom) },
                { header: t('causeKind'), cell: (a) => `${a.fromLevel ?? '—'} → ${a.toLevel}: ${a.why}` },
              ]}
            />
          )}
        </div>
      ))}
    </section>
  );
}
