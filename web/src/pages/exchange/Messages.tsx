/**
 * The message browser: stored messages a server page at a time, filtered by insurer, type, status,
 * direction and the days they were received (the filters live in the URL, like the page).
 */
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { formatCount, formatDate, formatDateTime, parseDate } from '../../app/format';
import { Field } from '../../app/components/Field';
import { PagedTable } from '../../app/components/Paged';
import { useInsurers } from './Dashboard';
import type { ExchangeMessage } from './types';

export const MESSAGE_STATUSES = [
  'received',
  'parsed',
  'mapped',
  'applied',
  'quarantined',
  'failed',
  'sent',
  'built',
];

export function Messages() {
  const { t } = useTranslation('exchange');
  const [params, setParams] = useSearchParams();
  const insurers = useInsurers();
  const ids = { insurer: useId(), type: useId(), status: useId(), direction: useId() };
  const [dateErrors, setDateErrors] = useState<Record<string, string>>({});
  const query = {
    insurer: params.get('insurer') ?? '',
    messageType: params.get('messageType') ?? '',
    status: params.get('status') ?? '',
    direction: params.get('direction') ?? '',
    receivedFrom: params.get('receivedFrom') ?? '',
    receivedTo: params.get('receivedTo') ?? '',
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of ['insurer', 'messageType', 'status', 'direction']) {
      const value = String(form.get(key) ?? '').trim();
      if (value) next.set(key, value);
    }
    // Days are typed dd.mm.yyyy and kept in the URL as the API reads them (yyyy-mm-dd).
    const errors: Record<string, string> = {};
    for (const key of ['receivedFrom', 'receivedTo']) {
      const typed = String(form.get(key) ?? '').trim();
      if (!typed) continue;
      const day = parseDate(typed);
      if (day) next.set(key, day);
      else errors[key] = t('messages.badDate');
    }
    const from = next.get('receivedFrom');
    const to = next.get('receivedTo');
    if (from && to && from > to) errors.receivedTo = t('messages.toBeforeFrom');
    setDateErrors(errors);
    if (Object.keys(errors).length === 0) setParams(next);
  };
  return (
    <section>
      <h1>{t('messages.heading')}</h1>
      <form className="filters" onSubmit={submit} aria-label={t('messages.filters')} key={params.toString()}>
        <div className="field">
          <label htmlFor={ids.insurer}>{t('messages.insurer')}</label>
          <select id={ids.insurer} name="insurer" defaultValue={query.insurer}>
            <option value="">{t('messages.all')}</option>
            {insurers.data?.items.map((i) => (
              <option key={i.code} value={i.code}>
                {i.name} ({i.code})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.type}>{t('messages.type')}</label>
          <input id={ids.type} name="messageType" defaultValue={query.messageType} />
        </div>
        <div className="field">
          <label htmlFor={ids.status}>{t('messages.status')}</label>
          <select id={ids.status} name="status" defaultValue={query.status}>
            <option value="">{t('messages.all')}</option>
            {MESSAGE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`statuses.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.direction}>{t('messages.direction')}</label>
          <select id={ids.direction} name="direction" defaultValue={query.direction}>
            <option value="">{t('messages.all')}</option>
            <option value="inbound">{t('messages.inbound')}</option>
            <option value="outbound">{t('messages.outbound')}</option>
          </select>
        </div>
        <Field
          label={t('messages.receivedFrom')}
          name="receivedFrom"
          defaultValue={formatDate(query.receivedFrom)}
          inputMode="numeric"
          error={dateErrors.receivedFrom}
        />
        <Field
          label={t('messages.receivedTo')}
          name="receivedTo"
          defaultValue={formatDate(query.receivedTo)}
          inputMode="numeric"
          error={dateErrors.receivedTo}
        />
        <button type="submit">{t('messages.apply')}</button>
      </form>
      <PagedTable<ExchangeMessage>
        path="/api/exchange/messages"
        query={query}
        caption={t('messages.caption')}
        rowKey={(m) => m.id}
        columns={[
          {
            header: t('messages.id'),
            cell: (m) => (
              <Link to={`/exchange/messages/${m.id}`} aria-label={t('messages.open', { id: m.id })}>
                {m.id}
              </Link>
            ),
          },
          { header: t('messages.receivedAt'), cell: (m) => formatDateTime(m.receivedAt) },
          { header: t('messages.insurer'), cell: (m) => m.insurerCode ?? '' },
          { header: t('messages.direction'), cell: (m) => t(`messages.${m.direction}`) },
          { header: t('messages.type'), cell: (m) => m.messageType },
          { header: t('messages.name'), cell: (m) => m.externalName ?? '' },
          { header: t('messages.status'), cell: (m) => t(`statuses.${m.status}`) },
          { header: t('messages.size'), cell: (m) => formatCount(m.sizeBytes), numeric: true },
        ]}
      />
    </section>
  );
}
