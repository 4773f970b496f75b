/**
 * The plans area: the compensation plans with their versions and each version's check, and the
 * what-if of a draft plan against a posted period as a difference per consultant and rule.
 */
import type { Area } from '../area';
import { PlansPage, PlanVersionPage } from './PlansPage';
import { plansTexts } from './texts';
import { WhatIfPage } from './WhatIfPage';

export const plansArea: Area = {
  name: 'plans',
  texts: plansTexts,
  routes: [
    { path: 'plans', element: <PlansPage />, permission: 'plans.read' },
    { path: 'plans/what-if', element: <WhatIfPage />, permission: 'plans.write' },
    { path: 'plans/:code/versions/:version', element: <PlanVersionPage />, permission: 'plans.read' },
  ],
  menu: [
    {
      path: 'plans',
      label: 'menu',
      permission: 'plans.read',
      roles: ['administrator', 'back_office', 'manager'],
    },
    { path: 'plans/what-if', label: 'menuWhatIf', permission: 'plans.write' },
  ],
};
