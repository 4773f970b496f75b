/**
 * Ukrainian by default, English selectable (the choice is kept in the browser). Each screen area
 * brings its own texts (src/pages/<area>/texts.ts) as an i18next namespace, so areas never edit one
 * shared file; `common` holds what every screen says.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { areas } from '../pages/areas';
import { common } from './common';

export const LANGUAGES = ['uk', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORED = 'ecspert.language';

function storedLanguage(): Language {
  const value = typeof localStorage === 'undefined' ? null : localStorage.getItem(STORED);
  return value === 'en' ? 'en' : 'uk';
}

const resources: Record<Language, Record<string, Record<string, unknown>>> = {
  uk: { common: common.uk },
  en: { common: common.en },
};
for (const area of areas)
  for (const language of LANGUAGES) resources[language][area.name] = area.texts[language];

void i18next.use(initReactI18next).init({
  resources,
  lng: storedLanguage(),
  fallbackLng: 'uk',
  defaultNS: 'common',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = storedLanguage();

export function setLanguage(language: Language): void {
  localStorage.setItem(STORED, language);
  document.documentElement.lang = language;
  void i18next.changeLanguage(language);
}

export default i18next;
