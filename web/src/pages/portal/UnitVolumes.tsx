/**
 * The network's volume by unit in a period (a chart and its table): the server sums the premiums and
 * points of each unit's consultants; a manager gets only their unit and its sub-units.
 */
import { useQuery } from '@tanstack/react-query';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { api } from '../../app/api';
import { DataTable } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatCount, formatMoney } from '../../app/format';
import { hryvnias, NS, PALETTE, PeriodSelect, usePeriodParam } from './shared';

interface UnitVolume {
  unitCode: string;
  name: string;
  depth: number;
  consultants: number;
  personalVolume: string;
  personalPremiumKop: number;
  newPolicies: number;
}

export function UnitVolumesPage() {
  const { t } = useTranslation(NS);
  const [period, setPeriod] = usePeriodParam();
  const volumes = useQuery({
    queryKey: ['volumes-by-unit', period],
    queryFn: () =>
      api.get<{
        period: string | null;
        calculated: boolean;
        items: UnitVolume[];
        totalVolume: string;
        totalPremiumKop: number;
      }>('/api/network/volumes-by-unit', { period }),
  });
  return (
    <>
      <h1>{t('unitsTitle')}</h1>
      <PeriodSelect value={period} onChange={setPeriod} />
      {volumes.isLoading && <Loading />}
      {volumes.error && <ErrorMessage error={volumes.error} />}
      {volumes.data &&
        (!volumes.data.calculated ? (
          <p>{t('notCalculated')}</p>
        ) : (
          <>
            <div className="chart" style={{ position: 'relative', height: '20rem', maxWidth: '60rem' }}>
              <Bar
                role="img"
                aria-label={t('unitsChart', {
                  summary: volumes.data.items
                    .map((u) => `${u.name}: ${formatMoney(u.personalPremiumKop)}`)
                    .join('; '),
                })}
                data={{
                  labels: volumes.data.items.map((u) => u.name),
                  datasets: [
                    {
                      label: t('premium'),
                      data: volumes.data.items.map((u) => hryvnias(u.personalPremiumKop)),
                      backgroundColor: PALETTE[0],
                    },
                  ],
                }}
                options={{ responsive: true, maintainAspectRatio: false, indexAxis: 'y' }}
              />
            </div>
            <DataTable
              caption={t('unitsTable', { period: volumes.data.period })}
              rows={volumes.data.items}
              rowKey={(u) => u.unitCode}
              columns={[
                { header: t('unit'), cell: (u) => `${u.name} (${u.unitCode})` },
                { header: t('consultants'), cell: (u) => formatCount(u.consultants), numeric: true },
                { header: t('personalVolume'), cell: (u) => u.personalVolume, numeric: true },
                { header: t('premium'), cell: (u) => formatMoney(u.personalPremiumKop), numeric: true },
                { header: t('newPolicies'), cell: (u) => formatCount(u.newPolicies), numeric: true },
              ]}
            />
            <p>
              {t('total')}: {formatMoney(volumes.data.totalPremiumKop)}
            </p>
          </>
        ))}
    </>
  );
}
