/** The verdict of a plan check as the server gives it: valid with its levels and bonuses, or every problem. */
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../app/components/Paged';

export interface PlanCheck {
  ok: boolean;
  file: string;
  plan?: { code: string; version: string; effectiveFrom: string; levels: string[]; bonuses: string[] };
  problems: { file: string; path: string; reason: string }[];
}

export function CheckResult({ check }: { check: PlanCheck }) {
  const { t } = useTranslation('plans');
  return (
    <section aria-labelledby="check-heading">
      <h2 id="check-heading">{t('check')}</h2>
      {check.ok ? (
        <p role="status">
          {t('checkOk', {
            levels: check.plan?.levels.join(', ') ?? '',
            bonuses: check.plan?.bonuses.join(', ') || '—',
          })}
        </p>
      ) : (
        <>
          <p role="alert" className="error">
            {t('checkFailed', { count: check.problems.length })}
          </p>
          <DataTable
            caption={t('problemsCaption')}
            rows={check.problems.map((problem, index) => ({ ...problem, index }))}
            rowKey={(p) => p.index}
            columns={[
              { header: t('path'), cell: (p) => p.path || '/' },
              { header: t('reason'), cell: (p) => p.reason },
            ]}
          />
        </>
      )}
    </section>
  );
}
