/**
 * The consultant portal: own results by period with every line and its explanation, corrections of
 * earlier periods with their cause, acts to download, the downline with its volumes, progress towards
 * the next level, contest standings; and the network's volume by unit for managers and back office.
 */
import type { Area } from '../area';
import { ContestsPage, StandingsPage } from './Contests';
import { DownlinePage } from './Downline';
import { MemberCardPage } from './MemberCard';
import { PeriodResultsPage } from './PeriodResults';
import { ProgressPage } from './Progress';
import { ResultsPage } from './Results';
import { portalTexts } from './texts';
import { UnitVolumesPage } from './UnitVolumes';

const consultant = ['consultant'];

export const portalArea: Area = {
  name: 'portal',
  texts: portalTexts,
  routes: [
    { path: 'portal', element: <ResultsPage />, permission: 'accruals.read' },
    { path: 'portal/results/:period', element: <PeriodResultsPage />, permission: 'accruals.read' },
    { path: 'portal/downline', element: <DownlinePage />, permission: 'network.read' },
    { path: 'portal/progress', element: <ProgressPage />, permission: 'network.read' },
    { path: 'portal/contests', element: <ContestsPage />, permission: 'contests.read' },
    { path: 'portal/contests/:code', element: <StandingsPage />, permission: 'contests.read' },
    { path: 'portal/consultants/:code', element: <MemberCardPage />, permission: 'network.read' },
    { path: 'portal/units', element: <UnitVolumesPage />, permission: 'network.read' },
  ],
  menu: [
    { path: 'portal', label: 'menuResults', permission: 'accruals.read', roles: consultant },
    { path: 'portal/downline', label: 'menuDownline', permission: 'network.read', roles: consultant },
    { path: 'portal/progress', label: 'menuProgress', permission: 'network.read', roles: consultant },
    { path: 'portal/contests', label: 'menuContests', permission: 'contests.read', roles: consultant },
    {
      path: 'portal/units',
      label: 'menuUnits',
      permission: 'network.read',
      roles: ['manager', 'back_office', 'administrator'],
    },
  ],
};
