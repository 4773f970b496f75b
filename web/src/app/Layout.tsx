/** The frame of every screen: skip link, menu by role, language switch, who is signed in, sign out. */
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { LANGUAGES, type Language, setLanguage } from '../i18n';
import { areas } from '../pages/areas';
import { useAuth } from './auth';

export function Layout() {
  const { t, i18n } = useTranslation();
  const { me, can, signOut } = useAuth();
  const navigate = useNavigate();
  const entries = areas.flatMap((area) =>
    area.menu
      .filter(
        (entry) => can(entry.permission) && (!entry.roles || (me && entry.roles.includes(me.user.role))),
      )
      .map((entry) => ({ ...entry, text: t(entry.label, { ns: area.name }) })),
  );
  return (
    <>
      <a className="skip" href="#main">
        {t('skipToContent')}
      </a>
      <header>
        <NavLink to="/" className="brand">
          {t('appName')}
        </NavLink>
        <nav aria-label={t('appName')}>
          <ul>
            {entries.map((entry) => (
              <li key={entry.path}>
                <NavLink to={`/${entry.path}`}>{entry.text}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="session">
          <label>
            {t('language')}{' '}
            <select value={i18n.language} onChange={(event) => setLanguage(event.target.value as Language)}>
              {LANGUAGES.map((language) => (
                <option key={language} value={language}>
                  {language === 'uk' ? 'Українська' : 'English'}
                </option>
              ))}
            </select>
          </label>
          {me && (
            <>
              <span className="who">
                {t('signedInAs', { name: me.user.displayName, role: t(`roles.${me.user.role}`) })}
              </span>
              <button
                type="button"
                onClick={async () => {
                  await signOut();
                  navigate('/');
                }}
              >
                {t('signOut')}
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
