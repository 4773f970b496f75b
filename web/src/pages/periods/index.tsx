/**
 * The periods area: production periods with status and blockers, calculation (preview or posting)
 * with progress, closing, a period's ledger, its acts (PDF, register), and corrections of closed periods.
 */
import type { Area } from '../area';
import { CorrectionsPage } from './CorrectionsPage';
import { PeriodPage } from './PeriodPage';
import { PeriodsPage } from './PeriodsPage';
import { periodsTexts } from './texts';

export const periodsArea: Area = {
  name: 'periods',
  texts: periodsTexts,
  routes: [
    { path: 'periods', element: <PeriodsPage />, permission: 'periods.read' },
    { path: 'periods/corrections', element: <CorrectionsPage />, permission: 'periods.read' },
    { path: 'periods/:code', element: <PeriodPage />, permission: 'periods.read' },
  ],
  menu: [
    {
      path: 'periods',
      label: 'menu',
      permission: 'periods.read',
      roles: ['administrator', 'back_office', 'manager'],
    },
    {
      path: 'periods/corrections',
      label: 'menuCorrections',
      permission: 'periods.write',
      roles: ['administrator', 'back_office'],
    },
  ],
};
