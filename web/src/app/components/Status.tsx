/** Loading, errors (the server's own message), and progress of long work. */
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';

export function Loading() {
  const { t } = useTranslation();
  return (
    <p role="status" aria-live="polite">
      {t('loading')}
    </p>
  );
}

export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error instanceof ApiError && (error.status === 404 || error.status === 403))
    return <p role="alert">{t(error.status === 404 ? 'notFound' : 'forbidden')}</p>;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="error">
      {t('error', { message })}
    </p>
  );
}

/** Long work (an exchange run, a calculation, acts): done of total, announced to screen readers. */
export function Progress({ label, done, total }: { label: string; done: number; total: number | null }) {
  return (
    <div className="progress">
      <label>
        {label}
        <progress
          value={total ? done : undefined}
          max={total ?? undefined}
          aria-valuetext={total ? `${done} / ${total}` : `${done}`}
        />
      </label>
      <span>{total ? `${done} / ${total}` : done}</span>
    </div>
  );
}
