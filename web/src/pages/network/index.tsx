/**
 * The network area: the sponsor tree on any date with search, the consultant card, and hiring,
 * transfer, termination, rehire and manual career changes for the back office (managers read their
 * units only: the server scopes every answer).
 */
import type { Area } from '../area';
import { ConsultantPage } from './ConsultantPage';
import { HirePage } from './forms';
import { NetworkPage } from './NetworkPage';
import { texts } from './texts';
import './network.css';

export const networkArea: Area = {
  name: 'network',
  texts,
  routes: [
    { path: 'network', element: <NetworkPage />, permission: 'network.read' },
    { path: 'network/hire', element: <HirePage />, permission: 'network.write' },
    { path: 'network/consultants/:code', element: <ConsultantPage />, permission: 'network.read' },
  ],
  menu: [
    {
      path: 'network',
      label: 'menu',
      permission: 'network.read',
      roles: ['administrator', 'back_office', 'manager'],
    },
  ],
};
