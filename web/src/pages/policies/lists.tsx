/**
 * The lists of policies and applications: filters kept in the address (so a link or a reload shows
 * the same), the server filters, pages and counts.
 */
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api, type Page } from '../../app/api';
import { useAuth } from '../../app/auth';
import { Field } from '../../app/components/Field';
import { type Column, PagedTable } from '../../app/components/Paged';
import { formatDate, formatMoney } from '../../app/format';
import { SelectField } from '../network/forms';

export const POLICY_STATUSES = ['in_force', 'terminated', 'expired', 'suspended', 'cancelled'];
export const APPLICATION_STATUSES = ['pending', 'sent', 'accepted', 'rejected', 'issued', 'withdrawn'];

export interface Insurer {
  code: string;
  name: string;
}

export function useInsurers() {
  return useQuery({
    queryKey: ['insurers'],
    queryFn: () => api.get<Page<Insurer>>('/api/insurers', { pageSize: 500 }),
  });
}

interface PolicyRow {
  id: number;
  insurer: string;
  number: string;
  product: string;
  status: string;
  consultant: string | null;
  holderName: string;
  issuedOn: string;
  coverStart: string;
  coverEnd: string;
  annualPremiumKop: number;
  paymentFrequency: number;
}

export interface ApplicationRow {
  id: number;
  number: string;
  status: string;
  statusReason: string | null;
  insurer: string;
  product: string;
  productName: string;
  consultant: string;
  consultantName: string;
  holderName: string;
  signedOn: string;
  startOn: string | null;
  premiumKop: number;
  sumInsuredKop: number;
  paymentFrequency: number;
  policyId: number | null;
  policyNumber: string | null;
}

/** The filter form: its fields' text until applied, then the address's parameters. */
function useFilters(names: string[]) {
  const [params, setParams] = useSearchParams();
  const applied = Object.fromEntries(names.map((n) => [n, params.get(n) ?? '']));
  const [draft, setDraft] = useState(applied);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setParams((current) => {
      const copy = new URLSearchParams(current);
      for (const name of names) {
        const value = draft[name]?.trim();
        if (value) copy.set(name, value);
        else copy.delete(name);
      }
      copy.delete('page');
      return copy;
    });
  };
  const bind = (name: string) => ({
    value: draft[name] ?? '',
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [name]: e.target.value })),
  });
  return { applied, apply, bind };
}

function InsurerSelect(props: { value: string; onChange: (e: { target: { value: string } }) => void }) {
  const { t } = useTranslation('policies');
  const insurers = useInsurers();
  return (
    <SelectField label={t('insurer')} {...props}>
      <option value="">{t('anyInsurer')}</option>
      {(insurers.data?.items ?? []).map((i) => (
        <option key={i.code} value={i.code}>
          {i.name}
        </option>
      ))}
    </SelectField>
  );
}

export function PoliciesPage() {
  const { t } = useTranslation('policies');
  const filters = useFilters(['number', 'insurer', 'status', 'consultant']);
  const columns: Column<PolicyRow>[] = [
    { header: t('number'), cell: (p) => <Link to={`/policies/${p.id}`}>{p.number}</Link> },
    { header: t('insurer'), cell: (p) => p.insurer },
    { header: t('product'), cell: (p) => p.product },
    { header: t('status'), cell: (p) => t(`policyStatuses.${p.status}`) },
    { header: t('holder'), cell: (p) => p.holderName },
    { header: t('consultant'), cell: (p) => p.consultant ?? '' },
    { header: t('coverStart'), cell: (p) => formatDate(p.coverStart) },
    { header: t('coverEnd'), cell: (p) => formatDate(p.coverEnd) },
    { header: t('annualPremium'), cell: (p) => formatMoney(p.annualPremiumKop), numeric: true },
  ];
  return (
    <>
      <h1>{t('policies')}</h1>
      <form onSubmit={filters.apply} className="inline filters" aria-label={t('filters')}>
        <Field label={t('number')} {...filters.bind('number')} />
        <InsurerSelect {...filters.bind('insurer')} />
        <SelectField label={t('status')} {...filters.bind('status')}>
          <option value="">{t('anyStatus')}</option>
          {POLICY_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`policyStatuses.${s}`)}
            </option>
          ))}
        </SelectField>
        <Field label={t('consultant')} {...filters.bind('consultant')} />
        <button type="submit">{t('apply')}</button>
      </form>
      <PagedTable<PolicyRow>
        path="/api/policies"
        query={filters.applied}
        columns={columns}
        rowKey={(p) => p.id}
        caption={t('policiesCaption')}
      />
    </>
  );
}

export function ApplicationsPage() {
  const { t } = useTranslation('policies');
  const { can } = useAuth();
  const filters = useFilters(['status', 'insurer', 'consultant']);
  const columns: Column<ApplicationRow>[] = [
    { header: t('number'), cell: (a) => <Link to={`/applications/${a.id}`}>{a.number}</Link> },
    { header: t('status'), cell: (a) => t(`applicationStatuses.${a.status}`) },
    { header: t('insurer'), cell: (a) => a.insurer },
    { header: t('product'), cell: (a) => a.productName },
    { header: t('holder'), cell: (a) => a.holderName },
    { header: t('consultant'), cell: (a) => `${a.consultant} ${a.consultantName}` },
    { header: t('signedOn'), cell: (a) => formatDate(a.signedOn) },
    { header: t('premium'), cell: (a) => formatMoney(a.premiumKop), numeric: true },
    {
      header: t('policy'),
      cell: (a) => (a.policyId ? <Link to={`/policies/${a.policyId}`}>{a.policyNumber}</Link> : ''),
    },
  ];
  return (
    <>
      <h1>{t('applications')}</h1>
      {can('policies.write') && (
        <p>
          <Link to="/applications/new">{t('newApplication')}</Link>
        </p>
      )}
      <form onSubmit={filters.apply} className="inline filters" aria-label={t('filters')}>
        <SelectField label={t('status')} {...filters.bind('status')}>
          <option value="">{t('anyStatus')}</option>
          {APPLICATION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`applicationStatuses.${s}`)}
            </option>
          ))}
        </SelectField>
        <InsurerSelect {...filters.bind('insurer')} />
        <Field label={t('consultant')} {...filters.bind('consultant')} />
        <button type="submit">{t('apply')}</button>
      </form>
      <PagedTable<ApplicationRow>
        path="/api/applications"
        query={{ ...filters.applied, sort: 'updated' }}
        columns={columns}
        rowKey={(a) => a.id}
        caption={t('applicationsCaption')}
      />
    </>
  );
}
