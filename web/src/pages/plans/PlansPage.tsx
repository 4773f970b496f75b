/**
 * The compensation plans (GET /api/plans) with each plan's versions a page at a time
 * (GET /api/plans/:code/versions), and one version with its check and document.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, type Page } from '../../app/api';
import { DataTable, Pager } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatCount, formatDateTime } from '../../app/format';
import { CheckResult, type PlanCheck } from './CheckResult';

export interface PlanSummary {
  code: string;
  versions: number;
  activeVersion: string | null;
  latestEffectiveFrom: string;
}

export interface PlanVersion {
  id: number;
  planCode: string;
  version: string;
  effectiveFrom: string;
  status: 'active' | 'draft' | 'retired';
  sha256: string;
  loadedAt: string;
  loadedBy: string | null;
}

export function usePlans() {
  return useQuery({
    queryKey: ['/api/plans'],
    queryFn: () => api.get<{ items: PlanSummary[] }>('/api/plans'),
  });
}

export function PlansPage() {
  const { t } = useTranslation('plans');
  const plans = usePlans();
  return (
    <>
      <h1>{t('title')}</h1>
      {plans.isLoading && <Loading />}
      {plans.error && <ErrorMessage error={plans.error} />}
      {plans.data && (
        <>
          <DataTable
            caption={t('plansCaption')}
            rows={plans.data.items}
            rowKey={(p) => p.code}
            columns={[
              { header: t('code'), cell: (p) => p.code },
              { header: t('versions'), cell: (p) => formatCount(p.versions), numeric: true },
              { header: t('activeVersion'), cell: (p) => p.activeVersion ?? '—' },
            ]}
          />
          {plans.data.items.length === 0 && <p>{t('nothing', { ns: 'common' })}</p>}
          {plans.data.items.map((p) => (
            <Versions key={p.code} code={p.code} />
          ))}
        </>
      )}
    </>
  );
}

function Versions({ code }: { code: string }) {
  const { t } = useTranslation('plans');
  const [page, setPage] = useState(1);
  const versions = useQuery({
    queryKey: ['/api/plans/versions', code, page],
    queryFn: () => api.get<Page<PlanVersion>>(`/api/plans/${encodeURIComponent(code)}/versions`, { page }),
    placeholderData: keepPreviousData,
  });
  if (versions.isLoading) return <Loading />;
  if (versions.error) return <ErrorMessage error={versions.error} />;
  const data = versions.data!;
  return (
    <>
      <DataTable
        caption={t('versionsCaption', { code })}
        rows={data.items}
        rowKey={(v) => v.id}
        columns={[
          {
            header: t('version'),
            cell: (v) => (
              <Link
                to={`/plans/${encodeURIComponent(v.planCode)}/versions/${encodeURIComponent(v.version)}`}
                aria-label={t('openVersion', { version: v.version, code: v.planCode })}
              >
                {v.version}
              </Link>
            ),
          },
          { header: t('effectiveFrom'), cell: (v) => v.effectiveFrom },
          { header: t('status'), cell: (v) => t(`statuses.${v.status}`) },
          { header: t('loadedAt'), cell: (v) => formatDateTime(v.loadedAt) },
          { header: t('loadedBy'), cell: (v) => v.loadedBy ?? '' },
        ]}
      />
      <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />
    </>
  );
}

export function PlanVersionPage() {
  const { code = '', version = '' } = useParams();
  const { t } = useTranslation('plans');
  const detail = useQuery({
    queryKey: ['/api/plans/version', code, version],
    queryFn: () =>
      api.get<PlanVersion & { document: unknown; check: PlanCheck }>(
        `/api/plans/${encodeURIComponent(code)}/versions/${encodeURIComponent(version)}`,
      ),
  });
  return (
    <>
      <p>
        <Link to="/plans">{t('backToPlans')}</Link>
      </p>
      <h1>{t('versionTitle', { code, version })}</h1>
      {detail.isLoading && <Loading />}
      {detail.error && <ErrorMessage error={detail.error} />}
      {detail.data && (
        <>
          <p>
            {t('status')}: {t(`statuses.${detail.data.status}`)} · {t('effectiveFrom')}:{' '}
            {detail.data.effectiveFrom} · {t('loadedAt')}: {formatDateTime(detail.data.loadedAt)}{' '}
            {detail.data.loadedBy ?? ''}
          </p>
          <CheckResult check={detail.data.check} />
          <h2>{t('document')}</h2>
          <pre
            tabIndex={0}
            aria-label={t('document')}
            style={{ whiteSpace: 'pre-wrap', maxHeight: '30rem', overflow: 'auto', background: '#fff' }}
          >
            {JSON.stringify(detail.data.document, null, 2)}
          </pre>
        </>
      )}
    </>
  );
}
