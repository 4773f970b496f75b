/** A person's card: the person with the policies they hold (today) and their applications. */
import type { ConsultantScope } from '../network';
import type { Database } from '../../src/db';
import { type ApplicationView, listApplications } from './applications';
import { notFound } from './errors';
import { findPerson, personSeenBy, type PersonView } from './persons';
import { listPolicies, type PolicyListItem } from './policies';

export interface PersonCard extends PersonView {
  /** The first 500 policies the person holds today. */
  policies: PolicyListItem[];
  /** The first 500 applications the person is the holder of. */
  applications: ApplicationView[];
}

/**
 * Within a scope: a person on none of its policies or applications answers as one that does not
 * exist, and the card lists only the policies and applications of the scope.
 */
export async function getPersonCard(
  database: Database,
  id: number,
  scope: ConsultantScope | null = null,
): Promise<PersonCard> {
  const person = await findPerson(database.db, id);
  if (!person || !(await personSeenBy(database, id, scope)))
    throw notFound(`person ${id} does not exist`, 'id');
  const policies = await listPolicies(database, { holderId: id, pageSize: 500, scope });
  const applications = await listApplications(database, { holderId: id, pageSize: 500, scope });
  return { ...person, policies: policies.items, applications: applications.items };
}
