/** The production periods with their status (GET /api/periods), each opening its own screen. */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../app/api';
import { DataTable } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatCount, formatDate, formatDateTime } from '../../app/format';
import type { PeriodSummary } from './types';

export function usePeriods() {
  return useQuery({
    queryKey: ['/api/periods'],
    queryFn: () => api.get<{ items: PeriodSummary[] }>('/api/periods'),
  });
}

export function PeriodsPage() {
  const { t } = useTranslation('periods');
  const periods = usePeriods();
  return (
    <>
      <h1>{t('title')}</h1>
      <p>
        <Link to="/periods/corrections">{t('correctionsTitle')}</Link>
      </p>
      {periods.isLoading && <Loading />}
      {periods.error && <ErrorMessage error={periods.error} />}
      {periods.data && (
        <DataTable
          caption={t('listCaption')}
          rows={periods.data.items}
          rowKey={(p) => p.code}
          columns={[
            {
              header: t('code'),
              cell: (p) => (
                <Link to={`/periods/${p.code}`} aria-label={t('open', { code: p.code })}>
                  {p.code}
                </Link>
              ),
            },
            { header: t('startsOn'), cell: (p) => formatDate(p.startsOn) },
            { header: t('endsOn'), cell: (p) => formatDate(p.endsOn) },
            { header: t('status'), cell: (p) => t(`statuses.${p.status}`) },
            { header: t('calculatedAt'), cell: (p) => formatDateTime(p.calculatedAt) },
            {
              header: t('closed'),
              cell: (p) =>
                p.closedAt ? t('closedByAt', { at: formatDateTime(p.closedAt), by: p.closedBy ?? '' }) : '',
            },
            { header: t('pendingRequests'), cell: (p) => formatCount(p.pendingRequests), numeric: true },
          ]}
        />
      )}
    </>
  );
}
