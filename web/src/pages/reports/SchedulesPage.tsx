/**
 * «Розсилка»: the reports sent by e-mail on a schedule, a form to add one (report, how many periods,
 * unit, formats, recipients, cron in Kyiv time) and «Надіслати зараз» on each, answering how each
 * recipient's mail went (sent, or failed with the SMTP server's answer). The server renders each
 * report with its owner's scope: a schedule added here is the signed-in user's.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../app/api';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDateTime } from '../../app/format';

const NS = 'reports';
const REPORTS = ['sales', 'network', 'persistency', 'remuneration', 'collections', 'exchange'] as const;
const PATH = '/api/reports/schedules';

interface Schedule {
  id: number;
  name: string;
  report: string;
  filters: { periods: number; periodsBack: number; unit: string | null };
  formats: string[];
  recipients: string[];
  cron: string;
  active: boolean;
  owner: string;
  nextRunAt: string | null;
}
interface Delivery {
  id: number;
  recipient: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  error: string | null;
}

export function SchedulesPage() {
  const { t } = useTranslation(NS);
  const id = useId();
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ['report-schedules'],
    queryFn: () => api.get<{ items: Schedule[] }>(PATH),
  });
  const [outcome, setOutcome] = useState<Record<number, Delivery[]>>({});
  const add = useMutation({
    mutationFn: (body: Record<string, unknown>) => api.post<Schedule>(PATH, body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['report-schedules'] }),
  });
  const send = useMutation({
    mutationFn: (scheduleId: number) =>
      api.post<{ scheduleId: number; deliveries: Delivery[] }>(`${PATH}/${scheduleId}/send`),
    onSuccess: (run) => setOutcome((o) => ({ ...o, [run.scheduleId]: run.deliveries })),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (key: string) => String(form.get(key) ?? '').trim();
    add.mutate({
      name: text('name'),
      report: text('report'),
      periods: Number(text('periods') || 12),
      ...(text('unit') ? { unit: text('unit') } : {}),
      formats: form.getAll('formats').map(String),
      recipients: text('recipients')
        .split(/[\s,;]+/)
        .filter(Boolean),
      cron: text('cron'),
    });
  };

  return (
    <>
      <h1>{t('schedules.title')}</h1>
      {list.isLoading && <Loading />}
      {list.error && <ErrorMessage error={list.error} />}
      {list.data && list.data.items.length === 0 && <p>{t('schedules.none')}</p>}
      {list.data && list.data.items.length > 0 && (
        <div className="table-scroll" role="region" aria-label={t('schedules.title')} tabIndex={0}>
          <table>
            <caption>{t('schedules.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('schedules.name')}</th>
                <th scope="col">{t('report')}</th>
                <th scope="col">{t('schedules.recipients')}</th>
                <th scope="col">{t('schedules.cron')}</th>
                <th scope="col">{t('schedules.next')}</th>
                <th scope="col">{t('schedules.owner')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('schedules.sendNow')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((s) => (
                <tr key={s.id}>
                  <td>{s.name}</td>
                  <td>
                    {t(`names.${s.report}`, { defaultValue: s.report })} ({s.formats.join(', ').toUpperCase()}
                    )
                  </td>
                  <td>{s.recipients.join(', ')}</td>
                  <td>
                    <code>{s.cron}</code>
                  </td>
                  <td>{s.active && s.nextRunAt ? formatDateTime(s.nextRunAt) : t('schedules.paused')}</td>
                  <td>{s.owner}</td>
                  <td>
                    <button type="button" disabled={send.isPending} onClick={() => send.mutate(s.id)}>
                      {t('schedules.sendNow')}
                    </button>
                    {outcome[s.id] && (
                      <ul aria-live="polite">
                        {outcome[s.id].map((d) => (
                          <li key={d.id}>
                            {d.recipient}: {t(`schedules.status.${d.status}`)}
                            {d.error ? ` — ${d.error}` : ''}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {send.error && <ErrorMessage error={send.error} />}

      <h2>{t('schedules.add')}</h2>
      <form onSubmit={submit} className="filters" aria-label={t('schedules.add')}>
        <div className="field">
          <label htmlFor={`${id}-name`}>{t('schedules.name')}</label>
          <input id={`${id}-name`} name="name" type="text" required maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-report`}>{t('report')}</label>
          <select id={`${id}-report`} name="report" defaultValue="sales">
            {REPORTS.map((r) => (
              <option key={r} value={r}>
                {t(`names.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-periods`}>{t('schedules.periods')}</label>
          <input id={`${id}-periods`} name="periods" type="number" min={1} max={120} defaultValue={12} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-unit`}>{t('unit')}</label>
          <input id={`${id}-unit`} name="unit" type="text" maxLength={40} />
        </div>
        <fieldset className="field">
          <legend>{t('schedules.formats')}</legend>
          {['xlsx', 'pdf'].map((f) => (
            <label key={f}>
              <input type="checkbox" name="formats" value={f} defaultChecked /> {f.toUpperCase()}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-recipients`}>{t('schedules.recipients')}</label>
          <input
            id={`${id}-recipients`}
            name="recipients"
            type="text"
            required
            placeholder={t('schedules.recipientsHint')}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-cron`}>{t('schedules.cron')}</label>
          <input id={`${id}-cron`} name="cron" type="text" required defaultValue="0 8 1 * *" />
        </div>
        <button type="submit" disabled={add.isPending}>
          {t('schedules.save')}
        </button>
        {add.error && <ErrorMessage error={add.error} />}
        {add.isSuccess && <p role="status">{t('schedules.added')}</p>}
      </form>
    </>
  );
}
