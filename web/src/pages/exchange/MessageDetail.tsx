/**
 * One message: what it is, its payload as text in the charset its adapter declares (or a download
 * when it is binary), its parsed records a server page at a time (the payload read again with the
 * adapter's mapping, each row's canonical fields and issues), the rows it could not apply with row
 * and field, its status trail, and replay with the server's answer.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../app/api';
import { useAuth } from '../../app/auth';
import { formatCount, formatDateTime } from '../../app/format';
import { Pager, usePageNumber, usePagedList } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import type { ExchangeMessage } from './types';
import './message-detail.css';

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

interface RecordIssue {
  kind: string;
  row: number | null;
  field: string | null;
  message: string;
}

interface ParsedRecord {
  rowNo: number;
  type: string;
  record: Record<string, unknown> | null;
  issues: RecordIssue[];
}

interface RecordsExtra {
  recordType: string | null;
  rowsWithIssues: number;
  fileError: RecordIssue | null;
}

const RECORDS_PAGE_SIZE = 20;

/** `{ holder: { fullName } }` → [['holder.fullName', '…']]: every canonical field on a line of its own. */
function flatten(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return [[prefix, '']];
  if (Array.isArray(value))
    return value.length ? value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`)) : [[prefix, '[]']];
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      flatten(v, prefix ? `${prefix}.${k}` : k),
    );
  return [[prefix, String(value)]];
}

function ParsedRecords({ id }: { id: number }) {
  const { t } = useTranslation('exchange');
  const [page, setPage] = usePageNumber();
  const list = usePagedList<ParsedRecord>(
    `/api/exchange/messages/${id}/records`,
    {},
    page,
    RECORDS_PAGE_SIZE,
  );
  if (list.isLoading) return <Loading />;
  if (list.error) return <ErrorMessage error={list.error} />;
  const data = list.data! as typeof list.data & RecordsExtra;
  return (
    <>
      <p>
        {t('message.recordsSummary', {
          total: formatCount(data.total),
          bad: formatCount(data.rowsWithIssues),
          type: data.recordType ?? '—',
        })}
      </p>
      {data.fileError && (
        <p role="alert" className="error">
          {t('message.fileError', { message: data.fileError.message })}
        </p>
      )}
      <table className="records">
        <caption>{t('message.records')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('message.row')}</th>
            <th scope="col">{t('message.recordType')}</th>
            <th scope="col">{t('message.fields')}</th>
            <th scope="col">{t('message.rowIssues')}</th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((r) => (
            <tr key={r.rowNo} className={r.issues.length ? 'has-issues' : undefined}>
              <td className="numeric">{r.rowNo}</td>
              <td>{r.type}</td>
              <td>
                {r.record ? (
                  <ul className="record-fields">
                    {flatten(r.record).map(([key, value]) => (
                      <li key={key}>
                        <span className="key">{key}</span> <span>{value}</span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  t('message.notMapped')
                )}
              </td>
              <td>
                {r.issues.length === 0 ? (
                  t('message.noRowIssues')
                ) : (
                  <ul className="row-issues">
                    {r.issues.map((issue, index) => (
                      <li key={index}>
                        {t('message.issueAt', { row: issue.row ?? r.rowNo, field: issue.field ?? '—' })}:{' '}
                        {issue.message}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.items.length === 0 && !data.fileError && <p>{t('nothing', { ns: 'common' })}</p>}
      <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />
    </>
  );
}

/**
 * A status reason or trail detail in words: the pipeline keeps `{ errors: [{ row, field, message }] }`
 * (or a summary with counts); each error on a line of its own, with its row and field.
 */
function reasonText(reason: unknown): string {
  if (reason === null || reason === undefined) return '';
  let value = reason;
  if (typeof value === 'string') {
    if (!value.startsWith('{')) return value;
    try {
      value = JSON.parse(value);
    } catch {
      return String(reason);
    }
  }
  const errors = (value as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length) {
    return errors
      .map((e: { row?: number | null; field?: string | null; message?: string; kind?: string }) =>
        [e.row ? `#${e.row}` : null, e.field ?? null, e.message ?? e.kind ?? ''].filter(Boolean).join(' · '),
      )
      .join('\n');
  }
  return JSON.stringify(value);
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
            <dd className="reason">{reasonText(message.statusReason)}</dd>
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

      {message.direction === 'inbound' && (
        <section aria-labelledby="records-heading">
          <h2 id="records-heading">{t('message.records')}</h2>
          <ParsedRecords id={message.id} />
        </section>
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
              <td className="reason">{reasonText(event.detail)}</td>
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
