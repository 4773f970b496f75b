/**
 * Reads of one record within the caller's scope (back-office/network scope.ts): a record the scope
 * does not see answers exactly as one that does not exist (404 over HTTP), so that asking by id tells
 * nobody what is outside their scope. Lists take the scope in their filter and filter in SQL.
 */
import { type ConsultantScope, scopeSeesConsultant } from '../network';
import type { Database } from '../../src/db';
import { type ApplicationCard, getApplication } from './applications';
import { notFound } from './errors';

/** An application by id, if the scope sees its consultant. */
export async function getApplicationInScope(
  database: Database,
  id: number,
  scope: ConsultantScope | null,
): Promise<ApplicationCard> {
  const card = await getApplication(database, id);
  if (scope) {
    const row = await database.db
      .selectFrom('application')
      .select('consultant_id')
      .where('id', '=', card.id)
      .executeTakeFirstOrThrow();
    if (!scopeSeesConsultant(scope, Number(row.consultant_id)))
      throw notFound(`application ${id} does not exist`, 'id');
  }
  return card;
}
