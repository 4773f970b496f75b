/** Every screen area, in menu order. An area is one folder under src/pages; add it here once. */
import type { Area } from './area';
import { approvalsArea } from './approvals';
import { exchangeArea } from './exchange';
import { networkArea } from './network';
import { periodsArea } from './periods';
import { plansArea } from './plans';
import { policiesArea } from './policies';
import { portalArea } from './portal';
import { reportsArea } from './reports';

export const areas: Area[] = [
  portalArea,
  networkArea,
  policiesArea,
  periodsArea,
  plansArea,
  exchangeArea,
  reportsArea,
  approvalsArea,
];
