/** Placeholder of the portal area: its engineer replaces this folder's contents. */
import type { Area } from '../area';

export const portalArea: Area = {
  name: 'portal',
  texts: { uk: { title: 'Portal' }, en: { title: 'Portal' } },
  routes: [],
  menu: [],
};
