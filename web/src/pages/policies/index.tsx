/** Placeholder of the policies area: its engineer replaces this folder's contents. */
import type { Area } from '../area';

export const policiesArea: Area = {
  name: 'policies',
  texts: { uk: { title: 'Policies' }, en: { title: 'Policies' } },
  routes: [],
  menu: [],
};
