/**
 * The applications and policies area: lists with the server's filters and paging, entering an
 * application and following it to its policy, and the policy card with versions, amendments and the
 * payment calendar against payments.
 */
import type { Area } from '../area';
import '../network/network.css';
import { ApplicationPage, NewApplicationPage } from './ApplicationPages';
import { ApplicationsPage, PoliciesPage } from './lists';
import { PolicyPage } from './PolicyPage';
import { texts } from './texts';

const staff = ['administrator', 'back_office', 'manager'];

export const policiesArea: Area = {
  name: 'policies',
  texts,
  routes: [
    { path: 'policies', element: <PoliciesPage />, permission: 'policies.read' },
    { path: 'policies/:id', element: <PolicyPage />, permission: 'policies.read' },
    { path: 'applications', element: <ApplicationsPage />, permission: 'policies.read' },
    { path: 'applications/new', element: <NewApplicationPage />, permission: 'policies.write' },
    { path: 'applications/:id', element: <ApplicationPage />, permission: 'policies.read' },
  ],
  menu: [
    { path: 'policies', label: 'menuPolicies', permission: 'policies.read', roles: staff },
    { path: 'applications', label: 'menuApplications', permission: 'policies.read', roles: staff },
  ],
};
