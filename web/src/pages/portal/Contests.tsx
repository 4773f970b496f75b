/** Contests and their standings, as the consultant's scope sees them (themselves and their downline). */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../app/api';
import { DataTable } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatMoney } from '../../app/format';
import { NS } from './shared';

interface Contest {
  id: number;
  code: string;
  name: string;
  firstPeriod: string;
  lastPeriod: string;
}
interface Standing {
  place: number;
  code: string;
  score: string;
  prize: string | null;
  prizeKop: number | null;
}

export function ContestsPage() {
  const { t } = useTranslation(NS);
  const contests = useQuery({
    queryKey: ['/api/contests'],
    queryFn: () => api.get<{ items: Contest[]; total: number }>('/api/contests', { limit: 1000 }),
  });
  return (
    <>
      <h1>{t('contestsTitle')}</h1>
      {contests.isLoading && <Loading />}
      {contests.error && <ErrorMessage error={contests.error} />}
      {contests.data &&
        (contests.data.items.length ? (
          <DataTable
            caption={t('contestsTable')}
            rows={contests.data.items}
            rowKey={(c) => c.code}
            columns={[
              {
                header: t('contest'),
                cell: (c) => <Link to={`/portal/contests/${encodeURIComponent(c.code)}`}>{c.name}</Link>,
              },
              { header: t('code'), cell: (c) => c.code },
              { header: t('periods'), cell: (c) => `${c.firstPeriod} – ${c.lastPeriod}` },
            ]}
          />
        ) : (
          <p>{t('noContests')}</p>
        ))}
    </>
  );
}

export function StandingsPage() {
  const { t } = useTranslation(NS);
  const { code = '' } = useParams();
  const standings = useQuery({
    queryKey: ['standings', code],
    queryFn: () =>
      api.get<{ contest: { name?: string }; provisional: boolean; standings: Standing[]; total: number }>(
        `/api/contests/${encodeURIComponent(code)}/standings`,
        { limit: 1000 },
      ),
    retry: false,
  });
  if (standings.isLoading) return <Loading />;
  if (standings.error) return <ErrorMessage error={standings.error} />;
  const data = standings.data!;
  const name = data.contest?.name ?? code;
  return (
    <>
      <p>
        <Link to="/portal/contests">{t('contestsTitle')}</Link>
      </p>
      <h1>{t('standingsTitle', { name })}</h1>
      {data.provisional && <p>{t('provisional')}</p>}
      <DataTable
        caption={t('standingsTable', { name })}
        rows={data.standings}
        rowKey={(s) => s.code}
        columns={[
          { header: t('place'), cell: (s) => s.place, numeric: true },
          { header: t('code'), cell: (s) => s.code },
          { header: t('score'), cell: (s) => s.score, numeric: true },
          {
            header: t('prize'),
            cell: (s) => (s.prizeKop !== null ? formatMoney(s.prizeKop) : (s.prize ?? '')),
          },
        ]}
      />
    </>
  );
}
