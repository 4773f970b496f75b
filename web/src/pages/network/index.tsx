/** Placeholder of the network area: its engineer replaces this folder's contents. */
import type { Area } from '../area';

export const networkArea: Area = {
  name: 'network',
  texts: { uk: { title: 'Network' }, en: { title: 'Network' } },
  routes: [],
  menu: [],
};
