/**
 * Entering an application (holder and insured, a product of an insurer, premium and sum in hryvnias,
 * frequency, start) and following one: its state, the registers it went in with the insurer's
 * answers, and the policy it became.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, type Page } from '../../app/api';
import { useAuth } from '../../app/auth';
import { Field } from '../../app/components/Field';
import { fieldError, formError, sendForm } from '../../app/components/FormPost';
import { DataTable } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDate, formatDateTime, formatMoney, parseDate, parseMoney } from '../../app/format';
import { SelectField } from '../network/forms';
import { type ApplicationRow, useInsurers } from './lists';

interface Person {
  id: number;
  fullName: string;
  taxNumber: string | null;
  companyCode: string | null;
  birthDate: string | null;
}

interface ApplicationCard extends ApplicationRow {
  enteredBy: string | null;
  holder: Person;
  insured: Person | null;
  registers: {
    registerNo: string;
    registerDate: string;
    registerStatus: string;
    rowNo: number;
    status: string;
    reason: string | null;
    policyNumber: string | null;
    sentAt: string | null;
    answeredAt: string | null;
  }[];
}

interface Product {
  code: string;
  name: string;
  insurerCode: string;
}

/** Kopiyky → the API's decimal text of hryvnias ('1234.56'), cut from the digits, never divided. */
function decimalText(kopiyky: number): string {
  const digits = String(kopiyky).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

const FIELDS = [
  'consultant',
  'insurer',
  'product',
  'holder.fullName',
  'holder.taxNumber',
  'holder.birthDate',
  'insured.fullName',
  'insured.taxNumber',
  'insured.birthDate',
  'premium',
  'sumInsured',
  'paymentFrequency',
  'startOn',
  'holder',
  'insured',
];

export function NewApplicationPage() {
  const { t } = useTranslation('policies');
  const { me } = useAuth();
  const navigate = useNavigate();
  const client = useQueryClient();
  const insurers = useInsurers();
  const [v, setValues] = useState<Record<string, string>>({
    consultant: '',
    insurer: '',
    product: '',
    holderName: '',
    holderTax: '',
    holderBirth: '',
    insuredSame: 'yes',
    insuredName: '',
    insuredTax: '',
    insuredBirth: '',
    premium: '',
    sumInsured: '',
    paymentFrequency: '12',
    startOn: '',
  });
  const [local, setLocal] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const products = useQuery({
    queryKey: ['products', v.insurer],
    queryFn: () =>
      api.get<Page<Product>>('/api/products', { insurer: v.insurer, active: true, pageSize: 500 }),
    enabled: !!v.insurer,
  });
  const bind = (name: string) => ({
    value: v[name],
    onChange: (e: { target: { value: string } }) => setValues((s) => ({ ...s, [name]: e.target.value })),
  });
  const problem = (name: string, key = name) => local[key] ?? fieldError(error, name);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const bad: Record<string, string> = {};
    const date = (key: string, optional: boolean) => {
      if (!v[key].trim() && optional) return undefined;
      const parsed = parseDate(v[key]);
      if (!parsed) bad[key] = t('badDate');
      return parsed ?? undefined;
    };
    const money = (key: string) => {
      const kop = parseMoney(v[key]);
      if (kop === null || kop < 0) bad[key] = t('badMoney');
      return kop ?? 0;
    };
    const startOn = date('startOn', false);
    const holderBirth = date('holderBirth', true);
    const insuredBirth = v.insuredSame ? undefined : date('insuredBirth', true);
    const premiumKop = money('premium');
    const sumKop = money('sumInsured');
    setLocal(bad);
    if (Object.keys(bad).length) return;
    const person = (name: string, tax: string, birth: string | undefined) => ({
      fullName: name.trim(),
      ...(tax.trim() ? { taxNumber: tax.trim() } : {}),
      ...(birth ? { birthDate: birth } : {}),
    });
    setError(null);
    setBusy(true);
    try {
      const holder = person(v.holderName, v.holderTax, holderBirth);
      const created = await sendForm<{ id: number }>('POST', '/api/applications', {
        consultant: v.consultant.trim(),
        insurer: v.insurer,
        product: v.product,
        holder,
        ...(v.insuredSame ? {} : { insured: person(v.insuredName, v.insuredTax, insuredBirth) }),
        premium: decimalText(premiumKop),
        sumInsured: decimalText(sumKop),
        paymentFrequency: Number(v.paymentFrequency),
        startOn,
        enteredBy: me?.user.login ?? 'web',
      });
      await client.invalidateQueries();
      navigate(`/applications/${created.id}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const message = formError(error, FIELDS);
  return (
    <>
      <h1>{t('newApplication')}</h1>
      <form onSubmit={submit} noValidate className="form">
        <Field label={t('consultant')} {...bind('consultant')} error={problem('consultant')} />
        <SelectField
          label={t('insurer')}
          {...bind('insurer')}
          onChange={(e) => setValues((s) => ({ ...s, insurer: e.target.value, product: '' }))}
          error={problem('insurer')}
        >
          <option value="">{t('chooseInsurer')}</option>
          {(insurers.data?.items ?? []).map((i) => (
            <option key={i.code} value={i.code}>
              {i.name}
            </option>
          ))}
        </SelectField>
        <SelectField label={t('product')} {...bind('product')} error={problem('product')}>
          <option value="">{t('chooseProduct')}</option>
          {(products.data?.items ?? []).map((p) => (
            <option key={p.code} value={p.code}>
              {p.code} · {p.name}
            </option>
          ))}
        </SelectField>
        <fieldset>
          <legend>{t('holderSection')}</legend>
          <Field label={t('fullName')} {...bind('holderName')} error={problem('holder.fullName')} />
          <Field
            label={t('taxNumber')}
            {...bind('holderTax')}
            error={problem('holder.taxNumber')}
            inputMode="numeric"
          />
          <Field
            label={t('birthDate')}
            {...bind('holderBirth')}
            error={problem('holder.birthDate', 'holderBirth')}
          />
        </fieldset>
        <fieldset>
          <legend>{t('insuredSection')}</legend>
          <div className="check">
            <label>
              <input
                type="checkbox"
                checked={!!v.insuredSame}
                onChange={(e) => setValues((s) => ({ ...s, insuredSame: e.target.checked ? 'yes' : '' }))}
              />{' '}
              {t('insuredSame')}
            </label>
          </div>
          {!v.insuredSame && (
            <>
              <Field label={t('fullName')} {...bind('insuredName')} error={problem('insured.fullName')} />
              <Field
                label={t('taxNumber')}
                {...bind('insuredTax')}
                error={problem('insured.taxNumber')}
                inputMode="numeric"
              />
              <Field
                label={t('birthDate')}
                {...bind('insuredBirth')}
                error={problem('insured.birthDate', 'insuredBirth')}
              />
            </>
          )}
        </fieldset>
        <Field label={t('premiumUah')} {...bind('premium')} error={problem('premium')} inputMode="decimal" />
        <Field
          label={t('sumInsuredUah')}
          {...bind('sumInsured')}
          error={problem('sumInsured')}
          inputMode="decimal"
        />
        <SelectField label={t('frequency')} {...bind('paymentFrequency')} error={problem('paymentFrequency')}>
          {['1', '2', '4', '12'].map((f) => (
            <option key={f} value={f}>
              {f} · {t(`frequencies.${f}`)}
            </option>
          ))}
        </SelectField>
        <Field label={t('startOnInput')} {...bind('startOn')} error={problem('startOn')} />
        {message && (
          <p role="alert" className="error">
            {t('serverSays', { message })}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('sending') : t('submit')}
        </button>
      </form>
    </>
  );
}

export function ApplicationPage() {
  const { t } = useTranslation('policies');
  const { id = '' } = useParams();
  const card = useQuery({
    queryKey: ['application', id],
    queryFn: () => api.get<ApplicationCard>(`/api/applications/${encodeURIComponent(id)}`),
  });
  if (card.isLoading) return <Loading />;
  if (card.error) return <ErrorMessage error={card.error} />;
  const a = card.data!;
  return (
    <>
      <h1>{t('application', { number: a.number })}</h1>
      <dl className="facts">
        <dt>{t('status')}</dt>
        <dd>
          {t(`applicationStatuses.${a.status}`)}
          {a.statusReason ? ` · ${a.statusReason}` : ''}
        </dd>
        <dt>{t('insurer')}</dt>
        <dd>{a.insurer}</dd>
        <dt>{t('product')}</dt>
        <dd>
          {a.product} · {a.productName}
        </dd>
        <dt>{t('consultant')}</dt>
        <dd>
          <Link to={`/network/consultants/${encodeURIComponent(a.consultant)}`}>{a.consultant}</Link>{' '}
          {a.consultantName}
        </dd>
        <dt>{t('holder')}</dt>
        <dd>
          {a.holder.fullName} {a.holder.taxNumber ?? a.holder.companyCode ?? ''}
        </dd>
        <dt>{t('insured')}</dt>
        <dd>{a.insured ? `${a.insured.fullName} ${a.insured.taxNumber ?? ''}` : a.holder.fullName}</dd>
        <dt>{t('premium')}</dt>
        <dd>{formatMoney(a.premiumKop)}</dd>
        <dt>{t('sumInsured')}</dt>
        <dd>{formatMoney(a.sumInsuredKop)}</dd>
        <dt>{t('frequency')}</dt>
        <dd>{t(`frequencies.${a.paymentFrequency}`)}</dd>
        <dt>{t('signedOn')}</dt>
        <dd>{formatDate(a.signedOn)}</dd>
        <dt>{t('startOn')}</dt>
        <dd>{formatDate(a.startOn)}</dd>
        <dt>{t('enteredBy')}</dt>
        <dd>{a.enteredBy ?? ''}</dd>
        <dt>{t('becamePolicy')}</dt>
        <dd>
          {a.policyId ? <Link to={`/policies/${a.policyId}`}>{a.policyNumber}</Link> : t('notYetPolicy')}
        </dd>
      </dl>
      <h2>{t('registers')}</h2>
      {a.registers.length === 0 ? (
        <p>{t('noRegisters')}</p>
      ) : (
        <DataTable
          caption={t('registers')}
          captionHidden
          rows={a.registers}
          rowKey={(r) => `${r.registerNo}/${r.rowNo}`}
          columns={[
            { header: t('registerNo'), cell: (r) => r.registerNo },
            { header: t('registerDate'), cell: (r) => formatDate(r.registerDate) },
            { header: t('registerStatus'), cell: (r) => r.registerStatus },
            { header: t('rowNo'), cell: (r) => r.rowNo, numeric: true },
            { header: t('rowStatus'), cell: (r) => r.status },
            { header: t('answerReason'), cell: (r) => r.reason ?? '' },
            { header: t('sentAt'), cell: (r) => formatDateTime(r.sentAt) },
            { header: t('answeredAt'), cell: (r) => formatDateTime(r.answeredAt) },
            { header: t('policy'), cell: (r) => r.policyNumber ?? '' },
          ]}
        />
      )}
    </>
  );
}
