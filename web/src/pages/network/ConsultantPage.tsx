/**
 * The consultant card on a date (GET /api/consultants/:code): who, unit, level and status, career and
 * status history, upline and direct downline, policies, accruals and acts (money only when the server
 * shows it), and for those who may change the network the forms to transfer, terminate, rehire and
 * change the level.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../app/api';
import { useAuth } from '../../app/auth';
import { Field } from '../../app/components/Field';
import { type Column, DataTable, PagedTable } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDate, formatDateTime, formatMoney, formatUntil, parseDate } from '../../app/format';
import { type ConsultantCard, type Relative, useAsOf } from './common';
import { CareerChangeForm, StatusForm, TransferForm } from './forms';

interface PolicyRow {
  policyId: number;
  number: string;
  insurerCode: string;
  productCode: string;
}

function RelativesTable({ rows, caption, asOf }: { rows: Relative[]; caption: string; asOf: string }) {
  const { t } = useTranslation('network');
  const columns: Column<Relative>[] = [
    {
      header: t('code'),
      cell: (r) => (
        <Link to={`/network/consultants/${encodeURIComponent(r.code)}?asOf=${asOf}`}>{r.code}</Link>
      ),
    },
    { header: t('fullName'), cell: (r) => r.fullName },
    { header: t('generation'), cell: (r) => r.generation, numeric: true },
  ];
  return rows.length ? (
    <DataTable caption={caption} columns={columns} rows={rows} rowKey={(r) => r.code} />
  ) : (
    <p>
      {caption}: {t('nothing', { ns: 'common' })}
    </p>
  );
}

export function ConsultantPage() {
  const { t } = useTranslation('network');
  const { code = '' } = useParams();
  const { can } = useAuth();
  const client = useQueryClient();
  const [asOf, setAsOf] = useAsOf();
  const [dateText, setDateText] = useState(formatDate(asOf));
  const [dateError, setDateError] = useState<string | null>(null);
  const card = useQuery({
    queryKey: ['consultant-card', code, asOf],
    queryFn: () => api.get<ConsultantCard>(`/api/consultants/${encodeURIComponent(code)}`, { asOf }),
  });
  const refresh = () => void client.invalidateQueries();
  const applyDate = (event: FormEvent) => {
    event.preventDefault();
    const date = parseDate(dateText);
    if (!date) return setDateError(t('badDate'));
    setDateError(null);
    setAsOf(date);
  };
  if (card.isLoading) return <Loading />;
  if (card.error) return <ErrorMessage error={card.error} />;
  const c = card.data!;
  const policyColumns: Column<PolicyRow>[] = [
    { header: t('policyNumber'), cell: (p) => <Link to={`/policies/${p.policyId}`}>{p.number}</Link> },
    { header: t('insurer'), cell: (p) => p.insurerCode },
    { header: t('product'), cell: (p) => p.productCode },
  ];
  return (
    <>
      <h1>
        {c.fullName} ({c.code})
      </h1>
      <form onSubmit={applyDate} className="inline">
        <Field
          label={t('asOf')}
          value={dateText}
          onChange={(e) => setDateText(e.target.value)}
          error={dateError}
        />
        <button type="submit">{t('show')}</button>
      </form>
      <dl className="facts" aria-label={t('card', { code: c.code })}>
        <dt>{t('status')}</dt>
        <dd>{t(`statuses.${c.status ?? 'none'}`)}</dd>
        <dt>{t('level')}</dt>
        <dd>{c.level ?? '—'}</dd>
        <dt>{t('unit')}</dt>
        <dd>{c.unit ? `${c.unit.code} · ${c.unit.name}` : '—'}</dd>
        <dt>{t('legalForm')}</dt>
        <dd>{t(`legalForms.${c.legalForm}`)}</dd>
        <dt>{t('taxNumber')}</dt>
        <dd>{c.taxNumber ?? '—'}</dd>
        <dt>{t('hiredOnLabel')}</dt>
        <dd>{formatDate(c.hiredOn)}</dd>
        {c.terminatedOn && (
          <>
            <dt>{t('terminatedOnLabel')}</dt>
            <dd>{formatDate(c.terminatedOn)}</dd>
          </>
        )}
        <dt>{t('contact')}</dt>
        <dd>{[c.contact.phone, c.contact.email, c.contact.address].filter(Boolean).join(' · ') || '—'}</dd>
      </dl>

      <section aria-labelledby="career-history">
        <h2 id="career-history">{t('careerHistory')}</h2>
        <DataTable
          caption={t('careerHistory')}
          captionHidden
          rows={c.careerHistory}
          rowKey={(r) => `${r.levelCode}/${r.validFrom}/${r.recordedAt}`}
          columns={[
            { header: t('level'), cell: (r) => r.levelCode },
            { header: t('validFrom'), cell: (r) => formatDate(r.validFrom) },
            { header: t('validTo'), cell: (r) => formatUntil(r.validTo, t('openEnded')) },
            { header: t('source'), cell: (r) => r.source },
            { header: t('reason'), cell: (r) => r.reason ?? '' },
            { header: t('recordedBy'), cell: (r) => `${r.recordedBy ?? ''} ${formatDateTime(r.recordedAt)}` },
            { header: t('approvedBy'), cell: (r) => r.approvedBy ?? '' },
          ]}
        />
      </section>

      <section aria-labelledby="status-history">
        <h2 id="status-history">{t('statusHistory')}</h2>
        <DataTable
          caption={t('statusHistory')}
          captionHidden
          rows={c.statusHistory}
          rowKey={(r) => `${r.status}/${r.validFrom}`}
          columns={[
            { header: t('status'), cell: (r) => t(`statuses.${r.status}`) },
            { header: t('validFrom'), cell: (r) => formatDate(r.validFrom) },
            { header: t('validTo'), cell: (r) => formatUntil(r.validTo, t('openEnded')) },
            { header: t('reason'), cell: (r) => r.reason ?? '' },
            { header: t('recordedBy'), cell: (r) => r.recordedBy ?? '' },
          ]}
        />
      </section>

      <section aria-labelledby="relatives">
        <h2 id="relatives">
          {t('upline')} / {t('directDownline')}
        </h2>
        <RelativesTable rows={c.upline} caption={t('upline')} asOf={asOf} />
        <RelativesTable rows={c.directDownline} caption={t('directDownline')} asOf={asOf} />
        <p>{t('totalDownline', { count: c.totalDownline })}</p>
      </section>

      <section aria-labelledby="policies">
        <h2 id="policies">{t('policies')}</h2>
        <p>{t('policiesCount', { count: c.policies.count })}</p>
        {c.policies.count > 0 && (
          <PagedTable<PolicyRow>
            path={`/api/consultants/${encodeURIComponent(c.code)}/policies`}
            query={{ asOf }}
            columns={policyColumns}
            rowKey={(p) => p.policyId}
            caption={t('policies')}
            captionHidden
            pageSize={20}
          />
        )}
      </section>

      <section aria-labelledby="money">
        <h2 id="money">
          {t('accruals')} / {t('acts')}
        </h2>
        {!c.moneyShown ? (
          <p>{t('moneyHidden')}</p>
        ) : (
          <>
            <DataTable
              caption={t('accruals')}
              rows={c.accruals}
              rowKey={(a) => a.periodCode}
              columns={[
                { header: t('period'), cell: (a) => a.periodCode },
                { header: t('total'), cell: (a) => formatMoney(a.totalKop), numeric: true },
                { header: t('lines'), cell: (a) => a.lines, numeric: true },
              ]}
            />
            <DataTable
              caption={t('acts')}
              rows={c.acts}
              rowKey={(a) => a.number}
              columns={[
                { header: t('actNumber'), cell: (a) => a.number },
                { header: t('period'), cell: (a) => a.periodCode },
                { header: t('actDate'), cell: (a) => formatDate(a.actDate) },
                { header: t('net'), cell: (a) => formatMoney(a.netKop), numeric: true },
              ]}
            />
          </>
        )}
      </section>

      {can('network.write') && (
        <section aria-labelledby="actions">
          <h2 id="actions">{t('actions')}</h2>
          <div className="forms">
            <TransferForm code={c.code} onDone={refresh} />
            {c.status === 'terminated' ? (
              <StatusForm code={c.code} kind="rehire" onDone={refresh} />
            ) : (
              <StatusForm code={c.code} kind="terminate" onDone={refresh} />
            )}
            <CareerChangeForm code={c.code} onDone={refresh} />
          </div>
        </section>
      )}
    </>
  );
}
