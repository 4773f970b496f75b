/** Sign-in: login and password; the server's refusal (wrong password, locked, throttled) is shown as it says it. */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../app/api';
import { useAuth } from '../../app/auth';
import { Field } from '../../app/components/Field';
import { LANGUAGES, type Language, setLanguage } from '../../i18n';

export function LoginPage() {
  const { t, i18n } = useTranslation();
  const { signIn } = useAuth();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      await signIn(login, password);
    } catch (error) {
      setFailure(error instanceof ApiError ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login">
      <h1>{t('signInTitle')}</h1>
      <form onSubmit={submit}>
        <Field
          label={t('login')}
          name="login"
          autoComplete="username"
          required
          value={login}
          onChange={(e) => setLogin(e.target.value)}
        />
        <Field
          label={t('password')}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {failure && (
          <p role="alert" className="error">
            {t('signInFailed', { message: failure })}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('signIn')}
        </button>
      </form>
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
    </main>
  );
}
