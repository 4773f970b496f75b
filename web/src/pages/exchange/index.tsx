/** Placeholder of the exchange area: its engineer replaces this folder's contents. */
import type { Area } from '../area';

export const exchangeArea: Area = {
  name: 'exchange',
  texts: { uk: { title: 'Exchange' }, en: { title: 'Exchange' } },
  routes: [],
  menu: [],
};
