/**
 * Progress towards the next career level: the plan's condition for it, split into its options and
 * comparisons, each with what is asked and what is reached, as the server measures them.
 */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../app/api';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDecimal } from '../../app/format';
import { NoConsultant } from './Results';
import { NS, PeriodSelect, useConsultantCode, usePeriodParam } from './shared';

interface Condition {
  text: string;
  metric: string | null;
  required: string | null;
  reached: string | null;
  operator: string | null;
  met: boolean | null;
}
export interface ProgressAnswer {
  consultantCode: string;
  period: string | null;
  calculated: boolean;
  planCode: string | null;
  planVersion: string | null;
  level: { code: string; name: string } | null;
  nextLevel: { code: string; name: string } | null;
  window: number;
  windowPeriods: string[];
  requirement: string | null;
  alternatives: { conditions: Condition[]; met: boolean | null }[];
  met: boolean | null;
}

export function ProgressView({ code, period }: { code: string; period: string }) {
  const { t } = useTranslation(NS);
  const progress = useQuery({
    queryKey: ['progress', code, period],
    queryFn: () =>
      api.get<ProgressAnswer>(`/api/consultants/${encodeURIComponent(code)}/progress`, { period }),
    retry: false,
  });
  if (progress.isLoading) return <Loading />;
  if (progress.error) return <ErrorMessage error={progress.error} />;
  const p = progress.data!;
  if (!p.calculated) return <p>{t('notCalculated')}</p>;
  const yesNo = (met: boolean | null) => (met === null ? t('unknown') : met ? t('yes') : t('no'));
  return (
    <>
      <p>{t('currentLevel', { level: p.level ? `${p.level.name} (${p.level.code})` : '—' })}</p>
      {!p.nextLevel ? (
        <p>{t('topLevel')}</p>
      ) : (
        <>
          <p>{t('nextLevel', { level: `${p.nextLevel.name} (${p.nextLevel.code})` })}</p>
          <p>
            {t('planAsks', { plan: p.planCode, version: p.planVersion, requirement: p.requirement ?? '—' })}
          </p>
          <p>{t('windowNote', { count: p.window, periods: p.windowPeriods.join(', ') })}</p>
          {p.alternatives.map((alternative, i) => (
            <table key={i}>
              <caption>{t('conditionsTable', { n: i + 1 })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('condition')}</th>
                  <th scope="col" className="numeric">
                    {t('required')}
                  </th>
                  <th scope="col" className="numeric">
                    {t('reached')}
                  </th>
                  <th scope="col">{t('met')}</th>
                </tr>
              </thead>
              <tbody>
                {alternative.conditions.map((c) => (
                  <tr key={c.text}>
                    <th scope="row">
                      {c.metric ? `${t(`metric.${c.metric}`)} ${c.operator} ${c.required}` : c.text}
                    </th>
                    <td className="numeric">{formatDecimal(c.required)}</td>
                    <td className="numeric">{formatDecimal(c.reached)}</td>
                    <td>{yesNo(c.met)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
          <p role="status">{p.met === null ? t('unknown') : p.met ? t('allMet') : t('notMet')}</p>
        </>
      )}
    </>
  );
}

export function ProgressPage() {
  const { t } = useTranslation(NS);
  const code = useConsultantCode();
  const [period, setPeriod] = usePeriodParam();
  if (!code) return <NoConsultant />;
  return (
    <>
      <h1>{t('progressTitle')}</h1>
      <PeriodSelect value={period} onChange={setPeriod} />
      <ProgressView code={code} period={period} />
    </>
  );
}
