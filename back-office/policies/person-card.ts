/** A person's card: the person with the policies they hold (today) and their applications. */
import type { Database } from '../../src/db';
import { type ApplicationView, listApplications } from './applications';
import { notFound } from './errors';
import { findPerson, type PersonView } from './persons';
import { listPolicies, type PolicyListItem } from './policies';

export interface PersonCard extends PersonView {
  /** The first 500 policies the person holds today. */
  policies: PolicyListItem[];
  /** The first 500 applications the person is the holder of. */
  applications: ApplicationView[];
}

export async function getPersonCard(database: Database, id: number): Promise<PersonCard> {
  const person = await findPerson(database.db, id);
  if (!person) throw notFound(`person ${id} does not exist`, 'id');
  const policies = await listPolicies(database, { holderId: id, pageSize: 500 });
  const applications = await listApplications(database, { holderId: id, pageSize: 500 });
  return { ...person, policies: policies.items, applications: applications.items };
}
