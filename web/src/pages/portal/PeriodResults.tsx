/**
 * One period of the consultant's own results: every ledger line with its explanation (paged on the
 * server), the period's total as the server sums it, and the corrections of earlier periods posted
 * in it (storno and additional lines) with the period each corrects and its cause.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../app/api';
import { type Column, DataTable, Pager, usePageNumber } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatMoney, formatPercent } from '../../app/format';
import { NoConsultant, useCard } from './Results';
import { NS, useConsultantCode } from './shared';

interface Line {
  id: number;
  kind: string;
  rule: string;
  baseKop: number;
  rate: string;
  amountKop: number;
  explanation: string;
  correctsPeriod: string | null;
  cause: string | null;
}

const PAGE_SIZE = 100;

export function PeriodResultsPage() {
  const { t } = useTranslation(NS);
  const { period = '' } = useParams();
  const code = useConsultantCode();
  const card = useCard(code);
  const [page, setPage] = usePageNumber();
  const path = `/api/periods/${encodeURIComponent(period)}/accruals`;
  const lines = useQuery({
    queryKey: [path, page],
    queryFn: () => api.get<{ items: Line[] }>(path, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
    placeholderData: keepPreviousData,
    enabled: !!code,
  });
  const corrections = useQuery({
    queryKey: [path, 'corrections'],
    queryFn: async () => {
      const [storno, additional] = await Promise.all(
        ['storno', 'additional'].map((kind) => api.get<{ items: Line[] }>(path, { kind, limit: 5000 })),
      );
      return [...storno.items, ...additional.items].sort((a, b) => a.id - b.id);
    },
    enabled: !!code,
  });
  if (!code) return <NoConsultant />;
  if (card.isLoading || lines.isLoading) return <Loading />;
  if (card.error || lines.error) return <ErrorMessage error={card.error ?? lines.error} />;
  const totals = card.data!.accruals.find((a) => a.periodCode === period) ?? { totalKop: 0, lines: 0 };
  const kind = (line: Line) => t(`kinds.${line.kind}`, { defaultValue: line.kind });
  const columns: Column<Line>[] = [
    { header: t('kind'), cell: kind },
    { header: t('rule'), cell: (l) => l.rule },
    { header: t('base'), cell: (l) => formatMoney(l.baseKop), numeric: true },
    { header: t('rate'), cell: (l) => formatPercent(l.rate), numeric: true },
    { header: t('amount'), cell: (l) => formatMoney(l.amountKop), numeric: true },
    { header: t('explanation'), cell: (l) => l.explanation },
  ];
  return (
    <>
      <p>
        <Link to="/portal">{t('backToResults')}</Link>
      </p>
      <h1>{t('periodResults', { period })}</h1>
      <p className="total">{t('periodTotal', { period, total: formatMoney(totals.totalKop) })}</p>
      <DataTable
        caption={t('linesTable', { period })}
        rows={lines.data!.items}
        rowKey={(l) => l.id}
        columns={columns}
      />
      {totals.lines > PAGE_SIZE && (
        <Pager page={page} pageSize={PAGE_SIZE} total={totals.lines} onPage={setPage} />
      )}
      <section aria-labelledby="portal-corrections">
        <h2 id="portal-corrections">{t('correctionsTitle')}</h2>
        {corrections.isLoading && <Loading />}
        {corrections.error && <ErrorMessage error={corrections.error} />}
        {corrections.data &&
          (corrections.data.length ? (
            <DataTable
              caption={t('correctionsTable', { period })}
              rows={corrections.data}
              rowKey={(l) => l.id}
              columns={[
                { header: t('correctsPeriod'), cell: (l) => l.correctsPeriod },
                { header: t('kind'), cell: kind },
                { header: t('amount'), cell: (l) => formatMoney(l.amountKop), numeric: true },
                { header: t('cause'), cell: (l) => l.cause },
                { header: t('explanation'), cell: (l) => l.explanation },
              ]}
            />
          ) : (
            <p>{t('noCorrections')}</p>
          ))}
      </section>
    </>
  );
}
