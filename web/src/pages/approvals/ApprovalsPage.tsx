/**
 * The change requests a server page at a time, pending ones by default, filtered by status, kind and
 * consultant (the filters live in the URL, like the page); each opens its review.
 */
import { type FormEvent, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { formatDate, formatDateTime } from '../../app/format';
import { PagedTable } from '../../app/components/Paged';
import { CHANGE_KINDS, type ChangeRequest, REQUEST_STATUSES } from './types';

const FILTERS = ['status', 'kind', 'consultant'] as const;

export function ApprovalsPage() {
  const { t } = useTranslation('approvals');
  const [params, setParams] = useSearchParams();
  const ids = { status: useId(), kind: useId(), consultant: useId() };
  const query = {
    status: params.get('status') ?? 'pending',
    kind: params.get('kind') ?? '',
    consultant: params.get('consultant') ?? '',
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of FILTERS) {
      const value = String(form.get(key) ?? '').trim();
      if (value) next.set(key, value);
    }
    setParams(next);
  };
  return (
    <section>
      <h1>{t('heading')}</h1>
      <p className="muted">{t('intro')}</p>
      <form className="filters" onSubmit={submit} aria-label={t('filters')} key={params.toString()}>
        <div className="field">
          <label htmlFor={ids.status}>{t('status')}</label>
          <select id={ids.status} name="status" defaultValue={query.status}>
            {REQUEST_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`statuses.${s}`)}
              </option>
            ))}
            <option value="all">{t('all')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.kind}>{t('kind')}</label>
          <select id={ids.kind} name="kind" defaultValue={query.kind}>
            <option value="">{t('all')}</option>
            {CHANGE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.consultant}>{t('consultant')}</label>
          <input id={ids.consultant} name="consultant" defaultValue={query.consultant} />
        </div>
        <button type="submit">{t('apply')}</button>
      </form>
      <PagedTable<ChangeRequest>
        path="/api/approvals"
        query={query}
        caption={t('caption')}
        rowKey={(r) => r.id}
        columns={[
          {
            header: t('id'),
            cell: (r) => (
              <Link to={`/approvals/${r.id}`} aria-label={t('open', { id: r.id })}>
                {r.id}
              </Link>
            ),
          },
          { header: t('kind'), cell: (r) => t(`kinds.${r.kind}`) },
          {
            header: t('consultant'),
            cell: (r) => (
              <Link to={`/network/consultants/${encodeURIComponent(r.consultantCode)}`}>
                {r.consultantCode}
              </Link>
            ),
          },
          { header: t('effectiveOn'), cell: (r) => formatDate(r.effectiveOn) },
          { header: t('closedPeriod'), cell: (r) => r.closedPeriod },
          { header: t('reason'), cell: (r) => r.reason },
          { header: t('proposedBy'), cell: (r) => r.proposedBy },
          { header: t('proposedAt'), cell: (r) => formatDateTime(r.proposedAt) },
          { header: t('status'), cell: (r) => t(`statuses.${r.status}`) },
        ]}
      />
    </section>
  );
}
