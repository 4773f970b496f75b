/**
 * Approvals: changes that reach into closed periods (transfers, sponsor, unit and career changes)
 * wait here for a second person (GET/POST /api/approvals…); the server refuses the author's own.
 */
import type { Area } from '../area';
import { ApprovalDetail } from './ApprovalDetail';
import { ApprovalsPage } from './ApprovalsPage';
import { texts } from './texts';

export const approvalsArea: Area = {
  name: 'approvals',
  texts,
  routes: [
    { path: 'approvals', element: <ApprovalsPage />, permission: 'changes.approve' },
    { path: 'approvals/:id', element: <ApprovalDetail />, permission: 'changes.approve' },
  ],
  menu: [{ path: 'approvals', label: 'menu', permission: 'changes.approve' }],
};
