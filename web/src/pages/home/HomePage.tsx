/** The landing screen: a greeting and the areas this user may open. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAuth } from '../../app/auth';
import { areas } from '../areas';

export function HomePage() {
  const { t } = useTranslation();
  const { me, can } = useAuth();
  if (!me) return null;
  const entries = areas.flatMap((area) =>
    area.menu
      .filter((entry) => can(entry.permission) && (!entry.roles || entry.roles.includes(me.user.role)))
      .map((entry) => ({ path: entry.path, text: t(entry.label, { ns: area.name }) })),
  );
  return (
    <>
      <h1>{t('welcome', { name: me.user.displayName })}</h1>
      <ul className="tiles">
        {entries.map((entry) => (
          <li key={entry.path}>
            <Link to={`/${entry.path}`}>{entry.text}</Link>
          </li>
        ))}
      </ul>
    </>
  );
}
