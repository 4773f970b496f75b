/**
 * The mismatch queue: filters, the insurer's value beside ours, one decision with one comment for
 * the selected rows through POST /api/exchange/mismatches/resolve (all or none): close with words,
 * accept the insurer's value, keep ours (with the letter to the insurer drafted), link an
 * application or a consultant, add an agent-code alias, ignore; what changed is shown, and the
 * trail of a mismatch.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../app/api';
import { useAuth } from '../../app/auth';
import { formatDateTime } from '../../app/format';
import { DataTable, Pager, usePageNumber, usePagedList } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import type { Mismatch } from './types';

const KINDS = [
  'unknown_policy',
  'payment_unknown_policy',
  'premium_differs',
  'status_differs',
  'consultant_code_unknown',
  'commission_rate_differs',
  'commission_amount_differs',
  'accepted_no_contract',
  'contract_without_application',
  'application_rejected_but_issued',
];

/** What a person may do with the selected mismatches (the reconciliation service's actions). */
const ACTIONS = [
  'resolve',
  'accept_insurer',
  'keep_ours',
  'link_application',
  'link_consultant',
  'add_alias',
  'ignore',
] as const;
type Action = (typeof ACTIONS)[number];
/** The actions that name the record to link to. */
const NEEDS_APPLICATION: readonly Action[] = ['link_application'];
const NEEDS_CONSULTANT: readonly Action[] = ['link_consultant', 'add_alias'];

interface Outcome {
  resolved: number;
  results: { id: number; changes: string[]; letter: { subject: string; body: string } | null }[];
}

interface Trail {
  mismatch: Mismatch;
  trail: { at: string; actor: string | null; action: string; reason: string | null }[];
}

function MismatchTrail({ id }: { id: number }) {
  const { t } = useTranslation('exchange');
  const trail = useQuery({
    queryKey: ['exchange', 'mismatch', id],
    queryFn: () => api.get<Trail>(`/api/exchange/mismatches/${id}`),
  });
  if (trail.isLoading) return <Loading />;
  if (trail.error) return <ErrorMessage error={trail.error} />;
  return (
    <table>
      <caption>{t('mismatches.trailOf', { id })}</caption>
      <thead>
        <tr>
          <th scope="col">{t('message.at')}</th>
          <th scope="col">{t('mismatches.action')}</th>
          <th scope="col">{t('mismatches.actor')}</th>
          <th scope="col">{t('mismatches.reason')}</th>
        </tr>
      </thead>
      <tbody>
        {trail.data!.trail.map((entry, index) => (
          <tr key={index}>
            <td>{formatDateTime(entry.at)}</td>
            <td>{t(`actions.${entry.action.replace('.', '_')}`, { defaultValue: entry.action })}</td>
            <td>{entry.actor ?? ''}</td>
            <td>{entry.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Mismatches() {
  const { t } = useTranslation('exchange');
  const { can } = useAuth();
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [page, setPage] = usePageNumber();
  const [selected, setSelected] = useState<number[]>([]);
  const [trailOf, setTrailOf] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [decision, setDecision] = useState<Action>('resolve');
  const [target, setTarget] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const ids = {
    status: useId(),
    insurer: useId(),
    kind: useId(),
    decision: useId(),
    target: useId(),
    comment: useId(),
    commentError: useId(),
  };
  const query = {
    status: params.get('status') ?? 'open',
    insurer: params.get('insurer') ?? '',
    kind: params.get('kind') ?? '',
  };
  const list = usePagedList<Mismatch>('/api/exchange/mismatches', query, page);
  const insurers = useQuery({
    queryKey: ['insurers', 'catalogue'],
    queryFn: () => api.get<{ items: { code: string; name: string }[] }>('/api/insurers', { pageSize: 500 }),
  });
  const writable = can('mismatches.write');
  const resolve = useMutation({
    mutationFn: () =>
      api.post<Outcome>('/api/exchange/mismatches/resolve', {
        ids: selected,
        action: decision,
        comment: comment.trim(),
        ...(NEEDS_APPLICATION.includes(decision) ? { applicationNumber: target.trim() } : {}),
        ...(NEEDS_CONSULTANT.includes(decision) ? { consultantCode: target.trim() } : {}),
      }),
    onSuccess: (answer) => {
      setDone(t('mismatches.done', { count: answer.resolved }));
      setOutcome(answer);
      setTrailOf(selected[0] ?? null);
      setSelected([]);
      setComment('');
      setTarget('');
      void client.invalidateQueries({ queryKey: ['/api/exchange/mismatches'] });
      void client.invalidateQueries({ queryKey: ['exchange'] });
    },
  });
  const filter = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of ['status', 'insurer', 'kind']) {
      const value = String(form.get(key) ?? '');
      if (value || key === 'status') next.set(key, value);
    }
    setSelected([]);
    setParams(next);
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setDone(null);
    if (!selected.length) return setProblem(t('mismatches.needSelection'));
    if (comment.trim().length < 3) return setProblem(t('mismatches.needComment'));
    if ([...NEEDS_APPLICATION, ...NEEDS_CONSULTANT].includes(decision) && !target.trim())
      return setProblem(t(`mismatches.need_${decision}`));
    setProblem(null);
    setOutcome(null);
    resolve.mutate();
  };
  const toggle = (id: number, on: boolean) =>
    setSelected((current) => (on ? [...current, id] : current.filter((x) => x !== id)));
  return (
    <section>
      <h1>{t('mismatches.heading')}</h1>
      <form className="filters" onSubmit={filter} key={params.toString()}>
        <div className="field">
          <label htmlFor={ids.status}>{t('mismatches.status')}</label>
          <select id={ids.status} name="status" defaultValue={query.status}>
            <option value="">{t('mismatches.all')}</option>
            {['open', 'resolved', 'ignored'].map((s) => (
              <option key={s} value={s}>
                {t(`statuses.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.insurer}>{t('mismatches.insurer')}</label>
          <select id={ids.insurer} name="insurer" defaultValue={query.insurer}>
            <option value="">{t('mismatches.all')}</option>
            {insurers.data?.items.map((i) => (
              <option key={i.code} value={i.code}>
                {i.name} ({i.code})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.kind}>{t('mismatches.kind')}</label>
          <select id={ids.kind} name="kind" defaultValue={query.kind}>
            <option value="">{t('mismatches.all')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`mismatches.kinds.${k}`, { defaultValue: k })}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t('messages.apply')}</button>
      </form>

      {list.isLoading && <Loading />}
      {list.error && <ErrorMessage error={list.error} />}
      {list.data && (
        <>
          <DataTable<Mismatch>
            caption={t('mismatches.caption')}
            rows={list.data.items}
            rowKey={(m) => m.id}
            columns={[
              ...(writable
                ? [
                    {
                      header: t('mismatches.select'),
                      cell: (m: Mismatch) =>
                        m.status === 'open' ? (
                          <input
                            type="checkbox"
                            aria-label={t('mismatches.selectOne', { id: m.id })}
                            checked={selected.includes(m.id)}
                            onChange={(event) => toggle(m.id, event.target.checked)}
                          />
                        ) : null,
                    },
                  ]
                : []),
              { header: t('mismatches.id'), cell: (m) => m.id },
              { header: t('mismatches.insurer'), cell: (m) => m.insurerCode },
              {
                header: t('mismatches.kind'),
                cell: (m) => t(`mismatches.kinds.${m.kind}`, { defaultValue: m.kind }),
              },
              { header: t('mismatches.policy'), cell: (m) => m.policyNumber ?? '' },
              { header: t('mismatches.field'), cell: (m) => m.field ?? '' },
              { header: t('mismatches.insurerValue'), cell: (m) => m.insurerValue ?? '' },
              { header: t('mismatches.ourValue'), cell: (m) => m.ourValue ?? '' },
              { header: t('mismatches.foundAt'), cell: (m) => formatDateTime(m.createdAt) },
              {
                header: t('mismatches.source'),
                cell: (m) =>
                  m.sourceMessageId === null ? (
                    (m.details ?? '')
                  ) : can('exchange.read') ? (
                    <Link to={`/exchange/messages/${m.sourceMessageId}`}>
                      {t('mismatches.sourceRef', { id: m.sourceMessageId, row: m.sourceRow ?? '—' })}
                    </Link>
                  ) : (
                    t('mismatches.sourceRef', { id: m.sourceMessageId, row: m.sourceRow ?? '—' })
                  ),
              },
              { header: t('mismatches.status'), cell: (m) => t(`statuses.${m.status}`) },
              {
                header: t('mismatches.resolution'),
                cell: (m) => (m.resolution ? `${m.resolution} (${m.resolvedBy ?? ''})` : ''),
              },
              {
                header: t('message.trail'),
                cell: (m) => (
                  <button type="button" onClick={() => setTrailOf(m.id)}>
                    {t('mismatches.showTrail', { id: m.id })}
                  </button>
                ),
              },
            ]}
          />
          {list.data.items.length === 0 && <p>{t('nothing', { ns: 'common' })}</p>}
          <Pager
            page={list.data.page}
            pageSize={list.data.pageSize}
            total={list.data.total}
            onPage={setPage}
          />
        </>
      )}

      {writable && (
        <form onSubmit={submit} aria-labelledby={`${ids.decision}-heading`}>
          <h2 id={`${ids.decision}-heading`}>{t('mismatches.decide')}</h2>
          <p aria-live="polite">{t('mismatches.selected', { count: selected.length })}</p>
          <div className="field">
            <label htmlFor={ids.decision}>{t('mismatches.decision')}</label>
            <select
              id={ids.decision}
              value={decision}
              onChange={(event) => setDecision(event.target.value as Action)}
            >
              {ACTIONS.map((action) => (
                <option key={action} value={action}>
                  {t(`mismatches.actions.${action}`)}
                </option>
              ))}
            </select>
          </div>
          {(NEEDS_APPLICATION.includes(decision) || NEEDS_CONSULTANT.includes(decision)) && (
            <div className="field">
              <label htmlFor={ids.target}>
                {NEEDS_APPLICATION.includes(decision)
                  ? t('mismatches.applicationNumber')
                  : t('mismatches.consultantCode')}
              </label>
              <input
                id={ids.target}
                value={target}
                maxLength={60}
                aria-invalid={problem === t(`mismatches.need_${decision}`) ? true : undefined}
                onChange={(event) => setTarget(event.target.value)}
              />
            </div>
          )}
          <div className="field">
            <label htmlFor={ids.comment}>{t('mismatches.comment')}</label>
            <textarea
              id={ids.comment}
              value={comment}
              maxLength={1000}
              aria-invalid={problem === t('mismatches.needComment') ? true : undefined}
              onChange={(event) => setComment(event.target.value)}
            />
          </div>
          <button type="submit" disabled={resolve.isPending}>
            {t('mismatches.submit')}
          </button>
          {problem && (
            <p role="alert" className="error">
              {problem}
            </p>
          )}
          {resolve.error && <ErrorMessage error={resolve.error} />}
          {done && <p role="status">{done}</p>}
          {outcome && <OutcomeDetails outcome={outcome} />}
        </form>
      )}

      {trailOf !== null && (
        <section>
          <h2>{t('mismatches.trailOf', { id: trailOf })}</h2>
          <MismatchTrail id={trailOf} />
        </section>
      )}
    </section>
  );
}

/** What the decision changed in the core, per mismatch, and any letter drafted for the insurer. */
function OutcomeDetails({ outcome }: { outcome: Outcome }) {
  const { t } = useTranslation('exchange');
  const changed = outcome.results.filter((r) => r.changes.length || r.letter);
  if (!changed.length) return null;
  return (
    <ul aria-label={t('mismatches.changes')}>
      {changed.map((r) => (
        <li key={r.id}>
          {t('mismatches.changesOf', { id: r.id })} {r.changes.join('; ')}
          {r.letter && (
            <details open>
              <summary>{t('mismatches.letter', { subject: r.letter.subject })}</summary>
              <pre>{r.letter.body}</pre>
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}
