/**
 * One change request: what it would do (its fields in words), who entered it and why, and, while it
 * is pending, approve (applied then) or reject with a comment. The author's own request is refused by
 * the server; the screen says so before anyone tries, and shows the server's words if it refuses.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, Fragment, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../app/api';
import { useAuth } from '../../app/auth';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDate, formatDateTime } from '../../app/format';
import type { ChangeRequest } from './types';

const DATE_FIELDS = new Set(['effectiveOn', 'validFrom', 'validTo']);
/** Shown elsewhere on the screen, or who entered it (taken from the session, not the form). */
const HIDDEN_FIELDS = new Set(['reason', 'recordedBy', 'approvedBy', 'recordedAt']);

function Refusal({ error }: { error: unknown }) {
  const { t } = useTranslation('approvals');
  if (error instanceof ApiError)
    return (
      <p role="alert" className="error">
        {t('detail.refused', { message: error.message })}
      </p>
    );
  return <ErrorMessage error={error} />;
}

export function ApprovalDetail() {
  const { t } = useTranslation('approvals');
  const id = Number(useParams().id);
  const { me } = useAuth();
  const client = useQueryClient();
  const commentId = useId();
  const [comment, setComment] = useState('');
  const [commentMissing, setCommentMissing] = useState(false);
  const request = useQuery({
    queryKey: ['approvals', id],
    queryFn: () => api.get<ChangeRequest>(`/api/approvals/${id}`),
  });
  const refresh = () => client.invalidateQueries();
  const approve = useMutation({
    mutationFn: () => api.post<ChangeRequest>(`/api/approvals/${id}/approve`, {}),
    onSuccess: refresh,
  });
  const reject = useMutation({
    mutationFn: (reason: string) => api.post<ChangeRequest>(`/api/approvals/${id}/reject`, { reason }),
    onSuccess: refresh,
  });
  if (request.isLoading) return <Loading />;
  if (request.error) return <ErrorMessage error={request.error} />;
  const r = request.data!;
  const own = !!me && me.user.login === r.proposedBy;
  const busy = approve.isPending || reject.isPending;
  const fields = Object.entries(r.change).filter(([key]) => !HIDDEN_FIELDS.has(key));
  const show = (key: string, value: unknown): string => {
    if (key === 'sponsorCode' && value === null) return t('toTop');
    if (value === null || value === undefined) return '—';
    if (DATE_FIELDS.has(key) && typeof value === 'string') return formatDate(value);
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  const submitReject = (event: FormEvent) => {
    event.preventDefault();
    if (!comment.trim()) return setCommentMissing(true);
    setCommentMissing(false);
    reject.mutate(comment.trim());
  };
  const periods = (r.result?.requestedPeriods as string[] | undefined) ?? [];
  return (
    <section>
      <p>
        <Link to="/approvals">{t('detail.back')}</Link>
      </p>
      <h1>{t('detail.heading', { id: r.id })}</h1>
      <dl className="facts">
        <dt>{t('kind')}</dt>
        <dd>{t(`kinds.${r.kind}`)}</dd>
        <dt>{t('consultant')}</dt>
        <dd>
          <Link to={`/network/consultants/${encodeURIComponent(r.consultantCode)}`}>
            {t('detail.card', { code: r.consultantCode })}
          </Link>
        </dd>
        <dt>{t('closedPeriod')}</dt>
        <dd>{r.closedPeriod}</dd>
        <dt>{t('reason')}</dt>
        <dd>{r.reason}</dd>
        <dt>{t('proposedBy')}</dt>
        <dd>{r.proposedBy}</dd>
        <dt>{t('proposedAt')}</dt>
        <dd>{formatDateTime(r.proposedAt)}</dd>
        <dt>{t('status')}</dt>
        <dd data-testid="request-status">{t(`statuses.${r.status}`)}</dd>
        {r.decidedBy && (
          <>
            <dt>{t('detail.decidedBy')}</dt>
            <dd>{r.decidedBy}</dd>
            <dt>{t('detail.decidedAt')}</dt>
            <dd>{formatDateTime(r.decidedAt)}</dd>
          </>
        )}
        {r.decisionReason && (
          <>
            <dt>{t('detail.decisionReason')}</dt>
            <dd>{r.decisionReason}</dd>
          </>
        )}
      </dl>

      <h2>{t('detail.what')}</h2>
      <dl className="facts" aria-label={t('detail.what')}>
        {fields.map(([key, value]) => (
          <Fragment key={key}>
            <dt>{t(`fields.${key}`, { defaultValue: key })}</dt>
            <dd>{show(key, value)}</dd>
          </Fragment>
        ))}
      </dl>
      {fields.length === 0 && <p>{t('detail.nothingElse')}</p>}
      {r.status === 'approved' && periods.length > 0 && (
        <p>{t('detail.requestedPeriods', { periods: periods.join(', ') })}</p>
      )}

      {approve.isSuccess && (
        <p role="status" className="done">
          {t('detail.approved')}
        </p>
      )}
      {reject.isSuccess && (
        <p role="status" className="done">
          {t('detail.rejected')}
        </p>
      )}
      {r.status === 'pending' && (
        <>
          {own && (
            <p role="note" className="muted" data-testid="own-request">
              {t('detail.ownRequest', { login: r.proposedBy })}
            </p>
          )}
          {approve.error && <Refusal error={approve.error} />}
          {reject.error && <Refusal error={reject.error} />}
          <p>
            <button type="button" disabled={busy} onClick={() => approve.mutate()}>
              {t('detail.approve')}
            </button>
          </p>
          <form onSubmit={submitReject} noValidate className="form">
            <div className="field">
              <label htmlFor={commentId}>{t('detail.comment')}</label>
              <textarea
                id={commentId}
                value={comment}
                rows={3}
                aria-invalid={commentMissing || undefined}
                aria-describedby={commentMissing ? `${commentId}-error` : undefined}
                onChange={(e) => setComment(e.target.value)}
              />
              {commentMissing && (
                <span id={`${commentId}-error`} className="error">
                  {t('detail.needComment')}
                </span>
              )}
            </div>
            <button type="submit" disabled={busy}>
              {t('detail.reject')}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
