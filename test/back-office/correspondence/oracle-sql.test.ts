/**
 * No Oracle server runs here: correspondence's reads and the filing query are compiled for Oracle and
 * checked for what Oracle rejects (LIMIT, RETURNING, :: casts …), as the other modules' suites do.
 */
import { fileNewMail, listThreads } from '../../../back-office/correspondence';
import { expectOracleSql, oracleCompileDatabase } from '../../support/oracle-compile';

describe('Oracle SQL of correspondence', () => {
  it('compiles the thread list with every filter, and the search for mail not filed yet', async () => {
    const { database, recorder } = oracleCompileDatabase((text) =>
      /^select count\(\*\)/.test(text) ? [{ total: 0 }] : undefined,
    );
    await listThreads(database, {
      state: 'waiting_for_us',
      insurer: 'POLISSIA',
      policyId: 1,
      applicationId: 2,
      consultant: 'K-1',
      unknownSender: true,
      page: 2,
      pageSize: 20,
    });
    expect(await fileNewMail(database)).toEqual({ filed: 0, skipped: 0, failed: [] });
    expectOracleSql(recorder.sql);
    expect(recorder.sql.some((s) => /offset :\d+ rows fetch (first|next) :\d+ rows only/i.test(s))).toBe(
      true,
    );
  });
});
