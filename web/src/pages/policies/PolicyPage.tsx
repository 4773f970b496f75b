/**
 * The policy card: the version in effect, every version, the amendments, and the payment calendar
 * against the payments received — each instalment's due, paid and state and the totals exactly as
 * the server answers them (nothing summed here).
 */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../app/api';
import { DataTable, PagedTable } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDate, formatDateTime, formatMoney } from '../../app/format';

interface Version {
  versionNo: number;
  validFrom: string;
  recordedAt: string;
  agentCode: string;
  issuedOn: string;
  coverStart: string;
  coverEnd: string;
  sumInsuredKop: number;
  annualPremiumKop: number;
  paymentFrequency: number;
  status: string;
  statusDate: string;
  amendmentNo: string | null;
}

interface PolicyCard {
  id: number;
  insurer: string;
  number: string;
  product: string;
  productName: string;
  applicationId: number | null;
  applicationNumber: string | null;
  asOf: string;
  current: Version | null;
  holder: { fullName: string } | null;
  insured: { fullName: string } | null;
  consultant: { code: string; fullName: string } | null;
  versions: Version[];
  amendments: {
    amendmentNo: string;
    signedOn: string;
    effectiveOn: string;
    changeKind: string;
    newValue: string | null;
    recordedAt: string;
  }[];
}

interface Calendar {
  source: 'schedule' | 'derived';
  instalments: {
    no: number;
    dueOn: string;
    policyYear: number;
    amountKop: number;
    paidKop: number;
    paidOn: string | null;
    status: string;
  }[];
  totals: {
    dueToDateKop: number;
    receivedKop: number;
    overdueKop: number;
    advanceKop: number;
    overdueCount: number;
  };
}

interface Payment {
  id: number;
  paidOn: string;
  amountKop: number;
  correction: boolean;
  coverFrom: string | null;
  coverTo: string | null;
  policyYear: number;
  insurerPaymentId: string | null;
  reversesPaymentId: number | null;
  reversedBy: number | null;
}

export function PolicyPage() {
  const { t } = useTranslation('policies');
  const { id = '' } = useParams();
  const path = `/api/policies/${encodeURIComponent(id)}`;
  const card = useQuery({ queryKey: ['policy', id], queryFn: () => api.get<PolicyCard>(path) });
  const calendar = useQuery({
    queryKey: ['policy-calendar', id],
    queryFn: () => api.get<Calendar>(`${path}/calendar`),
  });
  if (card.isLoading) return <Loading />;
  if (card.error) return <ErrorMessage error={card.error} />;
  const p = card.data!;
  const c = p.current;
  return (
    <>
      <h1>{t('policyCard', { number: p.number })}</h1>
      <p>{t('asOf', { date: formatDate(p.asOf) })}</p>
      <dl className="facts">
        <dt>{t('insurer')}</dt>
        <dd>{p.insurer}</dd>
        <dt>{t('product')}</dt>
        <dd>
          {p.product} · {p.productName}
        </dd>
        <dt>{t('holder')}</dt>
        <dd>{p.holder?.fullName ?? ''}</dd>
        <dt>{t('insured')}</dt>
        <dd>{p.insured?.fullName ?? p.holder?.fullName ?? ''}</dd>
        <dt>{t('consultant')}</dt>
        <dd>
          {p.consultant ? (
            <Link to={`/network/consultants/${encodeURIComponent(p.consultant.code)}`}>
              {p.consultant.code} {p.consultant.fullName}
            </Link>
          ) : (
            ''
          )}
        </dd>
        <dt>{t('fromApplication')}</dt>
        <dd>
          {p.applicationId ? <Link to={`/applications/${p.applicationId}`}>{p.applicationNumber}</Link> : '—'}
        </dd>
        {c ? (
          <>
            <dt>{t('status')}</dt>
            <dd>
              {t(`policyStatuses.${c.status}`)} ({formatDate(c.statusDate)})
            </dd>
            <dt>{t('coverStart')}</dt>
            <dd>
              {formatDate(c.coverStart)} – {formatDate(c.coverEnd)}
            </dd>
            <dt>{t('annualPremium')}</dt>
            <dd>{formatMoney(c.annualPremiumKop)}</dd>
            <dt>{t('sumInsured')}</dt>
            <dd>{formatMoney(c.sumInsuredKop)}</dd>
            <dt>{t('frequency')}</dt>
            <dd>{t(`frequencies.${c.paymentFrequency}`)}</dd>
          </>
        ) : (
          <>
            <dt>{t('current')}</dt>
            <dd>{t('noCurrent')}</dd>
          </>
        )}
      </dl>

      <h2>{t('versions')}</h2>
      <DataTable
        caption={t('versions')}
        captionHidden
        rows={p.versions}
        rowKey={(v) => v.versionNo}
        columns={[
          { header: t('versionNo'), cell: (v) => v.versionNo, numeric: true },
          { header: t('validFrom'), cell: (v) => formatDate(v.validFrom) },
          { header: t('status'), cell: (v) => t(`policyStatuses.${v.status}`) },
          { header: t('coverEnd'), cell: (v) => formatDate(v.coverEnd) },
          { header: t('annualPremium'), cell: (v) => formatMoney(v.annualPremiumKop), numeric: true },
          { header: t('sumInsured'), cell: (v) => formatMoney(v.sumInsuredKop), numeric: true },
          { header: t('frequency'), cell: (v) => v.paymentFrequency, numeric: true },
          { header: t('amendment'), cell: (v) => v.amendmentNo ?? '' },
          { header: t('recordedAt'), cell: (v) => formatDateTime(v.recordedAt) },
        ]}
      />

      <h2>{t('amendments')}</h2>
      {p.amendments.length === 0 ? (
        <p>{t('noAmendments')}</p>
      ) : (
        <DataTable
          caption={t('amendments')}
          captionHidden
          rows={p.amendments}
          rowKey={(a) => a.amendmentNo}
          columns={[
            { header: t('amendment'), cell: (a) => a.amendmentNo },
            { header: t('signedOn'), cell: (a) => formatDate(a.signedOn) },
            { header: t('effectiveOn'), cell: (a) => formatDate(a.effectiveOn) },
            { header: t('changeKind'), cell: (a) => a.changeKind },
            { header: t('newValue'), cell: (a) => a.newValue ?? '' },
          ]}
        />
      )}

      <h2>{t('calendar')}</h2>
      {calendar.isLoading && <Loading />}
      {calendar.error && <ErrorMessage error={calendar.error} />}
      {calendar.data && (
        <>
          <DataTable
            caption={t('calendarCaption', { source: t(`sources.${calendar.data.source}`) })}
            rows={calendar.data.instalments}
            rowKey={(i) => i.no}
            columns={[
              { header: t('instalment'), cell: (i) => i.no, numeric: true },
              { header: t('dueOn'), cell: (i) => formatDate(i.dueOn) },
              { header: t('policyYear'), cell: (i) => i.policyYear, numeric: true },
              { header: t('due'), cell: (i) => formatMoney(i.amountKop), numeric: true },
              { header: t('paid'), cell: (i) => formatMoney(i.paidKop), numeric: true },
              { header: t('paidOn'), cell: (i) => formatDate(i.paidOn) },
              { header: t('status'), cell: (i) => t(`instalmentStatuses.${i.status}`) },
            ]}
          />
          <dl className="facts" aria-label={t('totals')}>
            <dt>{t('dueToDate')}</dt>
            <dd>{formatMoney(calendar.data.totals.dueToDateKop)}</dd>
            <dt>{t('received')}</dt>
            <dd>{formatMoney(calendar.data.totals.receivedKop)}</dd>
            <dt>{t('overdue')}</dt>
            <dd>{formatMoney(calendar.data.totals.overdueKop)}</dd>
            <dt>{t('advance')}</dt>
            <dd>{formatMoney(calendar.data.totals.advanceKop)}</dd>
            <dt>{t('overdueCount')}</dt>
            <dd>{calendar.data.totals.overdueCount}</dd>
          </dl>
        </>
      )}

      <h2>{t('payments')}</h2>
      <PagedTable<Payment>
        path={`${path}/payments`}
        columns={[
          { header: t('paidOn'), cell: (x) => formatDate(x.paidOn) },
          { header: t('amount'), cell: (x) => formatMoney(x.amountKop), numeric: true },
          {
            header: t('cover'),
            cell: (x) => (x.coverFrom ? `${formatDate(x.coverFrom)} – ${formatDate(x.coverTo)}` : ''),
          },
          { header: t('policyYear'), cell: (x) => x.policyYear, numeric: true },
          { header: t('correction'), cell: (x) => (x.correction ? t('yes') : '') },
          { header: t('insurerPaymentId'), cell: (x) => x.insurerPaymentId ?? '' },
          { header: t('reverses'), cell: (x) => x.reversesPaymentId ?? '' },
          { header: t('reversedBy'), cell: (x) => x.reversedBy ?? '' },
        ]}
        rowKey={(x) => x.id}
        caption={t('paymentsCaption')}
        pageSize={24}
      />
    </>
  );
}
