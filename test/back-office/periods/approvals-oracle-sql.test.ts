/**
 * The change requests' reads compiled with Oracle's dialect (no Oracle server runs here): pages by
 * OFFSET … FETCH, filters bound as parameters, the count of the same rows.
 */
import { Kysely } from 'kysely';
import { listChangeRequests, showChangeRequest } from '../../../back-office/periods';
import { type Database, type DB, OracleCompileDialect, SqlDialect, SqlRecorder } from '../../../src/db';

function oracleDatabase(): { database: Database; recorder: SqlRecorder } {
  const recorder = new SqlRecorder();
  const db = new Kysely<DB>({ dialect: new OracleCompileDialect(recorder) });
  return {
    recorder,
    database: {
      db,
      dialect: new SqlDialect('oracle'),
      describe: 'oracle (compile only)',
      ping: async () => true,
      close: () => db.destroy(),
    },
  };
}

describe('Oracle SQL of the change requests', () => {
  it('lists a filtered page and shows one', async () => {
    const { database, recorder } = oracleDatabase();
    recorder.respond = (statement) => {
      if (/count\(\*\)/.test(statement)) return [{ total: 1 }];
      return [
        {
          id: 3,
          kind: 'career_change',
          consultant_code: 'S',
          effective_on: '2026-03-01',
          closed_period: '2026-03',
          change: '{"levelCode":"MANAGER"}',
          reason: 'наказ',
          status: 'pending',
          proposed_by: 'olena',
          proposed_at: new Date('2026-04-05T10:00:00Z'),
          decided_by: null,
          decided_at: null,
          decision_reason: null,
          result: null,
        },
      ];
    };
    const page = await listChangeRequests(database, {
      kind: 'career_change',
      consultantCode: 'S',
      proposedBy: 'olena',
      page: 2,
      pageSize: 10,
    });
    expect(page).toMatchObject({ page: 2, pageSize: 10, total: 1 });
    expect(page.items[0]).toMatchObject({ id: 3, change: { levelCode: 'MANAGER' }, proposedBy: 'olena' });
    expect(await showChangeRequest(database, 3)).toMatchObject({ status: 'pending' });
    expect(recorder.sql[0]).toMatch(
      /^select \* from "change_request" where "status" = :1 and "kind" = :2 and "consultant_code" = :3 and "proposed_by" = :4 order by "proposed_at", "id" offset :5 rows fetch first :6 rows only$/,
    );
    expect(recorder.sql[1]).toMatch(
      /^select count\(\*\) "total" from "change_request" where "status" = :1 and "kind" = :2/,
    );
    for (const statement of recorder.sql) expect(statement).not.toMatch(/\blimit\b|::|\$\d/i);
  });
});
