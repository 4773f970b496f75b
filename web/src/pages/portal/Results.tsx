/**
 * The consultant's own results: income by period and kind (a chart and its table, summed by the
 * server), the posted total of each period with a link to its lines, and the acts with their PDFs.
 */
import { useQuery } from '@tanstack/react-query';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../app/api';
import { DataTable } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDate, formatMoney } from '../../app/format';
import { type Card, hryvnias, type Income, NS, PALETTE, useConsultantCode } from './shared';

export function NoConsultant() {
  const { t } = useTranslation(NS);
  return <p role="alert">{t('noConsultant')}</p>;
}

export function useCard(code: string | null) {
  return useQuery({
    queryKey: ['/api/consultants', code],
    queryFn: () => api.get<Card>(`/api/consultants/${encodeURIComponent(code!)}`),
    enabled: !!code,
    retry: false,
  });
}

export function IncomeChart({ code }: { code: string }) {
  const { t } = useTranslation(NS);
  const income = useQuery({
    queryKey: ['income', code],
    queryFn: () => api.get<Income>(`/api/consultants/${encodeURIComponent(code)}/income`),
  });
  if (income.isLoading) return <Loading />;
  if (income.error) return <ErrorMessage error={income.error} />;
  const data = income.data!;
  if (!data.periods.length) return <p>{t('noIncome')}</p>;
  const kindName = (kind: string) => t(`kinds.${kind}`, { defaultValue: kind });
  const amountOf = (period: Income['periods'][number], kind: string) =>
    period.byKind.find((k) => k.kind === kind)?.totalKop ?? 0;
  const summary = data.periods.map((p) => `${p.periodCode}: ${formatMoney(p.totalKop)}`).join('; ');
  return (
    <>
      <div className="chart" style={{ position: 'relative', height: '20rem', maxWidth: '60rem' }}>
        <Bar
          role="img"
          aria-label={t('incomeChart', { summary })}
          data={{
            labels: data.periods.map((p) => p.periodCode),
            datasets: data.kinds.map((kind, i) => ({
              label: kindName(kind),
              data: data.periods.map((p) => hryvnias(amountOf(p, kind))),
              backgroundColor: PALETTE[i % PALETTE.length],
            })),
          }}
          options={{
            responsive: true,
            maintainAspectRatio: false,
            scales: { x: { stacked: true }, y: { stacked: true } },
          }}
        />
      </div>
      <table>
        <caption>{t('incomeTable')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('period')}</th>
            {data.kinds.map((kind) => (
              <th key={kind} scope="col" className="numeric">
                {kindName(kind)}
              </th>
            ))}
            <th scope="col" className="numeric">
              {t('total')}
            </th>
          </tr>
        </thead>
        <tbody>
          {data.periods.map((p) => (
            <tr key={p.periodCode}>
              <th scope="row">{p.periodCode}</th>
              {data.kinds.map((kind) => (
                <td key={kind} className="numeric">
                  {formatMoney(amountOf(p, kind))}
                </td>
              ))}
              <td className="numeric">{formatMoney(p.totalKop)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** `2026/000001` → the PDF's address. */
export const actPdfPath = (number: string) => {
  const [year, seq] = number.split('/');
  return `/api/acts/${year}/${seq}/pdf`;
};

export function ActsTable({ acts }: { acts: Card['acts'] }) {
  const { t } = useTranslation(NS);
  if (!acts.length) return <p>{t('noActs')}</p>;
  return (
    <DataTable
      caption={t('actsTable')}
      rows={acts}
      rowKey={(a) => a.number}
      columns={[
        { header: t('actNumber'), cell: (a) => a.number },
        { header: t('period'), cell: (a) => a.periodCode },
        { header: t('actDate'), cell: (a) => formatDate(a.actDate) },
        { header: t('net'), cell: (a) => formatMoney(a.netKop), numeric: true },
        {
          header: 'PDF',
          cell: (a) => (
            <a href={actPdfPath(a.number)} download={`act_${a.number.replace('/', '_')}.pdf`}>
              {t('download', { number: a.number })}
            </a>
          ),
        },
      ]}
    />
  );
}

export function ResultsPage() {
  const { t } = useTranslation(NS);
  const code = useConsultantCode();
  const card = useCard(code);
  if (!code) return <NoConsultant />;
  return (
    <>
      <h1>{t('resultsTitle')}</h1>
      <section aria-labelledby="portal-income">
        <h2 id="portal-income">{t('incomeTitle')}</h2>
        <IncomeChart code={code} />
      </section>
      {card.isLoading && <Loading />}
      {card.error && <ErrorMessage error={card.error} />}
      {card.data && (
        <>
          <section aria-labelledby="portal-periods">
            <h2 id="portal-periods">{t('periods')}</h2>
            {card.data.accruals.length ? (
              <DataTable
                caption={t('periods')}
                captionHidden
                rows={card.data.accruals.slice().reverse()}
                rowKey={(a) => a.periodCode}
                columns={[
                  {
                    header: t('period'),
                    cell: (a) => (
                      <Link to={`/portal/results/${a.periodCode}`}>
                        {t('periodResults', { period: a.periodCode })}
                      </Link>
                    ),
                  },
                  { header: t('lines'), cell: (a) => a.lines, numeric: true },
                  { header: t('total'), cell: (a) => formatMoney(a.totalKop), numeric: true },
                ]}
              />
            ) : (
              <p>{t('noIncome')}</p>
            )}
          </section>
          <section aria-labelledby="portal-acts">
            <h2 id="portal-acts">{t('actsTitle')}</h2>
            <ActsTable acts={card.data.acts} />
          </section>
        </>
      )}
    </>
  );
}
