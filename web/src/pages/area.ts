/**
 * One screen area of the web application (network, policies, periods, plans, exchange desk,
 * consultant portal): its routes, its menu entries and its texts in both languages. An area lives in
 * src/pages/<area>/ and is listed once in src/pages/areas.ts.
 */
import type { ReactNode } from 'react';

export interface AreaRoute {
  /** Under `/`, e.g. `network` or `network/consultants/:code`. */
  path: string;
  element: ReactNode;
  /** The permission the server asks of the API this screen reads (src/auth/roles.ts). */
  permission: string;
}

export interface AreaMenuEntry {
  path: string;
  /** A key of the area's own texts. */
  label: string;
  permission: string;
  /** Shown only to these roles (e.g. the consultant portal); all roles with the permission when absent. */
  roles?: string[];
}

export interface Area {
  /** Also the i18next namespace of its texts. */
  name: string;
  texts: { uk: Record<string, unknown>; en: Record<string, unknown> };
  routes: AreaRoute[];
  menu: AreaMenuEntry[];
}
