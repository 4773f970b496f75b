/** Placeholder of the periods area: its engineer replaces this folder's contents. */
import type { Area } from '../area';

export const periodsArea: Area = {
  name: 'periods',
  texts: { uk: { title: 'Periods' }, en: { title: 'Periods' } },
  routes: [],
  menu: [],
};
