/**
 * No Oracle server runs here: the module's reads are compiled for Oracle and checked for what
 * Oracle rejects (LIMIT, ILIKE, :: casts, RETURNING…), like test/db/oracle-sql.test.ts does.
 */
import {
  getApplication,
  getPolicy,
  listApplications,
  listPersons,
  listPolicies,
  paymentCalendar,
} from '../../../back-office/policies';
import { oracleCompileDatabase } from '../../support/oracle-compile';

// Counts answer 0; the one-row reads answer a row so the code goes on to its next query.
const oracleDatabase = () =>
  oracleCompileDatabase((text) =>
    /count\(\*\)/.test(text)
      ? [{ total: 0 }]
      : /^select "id" from "consultant" where "code" = :1$/.test(text)
        ? [{ id: 1 }] // the consultant a list is filtered by
        : /^select .* from "policy" "p" inner join "insurer"/.test(text) && !/policy_version/.test(text)
          ? [{ id: 7, number: 'DL-1', insurer: 'DNIPRO_LIFE', product: 'DL-SAV10', application_id: null }]
          : /^select .* from "application" "a"/.test(text)
            ? [
                {
                  id: 3,
                  number: 'W-2026-000001',
                  premium: '1.00',
                  sum_insured: '1.00',
                  policyholder_id: 1,
                  insured_person_id: null,
                  policy_id: null,
                  payment_frequency: 12,
                  details: null,
                },
              ]
            : undefined,
  );

const postgresOnly: [RegExp, string][] = [
  [/\blimit\b/i, 'LIMIT'],
  [/\bilike\b/i, 'ILIKE'],
  [/::/, 'a :: cast'],
  [/\breturning\b/i, 'RETURNING'],
  [/\$\d/, 'a $n placeholder'],
];

describe('Oracle SQL of persons, applications and policies', () => {
  it('compiles the lists, the cards and the calendar', async () => {
    const { database, recorder } = oracleDatabase();
    await listPersons(database, { search: '50%_off', kind: 'individual', sort: 'created' });
    await listApplications(database, {
      status: 'pending',
      insurer: 'DNIPRO_LIFE',
      consultant: 'K-1',
      sort: 'signed',
    });
    await getApplication(database, 'W-2026-000001');
    await listPolicies(database, {
      consultant: 'K-1',
      insurer: 'DNIPRO_LIFE',
      product: 'DL-SAV10',
      status: 'in_force',
      holderId: 1,
      number: 'DL',
      asOf: '2026-10-01',
      knownAt: new Date('2026-10-02T00:00:00Z'),
      sort: 'premium',
    });
    await getPolicy(database, 7, { asOf: '2026-10-01' });
    await paymentCalendar(database, 7, { asOf: '2026-10-01' });
    for (const statement of recorder.sql)
      for (const [pattern, what] of postgresOnly)
        if (pattern.test(statement)) throw new Error(`Oracle would reject ${what} in:\n${statement}`);
    const persons = recorder.sql.find((s) => s.includes('from "person"') && s.includes('like'))!;
    expect(persons).toContain(`lower("full_name") like :1 escape '\\'`);
    expect(persons).toMatch(/offset :\d+ rows fetch first :\d+ rows only$/);
    const policies = recorder.sql.find((s) => s.includes('"later"'))!;
    expect(policies).toMatch(/not exists \(select "later"\."id" from "policy_version" "later"/);
  });
});
