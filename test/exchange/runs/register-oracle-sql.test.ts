/**
 * The register builder's SQL compiled for Oracle (no Oracle server runs here; see
 * test/db/oracle-sql.test.ts): the applications it took are locked with FOR UPDATE and marked sent
 * only where still pending, without PostgreSQL-only syntax.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAdapter } from '../../../src/exchange/adapter-config';
import { buildRegister, RegisterOutdatedError } from '../../../src/exchange/runs/register-builder';
import { oracleCompileDatabase } from '../../support/oracle-compile';

const postgresOnly = /\blimit\b|\bilike\b|::|\breturning\b|\$\d|\bskip locked\b/i;

describe('Oracle SQL of building a register', () => {
  it('locks the applications, then marks sent only those still pending', async () => {
    const { database, recorder } = oracleCompileDatabase((statement) => {
      if (/^select .* from "application" "a" inner join "product"/.test(statement))
        return [
          {
            id: 7,
            number: 'W-2026-000001',
            signed_on: '2026-10-01',
            sum_insured: '120000.00',
            premium: '1000.00',
            payment_frequency: 12,
            policyholder_id: 3,
            insured_person_id: null,
            details: null,
            product_code: 'DL-SAV10',
            agent_code: 'K-00012',
          },
        ];
      if (/from "person"/.test(statement))
        return [
          {
            id: 3,
            person_kind: 'individual',
            full_name: 'Шевченко Тарас',
            tax_number: '2845102313',
            birth_date: null,
          },
        ];
      if (/^select .* from "application" .*for update$/.test(statement))
        return [{ id: 7, status: 'pending' }];
      return undefined;
    });
    // The recorder reports no row updated, so the build is refused as outdated; its SQL is what counts.
    await expect(
      buildRegister(
        { database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) },
        loadAdapter('DNIPRO_LIFE'),
        1,
        '2026-10-05',
      ),
    ).rejects.toThrow(RegisterOutdatedError);
    for (const statement of recorder.sql) expect(statement).not.toMatch(postgresOnly);
    expect(recorder.sql).toContainEqual(
      expect.stringMatching(/^select "id", "status" from "application" where "id" in \(:\d+\) for update$/),
    );
    expect(recorder.sql).toContainEqual(
      expect.stringMatching(
        /^update "application" set "status" = :\d+, "updated_at" = :\d+ where "id" in \(:\d+\) and "status" = :\d+$/,
      ),
    );
    expect(recorder.sql.some((s) => s.startsWith('insert into "application_register"'))).toBe(false);
    await database.close();
  });
  it('names at most 1000 applications or persons in one statement, for a register of 2,500', async () => {
    const pending = Array.from({ length: 2500 }, (_, i) => ({
      id: i + 1,
      number: `W-2026-${String(i + 1).padStart(6, '0')}`,
      signed_on: '2026-10-01',
      sum_insured: '120000.00',
      premium: '1000.00',
      payment_frequency: 12,
      policyholder_id: i + 1,
      insured_person_id: null,
      details: null,
      product_code: 'DL-SAV10',
      agent_code: 'K-00012',
    }));
    const { database, recorder } = oracleCompileDatabase((statement) => {
      if (/^select .* from "application" "a" inner join "product"/.test(statement)) return pending;
      if (/from "person"/.test(statement))
        return pending.map((p) => ({
          id: p.policyholder_id,
          person_kind: 'individual',
          full_name: `Клієнт ${p.id}`,
          tax_number: '2845102313',
          birth_date: null,
        }));
      if (/^select .* from "application" .*for update$/.test(statement))
        return pending.map((p) => ({ id: p.id, status: 'pending' }));
      return undefined;
    });
    await expect(
      buildRegister(
        { database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) },
        loadAdapter('DNIPRO_LIFE'),
        1,
        '2026-10-05',
      ),
    ).rejects.toThrow(RegisterOutdatedError);
    const binds = (statement: string) => (statement.match(/:\d+/g) ?? []).length;
    const locks = recorder.sql.filter((s) =>
      /^select "id", "status" from "application" .*for update$/.test(s),
    );
    const persons = recorder.sql.filter((s) => /from "person"/.test(s));
    const marks = recorder.sql.filter((s) => s.startsWith('update "application" set "status"'));
    // The recorder updates no row, so each of the five attempts is refused as outdated: the first shows.
    expect(locks.slice(0, 3).map(binds)).toEqual([1000, 1000, 500]);
    expect(persons.slice(0, 3).map(binds)).toEqual([1000, 1000, 500]);
    expect(marks.slice(0, 3).map((s) => binds(s) - 3)).toEqual([1000, 1000, 500]);
    expect(Math.max(...recorder.sql.map(binds))).toBeLessThanOrEqual(1003);
    await database.close();
  });
});
