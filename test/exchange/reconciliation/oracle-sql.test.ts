/**
 * The reconciliation service's SQL compiles for Oracle: listing pages with OFFSET … FETCH FIRST (no
 * LIMIT), reading one, raising new mismatches (multi-row inserts, no COPY, no RETURNING).
 */
import { findMismatch, listMismatches, raiseMismatches } from '../../../src/exchange/reconciliation';
import { oracleCompileDatabase } from '../../support/oracle-compile';

const postgresOnly = /\blimit\b|\breturning\b|::|\$\d|\bilike\b|\bcopy\b/i;

describe('Oracle SQL of the mismatch review', () => {
  it('lists a page with OFFSET … FETCH FIRST, counts, reads one and raises new ones', async () => {
    const { database, recorder } = oracleCompileDatabase();
    recorder.answers.push([], [{ n: 0 }], []);
    expect(
      await listMismatches(database, { status: 'open', insurerCode: 'KARPATY' }, { page: 3, pageSize: 20 }),
    ).toEqual({ items: [], total: 0 });
    expect(await findMismatch(database, 7)).toBeNull();
    recorder.answers.push([]);
    await raiseMismatches(
      {
        trx: database.db,
        dialect: database.dialect,
        insurerId: 2,
        insurerCode: 'KARPATY',
        messageId: 11,
        recordedAt: new Date('2026-05-01T10:00:00Z'),
      },
      [{ kind: 'unknown_policy', policyNumber: 'KP-1', details: 'not ours', identity: 'KP-1' }],
    );
    const [page, count, one, lookup, insert] = recorder.sql;
    expect(page).toMatch(/ offset :\d+ rows fetch first :\d+ rows only$/);
    expect(count).toMatch(/^select count\(\*\)/);
    expect(one).toMatch(/where "m"\."id" = :\d+$/);
    expect(lookup).toMatch(/^select "dedupe_key" from "mismatch" where "dedupe_key" in \(:\d+\)$/);
    expect(insert).toMatch(/^insert into "mismatch"/);
    for (const statement of recorder.sql) expect(statement).not.toMatch(postgresOnly);
  });
});
