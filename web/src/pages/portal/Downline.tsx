/**
 * The consultant's downline with each member's volumes in a period (server-paged), their own volumes
 * above it; a member's code opens the portal's card of that member.
 */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { DataTable, Pager, usePageNumber, usePagedList } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatCount, formatDecimal, formatMoney } from '../../app/format';
import { NoConsultant } from './Results';
import { type Figures, NS, PeriodSelect, useConsultantCode, usePeriodParam } from './shared';

interface Member extends Figures {
  code: string;
  fullName: string;
  generation: number;
  sponsorCode: string | null;
}

export function DownlinePage() {
  const { t } = useTranslation(NS);
  const code = useConsultantCode();
  const [period, setPeriod] = usePeriodParam();
  const [page, setPage] = usePageNumber();
  const list = usePagedList<Member>(
    `/api/consultants/${encodeURIComponent(code ?? '')}/downline-volumes`,
    { period },
    page,
  );
  if (!code) return <NoConsultant />;
  const data = list.data as
    (typeof list.data & { period: string | null; calculated: boolean; own: Figures }) | undefined;
  return (
    <>
      <h1>{t('downlineTitle')}</h1>
      <PeriodSelect value={period} onChange={setPeriod} />
      {list.isLoading && <Loading />}
      {list.error && <ErrorMessage error={list.error} />}
      {data && (
        <>
          {data.calculated ? (
            <p>
              {t('ownVolumes', {
                period: data.period,
                personal: formatDecimal(data.own.personalVolume),
                group: formatDecimal(data.own.groupVolume),
                premium: formatMoney(data.own.personalPremiumKop),
              })}
            </p>
          ) : (
            <p>{t('notCalculated')}</p>
          )}
          <DataTable
            caption={t('downlineTable', { period: data.period ?? '—' })}
            rows={data.items}
            rowKey={(m) => m.code}
            columns={[
              {
                header: t('code'),
                cell: (m) => <Link to={`/portal/consultants/${encodeURIComponent(m.code)}`}>{m.code}</Link>,
              },
              { header: t('fullName'), cell: (m) => m.fullName },
              { header: t('generation'), cell: (m) => m.generation, numeric: true },
              { header: t('sponsor'), cell: (m) => m.sponsorCode ?? '' },
              { header: t('level'), cell: (m) => m.careerLevel },
              { header: t('personalVolume'), cell: (m) => formatDecimal(m.personalVolume), numeric: true },
              { header: t('groupVolume'), cell: (m) => formatDecimal(m.groupVolume), numeric: true },
              { header: t('premium'), cell: (m) => formatMoney(m.personalPremiumKop), numeric: true },
              { header: t('newPolicies'), cell: (m) => formatCount(m.newPolicies), numeric: true },
              { header: t('active'), cell: (m) => (m.active ? t('yes') : t('no')) },
            ]}
          />
          {data.items.length === 0 && <p>{t('nothing', { ns: 'common' })}</p>}
          <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />
        </>
      )}
    </>
  );
}
