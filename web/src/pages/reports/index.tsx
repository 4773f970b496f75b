/**
 * The reports area: the management reports (sales, network, persistency, remuneration and margin,
 * collections, exchange) with their filters, "as of" and "as known at", a table, a chart and the
 * XLSX and PDF downloads. The server narrows a manager to their unit tree; consultants have none.
 * «Розсилка» (reports.schedule): reports sent by e-mail on a schedule, and «Надіслати зараз».
 */
import type { Area } from '../area';
import { ReportsPage } from './ReportsPage';
import { SchedulesPage } from './SchedulesPage';
import { reportsTexts } from './texts';

export const reportsArea: Area = {
  name: 'reports',
  texts: reportsTexts,
  routes: [
    { path: 'reports', element: <ReportsPage />, permission: 'reports.read' },
    { path: 'reports/schedules', element: <SchedulesPage />, permission: 'reports.schedule' },
  ],
  menu: [
    { path: 'reports', label: 'menu', permission: 'reports.read' },
    { path: 'reports/schedules', label: 'schedulesMenu', permission: 'reports.schedule' },
  ],
};
