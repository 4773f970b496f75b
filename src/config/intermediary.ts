/**
 * The intermediary's own details printed on acts of completed work (the customer, Замовник): from
 * `ECSPERT_INTERMEDIARY_NAME`, `ECSPERT_INTERMEDIARY_EDRPOU` and `ECSPERT_INTERMEDIARY_CITY`; when
 * none of them is set, the demo agency's, so a fresh install can produce acts at once (and the screens
 * say the details are the demo's).
 */
import { ConfigError } from './index';

export interface IntermediarySettings {
  /** e.g. 'ТОВ «Страховий посередник «Експерт»»'. */
  name: string;
  /** Код ЄДРПОУ, eight digits. */
  edrpou: string;
  /** Where acts are drawn up, e.g. 'м. Київ'. */
  city?: string;
}

/** The demo agency's details (src/demo seeds its network, insurers and staff). */
export const DEMO_INTERMEDIARY: Readonly<Required<IntermediarySettings>> = {
  name: 'ТОВ «Страховий посередник «Експерт»»',
  edrpou: '43210987',
  city: 'м. Київ',
};

export function intermediaryFromEnv(env: NodeJS.ProcessEnv = process.env): {
  intermediary: IntermediarySettings;
  source: 'settings' | 'demo';
} {
  const name = env.ECSPERT_INTERMEDIARY_NAME?.trim();
  const edrpou = env.ECSPERT_INTERMEDIARY_EDRPOU?.trim();
  const city = env.ECSPERT_INTERMEDIARY_CITY?.trim();
  if (!name && !edrpou && !city) return { intermediary: { ...DEMO_INTERMEDIARY }, source: 'demo' };
  if (!name)
    throw new ConfigError('ECSPERT_INTERMEDIARY_NAME', 'is needed with ECSPERT_INTERMEDIARY_EDRPOU / _CITY');
  if (!edrpou || !/^\d{8}$/.test(edrpou))
    throw new ConfigError(
      'ECSPERT_INTERMEDIARY_EDRPOU',
      `'${edrpou ?? ''}' is not an eight-digit ЄДРПОУ code`,
    );
  return { intermediary: { name, edrpou, ...(city ? { city } : {}) }, source: 'settings' };
}
