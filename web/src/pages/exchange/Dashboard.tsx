/**
 * The exchange per insurer: next scheduled run, last run, quarantine, failures and open mismatches
 * (GET /api/exchange/insurers, all counted by the server), a button to start a run where this
 * process has a queue, and the queue's progress while a run waits or works: each running exchange
 * run's stage and counts from its job record (GET /api/jobs?kind=exchange.run&state=running).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../app/api';
import { useAuth } from '../../app/auth';
import { formatCount, formatDateTime } from '../../app/format';
import { ErrorMessage, Loading, Progress } from '../../app/components/Status';
import type { InsurerDesk } from './types';

interface Desk {
  items: InsurerDesk[];
  runsAvailable: boolean;
  queue: { waiting: number; active: number; delayed: number; failed: number; completed: number } | null;
}

export function useInsurers() {
  return useQuery({
    queryKey: ['exchange', 'insurers'],
    queryFn: () => api.get<Desk>('/api/exchange/insurers'),
    // While a run waits or works, the server's figures are read again every two seconds.
    refetchInterval: (query) => {
      const queue = query.state.data?.queue;
      return queue && queue.active + queue.waiting > 0 ? 2000 : false;
    },
  });
}

interface RunJob {
  id: string;
  subject: string;
  stage: string | null;
  done: number | null;
  total: number | null;
}

/** Exchange runs working now, from their job records; read again every two seconds while any runs. */
function useRunningRuns(enabled: boolean, busy: boolean) {
  return useQuery({
    queryKey: ['/api/jobs', 'exchange.run', 'running'],
    queryFn: () =>
      api.get<{ items: RunJob[] }>('/api/jobs', { kind: 'exchange.run', state: 'running', pageSize: 50 }),
    enabled,
    refetchInterval: (query) => (busy || (query.state.data?.items.length ?? 0) > 0 ? 2000 : false),
  });
}

export function Dashboard() {
  const { t } = useTranslation('exchange');
  const { can } = useAuth();
  const client = useQueryClient();
  const desk = useInsurers();
  const deskQueue = desk.data?.queue;
  const runs = useRunningRuns(can('exchange.read'), !!deskQueue && deskQueue.active + deskQueue.waiting > 0);
  const [notice, setNotice] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: (code: string) =>
      api.post<{ jobId: string; duplicate: boolean }>('/api/exchange/runs', { insurer: code }),
    onSuccess: (answer, code) => {
      setNotice(
        t(answer.duplicate ? 'dashboard.duplicate' : 'dashboard.started', { code, jobId: answer.jobId }),
      );
      void client.invalidateQueries({ queryKey: ['exchange', 'insurers'] });
    },
  });
  if (desk.isLoading) return <Loading />;
  if (desk.error) return <ErrorMessage error={desk.error} />;
  const { items, runsAvailable, queue } = desk.data!;
  const busy = queue ? queue.active + queue.waiting : 0;
  return (
    <section>
      <h1>{t('dashboard.heading')}</h1>
      {!runsAvailable && <p>{t('dashboard.noQueue')}</p>}
      {notice && <p role="status">{notice}</p>}
      {start.error && <ErrorMessage error={start.error} />}
      {busy > 0 && <Progress label={t('dashboard.running')} done={busy} total={null} />}
      {(runs.data?.items ?? []).map((run) => (
        <Progress
          key={run.id}
          label={t('dashboard.runStage', {
            code: run.subject,
            stage: t(`dashboard.runStages.${run.stage ?? 'exchanging'}`, { defaultValue: run.stage ?? '' }),
          })}
          done={run.done ?? 0}
          total={run.total || null}
        />
      ))}
      <table>
        <caption>{t('dashboard.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('dashboard.insurer')}</th>
            <th scope="col">{t('dashboard.nextRun')}</th>
            <th scope="col">{t('dashboard.lastRun')}</th>
            <th scope="col">{t('dashboard.lastReceived')}</th>
            <th scope="col" className="numeric">
              {t('dashboard.quarantined')}
            </th>
            <th scope="col" className="numeric">
              {t('dashboard.failed')}
            </th>
            <th scope="col" className="numeric">
              {t('dashboard.pending')}
            </th>
            <th scope="col" className="numeric">
              {t('dashboard.openMismatches')}
            </th>
            {runsAvailable && can('exchange.write') && <th scope="col">{t('dashboard.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((insurer) => (
            <tr key={insurer.code}>
              <th scope="row">
                {insurer.name} ({insurer.code})
              </th>
              <td>
                {insurer.nextRunAt ? formatDateTime(insurer.nextRunAt) : t('dashboard.noSchedule')}
                {insurer.schedules.length > 0 && (
                  <small> ({insurer.schedules.map((s) => `${s.name}: ${s.cron}`).join('; ')})</small>
                )}
              </td>
              <td>
                {insurer.lastRunStartedAt ? formatDateTime(insurer.lastRunStartedAt) : t('dashboard.never')}
              </td>
              <td>
                {insurer.lastReceivedAt ? formatDateTime(insurer.lastReceivedAt) : t('dashboard.never')}
              </td>
              <td className="numeric">
                <Link to={`/exchange/messages?insurer=${insurer.code}&status=quarantined`}>
                  {formatCount(insurer.counts.quarantined)}
                </Link>
              </td>
              <td className="numeric">
                <Link to={`/exchange/messages?insurer=${insurer.code}&status=failed`}>
                  {formatCount(insurer.counts.failed)}
                </Link>
              </td>
              <td className="numeric">{formatCount(insurer.counts.pending)}</td>
              <td className="numeric">
                {can('mismatches.read') ? (
                  <Link to={`/exchange/mismatches?insurer=${insurer.code}&status=open`}>
                    {formatCount(insurer.openMismatches)}
                  </Link>
                ) : (
                  formatCount(insurer.openMismatches)
                )}
              </td>
              {runsAvailable && can('exchange.write') && (
                <td>
                  <button
                    type="button"
                    disabled={start.isPending}
                    aria-label={t('dashboard.start', { name: insurer.name })}
                    onClick={() => start.mutate(insurer.code)}
                  >
                    {t('dashboard.startShort')}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {items
        .filter((insurer) => insurer.recentMessages.length > 0)
        .map((insurer) => (
          <section key={insurer.code}>
            <h2>{t('dashboard.recent', { name: insurer.name })}</h2>
            <ul>
              {insurer.recentMessages.map((m) => (
                <li key={m.id}>
                  <Link to={`/exchange/messages/${m.id}`}>{t('messages.open', { id: m.id })}</Link>{' '}
                  {formatDateTime(m.receivedAt)} · {m.externalName ?? m.messageType} ·{' '}
                  {t(`statuses.${m.status}`)}
                </li>
              ))}
            </ul>
          </section>
        ))}
    </section>
  );
}
