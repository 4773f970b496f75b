/**
 * The users module's SQL compiled for Oracle (no server runs here): users, logins with the lockout,
 * sessions, tokens and the data scope use nothing Oracle would reject (LIMIT, RETURNING, booleans).
 */
import {
  createApiToken,
  createUser,
  hashPassword,
  listUsers,
  login,
  resolveApiToken,
  resolveSession,
  revokeApiToken,
  setUserDisabled,
  visibleConsultants,
} from '../../src/auth';
import { oracleCompileDatabase } from '../support/oracle-compile';

const postgresOnly: [RegExp, string][] = [
  [/\blimit\b/i, 'LIMIT'],
  [/\bwith recursive\b/i, 'WITH RECURSIVE'],
  [/\breturning\b/i, 'RETURNING'],
  [/::/, 'a :: cast'],
  [/\b(true|false|boolean)\b/i, 'a boolean'],
  [/\$\d/, 'a $n placeholder'],
];

describe('Oracle SQL of the users module', () => {
  it('compiles users, logins, sessions, tokens and scopes', async () => {
    const { database, recorder } = oracleCompileDatabase();
    const hash = await hashPassword('a-good-password');
    const user = {
      id: 1,
      login: 'olena',
      display_name: 'Олена',
      role: 'manager',
      consultant_id: null,
      consultant_code: null,
      unit_id: 2,
      unit_code: 'LVIV',
      disabled: 0,
      password_hash: hash,
      created_at: new Date(),
      created_by: 'test',
      updated_at: new Date(),
      updated_by: 'test',
    };
    let created = false;
    recorder.respond = (statement) => {
      if (/from "unit" /.test(statement)) return [{ id: 2, name: 'LVIV' }];
      if (/select "id" from "auth_user" where "login"/.test(statement)) return created ? [user] : [];
      if (/from "auth_user" "u"/.test(statement)) return [user];
      if (/from "auth_user" where "login"/.test(statement)) return [user];
      if (/from "auth_session" "s"|from "auth_api_token" "t"/.test(statement))
        return [
          {
            ...user,
            user_id: 1,
            credential_id: 3,
            last_used_at: null,
            id: 3,
            name: 'n',
            hint: 'ecs_',
            revoked_at: null,
          },
        ];
      if (/"auth_session"|"auth_api_token"/.test(statement) && /^select "id"/.test(statement))
        return [{ id: 3 }];
      if (/from "unit_structure"/.test(statement)) return [{ unit_id: 2, parent_unit_id: null }];
      if (/from "consultant_unit"/.test(statement)) return [{ id: 5, code: 'K-5' }];
      return [];
    };
    await createUser(
      database,
      { login: 'olena', role: 'manager', unitCode: 'LVIV', password: 'a-good-password' },
      'test',
    );
    created = true;
    await listUsers(database);
    await login(database, { login: 'olena', password: 'a-good-password', address: '127.0.0.1' });
    await login(database, { login: 'olena', password: 'wrong-password' }).catch(() => undefined);
    await resolveSession(database, 'secret');
    await createApiToken(database, 'olena', 'export', 'test').catch(() => undefined);
    await resolveApiToken(database, 'ecs_token');
    await revokeApiToken(database, 'olena', 3, 'test').catch(() => undefined);
    await setUserDisabled(database, 'olena', true, 'test');
    expect(await visibleConsultants(database, { kind: 'units', unitId: 2 }, '2026-11-01')).toMatchObject({
      codes: new Set(['K-5']),
    });
    await visibleConsultants(database, { kind: 'consultant', consultantId: 5 }, '2026-11-01');
    const statements = recorder.sql;
    expect(statements.length).toBeGreaterThan(15);
    for (const statement of statements)
      for (const [pattern, what] of postgresOnly)
        if (pattern.test(statement)) throw new Error(`Oracle would reject ${what} in:\n${statement}`);
    expect(statements).toContainEqual(
      expect.stringMatching(
        /^select "failed_at" from "auth_login_failure" .* offset :\d+ rows fetch (first|next) :\d+ rows only$/,
      ),
    );
    expect(statements).toContainEqual(expect.stringMatching(/^insert into "auth_session"/));
    expect(statements).toContainEqual(expect.stringMatching(/^insert into "audit_log"/));
  });
});
