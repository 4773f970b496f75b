/** Placeholder of the plans area: its engineer replaces this folder's contents. */
import type { Area } from '../area';

export const plansArea: Area = {
  name: 'plans',
  texts: { uk: { title: 'Plans' }, en: { title: 'Plans' } },
  routes: [],
  menu: [],
};
