/**
 * One message: what it is, its payload as text in the charset its adapter declares (or a download
 * when it is binary), the rows it could not apply with row and field, its status trail, and replay
 * with the server's answer.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../app/api';
import { useAuth } from '../../app/auth';
import { formatCount, formatDateTime } from '../../app/format';
import { ErrorMessage, Loading } from '../../app/components/Status';
import type { ExchangeMessage } from './types';

interface Detail {
  message: ExchangeMessage;
  trail: { at: string; status: string; detail: string | null }[];
  rowIssues: { row: number | null; field: string | null; kind: string; message: string; status: string }[];
}

interface PayloadText {
  binary: boolean;
  charset: string | null;
  format: string | null;
  text: string | null;
  truncated: boolean;
  sizeBytes: number;
}

interface ReplayAnswer {
  messageId?: number;
  status?: string;
  rows?: number;
  applied?: number;
  unchanged?: number;
  rowIssues?: number;
  queued?: boolean;
  jobId?: string;
}

function reasonText(reason: unknown): string {
  if (reason === null || reason === undefined) return '';
  if (typeof reason === 'string') return reason;
  return JSON.stringify(reason);
}

export function MessageDetail() {
  const { t } = useTranslation('exchange');
  const { can } = useAuth();
  const id = Number(useParams().id);
  const client = useQueryClient();
  const detail = useQuery({
    queryKey: ['exchange', 'message', id],
    queryFn: () => api.get<Detail>(`/api/exchange/messages/${id}`),
  });
  const payload = useQuery({
    queryKey: ['exchange', 'message', id, 'text'],
    queryFn: () => api.get<PayloadText>(`/api/exchange/messages/${id}/text`),
  });
  const replay = useMutation({
    mutationFn: () => api.post<ReplayAnswer>(`/api/exchange/messages/${id}/replay`, {}),
    onSuccess: () => client.invalidateQueries({ queryKey: ['exchange'] }),
  });
  if (detail.isLoading) return <Loading />;
  if (detail.error) return <ErrorMessage error={detail.error} />;
  const { message, trail, rowIssues } = detail.data!;
  const answer = replay.data;
  return (
    <section>
      <p>
        <Link to="/exchange/messages">{t('message.back')}</Link>
      </p>
      <h1>{t('message.heading', { id: message.id })}</h1>
      <dl className="facts">
        <dt>{t('messages.insurer')}</dt>
        <dd>{message.insurerCode ?? ''}</dd>
        <dt>{t('messages.name')}</dt>
        <dd>{message.externalName ?? ''}</dd>
        <dt>{t('messages.type')}</dt>
        <dd>{message.messageType}</dd>
        <dt>{t('messages.direction')}</dt>
        <dd>{t(`messages.${message.direction}`)}</dd>
        <dt>{t('message.channel')}</dt>
        <dd>{message.channel}</dd>
        <dt>{t('messages.status')}</dt>
        <dd>{t(`statuses.${message.status}`)}</dd>
        {message.statusReason !== null && message.statusReason !== undefined && (
          <>
            <dt>{t('message.reason')}</dt>
            <dd>{reasonText(message.statusReason)}</dd>
          </>
        )}
        {message.replayOfId !== null && (
          <>
            <dt>{t('message.replayOf')}</dt>
            <dd>
              <Link to={`/exchange/messages/${message.replayOfId}`}>{message.replayOfId}</Link>
            </dd>
          </>
        )}
        <dt>{t('messages.receivedAt')}</dt>
        <dd>{formatDateTime(message.receivedAt)}</dd>
        <dt>{t('message.attempts')}</dt>
        <dd>{message.attempts}</dd>
        <dt>{t('message.sha')}</dt>
        <dd>
          <code>{message.sha256}</code>
        </dd>
      </dl>

      {can('exchange.write') && message.direction === 'inbound' && (
        <p>
          <button type="button" disabled={replay.isPending} onClick={() => replay.mutate()}>
            {t('message.replay')}
          </button>
        </p>
      )}
      {replay.error && <ErrorMessage error={replay.error} />}
      {answer && (
        <p role="status">
          {answer.queued
            ? t('message.replayQueued', { jobId: answer.jobId })
            : t('message.replayed', {
                status: t(`statuses.${answer.status}`),
                rows: answer.rows ?? 0,
                applied: answer.applied ?? 0,
                unchanged: answer.unchanged ?? 0,
                rowIssues: answer.rowIssues ?? 0,
              })}{' '}
          {answer.messageId !== undefined && (
            <Link to={`/exchange/messages/${answer.messageId}`}>
              {t('message.newMessage', { id: answer.messageId })}
            </Link>
          )}
        </p>
      )}

      <table>
        <caption>{t('message.issues')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('message.row')}</th>
            <th scope="col">{t('message.field')}</th>
            <th scope="col">{t('message.kind')}</th>
            <th scope="col">{t('message.text')}</th>
            <th scope="col">{t('messages.status')}</th>
          </tr>
        </thead>
        <tbody>
          {rowIssues.map((issue, index) => (
            <tr key={index}>
              <td>{issue.row ?? ''}</td>
              <td>{issue.field ?? ''}</td>
              <td>{issue.kind}</td>
              <td>{issue.message}</td>
              <td>{t(`statuses.${issue.status}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rowIssues.length === 0 && <p>{t('message.noIssues')}</p>}

      <table>
        <caption>{t('message.trail')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('message.at')}</th>
            <th scope="col">{t('messages.status')}</th>
            <th scope="col">{t('message.detail')}</th>
          </tr>
        </thead>
        <tbody>
          {trail.map((event, index) => (
            <tr key={index}>
              <td>{formatDateTime(event.at)}</td>
              <td>{t(`statuses.${event.status}`)}</td>
              <td>{event.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>{t('message.payload')}</h2>
      <p>
        <a href={`/api/exchange/messages/${message.id}/payload`} download>
          {t('message.download', { name: message.externalName ?? `message-${message.id}` })}
        </a>
      </p>
      {payload.isLoading && <Loading />}
      {payload.error && <ErrorMessage error={payload.error} />}
      {payload.data &&
        (payload.data.binary ? (
          <p>{t('message.binary', { size: formatCount(payload.data.sizeBytes) })}</p>
        ) : (
          <>
            <p>
              {t('message.payloadCharset', {
                charset: payload.data.charset,
                size: formatCount(payload.data.sizeBytes),
              })}{' '}
              {payload.data.truncated && t('message.truncated')}
            </p>
            <pre className="payload" role="region" tabIndex={0} aria-label={t('message.payload')}>
              {payload.data.text}
            </pre>
          </>
        ))}
    </section>
  );
}
