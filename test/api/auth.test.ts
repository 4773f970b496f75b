/**
 * Signing in as people and programs do: a browser logs in and gets an http-only SameSite=Strict
 * session cookie (only its hash is stored), logs out; a program sends an API token that can be
 * listed and revoked. Five failed logins lock the login for 15 minutes in the database, so a second
 * process refuses it too; a client address that fails too often is slowed in memory. Password
 * changes need the current one; a disabled user is out at once; every change is in the audit log.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { sessionCookie } from '../../src/api/plugins/auth';
import { createUser, hashPassword, LOCKOUT, verifyPassword } from '../../src/auth';
import { describeEachEngine } from '../support/engines';
import { memoryLogger, type SignedIn, signInAs, testConfig } from './support/api-harness';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describeEachEngine('authentication', (ctx) => {
  let app: FastifyInstance;
  let admin: SignedIn;
  const build = (options: { loginFailuresPerAddress?: number } = {}) =>
    buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      options,
    );
  const loginAs = (login: string, password: string, target = app, ip = '10.0.0.1') =>
    target.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { login, password },
      remoteAddress: ip,
    });

  beforeAll(async () => {
    app = await build();
    admin = await signInAs(app, ctx.database, 'administrator', { login: 'root' });
  });
  afterAll(() => app?.close());

  it('hashes passwords with scrypt, a salt of their own and the parameters kept with the hash', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('anything', null)).toBe(false);
  });

  it('signs a browser in with a session cookie, answers who it is, and signs it out', async () => {
    await createUser(
      ctx.database,
      { login: 'Olena', role: 'back_office', password: 'olena-secret-1' },
      'test',
    );
    const response = await loginAs('olena', 'olena-secret-1');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ user: { login: 'olena', role: 'back_office' } });
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^ecspert_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    // Twelve hours, counted from the session's expiry: a loaded machine may have spent a second since.
    const maxAge = Number(/Max-Age=(\d+)$/.exec(setCookie)![1]);
    expect(maxAge).toBeGreaterThanOrEqual(43200 - 5);
    expect(maxAge).toBeLessThanOrEqual(43200);
    const cookie = setCookie.split(';')[0];
    const secret = cookie.split('=')[1];
    // Only the hash of the session's secret is stored.
    const sessions = await ctx.database.db
      .selectFrom('auth_session' as never)
      .select(['secret_sha256' as never])
      .execute();
    expect(sessions).toContainEqual({ secret_sha256: sha256(secret) });
    expect(JSON.stringify(sessions)).not.toContain(secret);

    const me = await app.inject({ url: '/api/auth/me', headers: { cookie } });
    expect(me.json()).toMatchObject({
      user: { login: 'olena', role: 'back_office' },
      via: 'session',
      scope: 'all',
      permissions: expect.arrayContaining(['periods.write', 'acts.read']),
    });
    expect((await app.inject({ url: '/api/users', headers: { cookie } })).statusCode).toBe(403);

    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^ecspert_session=; .*Max-Age=0/);
    const after = await app.inject({ url: '/api/auth/me', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toBe('Bearer realm="eCSpert hub"');
  });

  it('marks the cookie Secure when the request came over HTTPS', () => {
    const over = (protocol: string) => sessionCookie({ protocol } as FastifyRequest, 'abc', 60);
    expect(over('https')).toBe('ecspert_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
    expect(over('http')).not.toMatch(/Secure/);
  });

  it('refuses a wrong password and an unknown login alike, and locks a login after 5 failures, across processes', async () => {
    await createUser(
      ctx.database,
      { login: 'taras', role: 'integration', password: 'taras-secret-1' },
      'test',
    );
    const unknown = await loginAs('nobody', 'whatever-it-is', app, '10.0.1.1');
    const wrong = await loginAs('taras', 'not-his-password', app, '10.0.1.2');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    for (let i = 2; i <= LOCKOUT.failures; i++)
      expect((await loginAs('taras', `wrong-${i}`, app, `10.0.1.${i + 1}`)).statusCode).toBe(401);
    // Locked now, even with the right password, and in another process (another app) too.
    const other = await build();
    try {
      const locked = await loginAs('taras', 'taras-secret-1', other, '10.0.2.1');
      expect(locked.statusCode).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
      expect(locked.json().message).toMatch(/locked for 15 more minute/);
    } finally {
      await other.close();
    }
    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('action', '=', 'user.login_locked')
      .execute();
    expect(audit).toEqual([{ action: 'user.login_locked', entity_id: 'taras' }]);
    // An administrator's reset clears the lock.
    const reset = await admin.inject({ method: 'POST', url: '/api/users/taras/reset-password', payload: {} });
    expect(reset.statusCode).toBe(200);
    expect((await loginAs('taras', reset.json().password, app, '10.0.2.2')).statusCode).toBe(200);
  });

  it('slows a client address that sprays passwords over many logins (429 before any password is checked)', async () => {
    const throttled = await build({ loginFailuresPerAddress: 3 });
    try {
      for (let i = 0; i < 3; i++)
        expect((await loginAs(`spray-${i}`, 'Password123', throttled, '10.9.9.9')).statusCode).toBe(401);
      const slowed = await loginAs('spray-4', 'Password123', throttled, '10.9.9.9');
      expect(slowed.statusCode).toBe(429);
      expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(0);
      // Another address is not slowed.
      expect((await loginAs('spray-5', 'Password123', throttled, '10.9.9.10')).statusCode).toBe(401);
    } finally {
      await throttled.close();
    }
  });

  it('changes a password only with the current one; other sessions end', async () => {
    await createUser(
      ctx.database,
      { login: 'iryna', role: 'back_office', password: 'iryna-secret-1' },
      'test',
    );
    const first = String((await loginAs('iryna', 'iryna-secret-1')).headers['set-cookie']).split(';')[0];
    const second = String((await loginAs('iryna', 'iryna-secret-1')).headers['set-cookie']).split(';')[0];
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: { cookie: first },
      payload: { currentPassword: 'not-it-at-all', newPassword: 'iryna-secret-2' },
    });
    expect(wrong.statusCode).toBe(403);
    const short = await app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: { cookie: first },
      payload: { currentPassword: 'iryna-secret-1', newPassword: 'short' },
    });
    expect(short.statusCode).toBe(422);
    const changed = await app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: { cookie: first },
      payload: { currentPassword: 'iryna-secret-1', newPassword: 'iryna-secret-2' },
    });
    expect(changed.statusCode).toBe(204);
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: first } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: second } })).statusCode).toBe(401);
    expect((await loginAs('iryna', 'iryna-secret-1')).statusCode).toBe(401);
    expect((await loginAs('iryna', 'iryna-secret-2')).statusCode).toBe(200);
  });

  it('gives programs named API tokens: shown once, stored hashed, listed, revoked', async () => {
    const user = await signInAs(app, ctx.database, 'integration', { login: 'robot' });
    const created = await user.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      payload: { name: 'export' },
    });
    expect(created.statusCode).toBe(201);
    const { token, id, hint } = created.json();
    expect(token).toMatch(/^ecs_[\w-]{43}$/);
    expect(hint).toBe(token.slice(0, 8));
    const stored = await ctx.database.db
      .selectFrom('auth_api_token' as never)
      .select(['secret_sha256' as never])
      .where('id' as never, '=', id as never)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ secret_sha256: sha256(token) });
    const bearer = { authorization: `Bearer ${token}` };
    expect((await app.inject({ url: '/api/exchange/messages', headers: bearer })).statusCode).not.toBe(401);
    const list = await user.inject({ url: '/api/auth/tokens' });
    expect(list.json().items.map((t: { name: string }) => t.name)).toEqual(['tests', 'export']);
    expect(list.body).not.toContain(token);
    // An administrator sees and revokes it too.
    const listed = await admin.inject({ url: '/api/users/robot/tokens' });
    expect(listed.json().items).toHaveLength(2);
    const revoked = await admin.inject({ method: 'DELETE', url: `/api/users/robot/tokens/${id}` });
    expect(revoked.json()).toMatchObject({ id, revokedBy: 'root' });
    const refused = await app.inject({ url: '/api/auth/me', headers: bearer });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().message).toMatch(/token is not valid/);
  });

  it('lets an administrator add, disable and enable users; a disabled user is out at once', async () => {
    const added = await admin.inject({
      method: 'POST',
      url: '/api/users',
      payload: { login: 'petro', role: 'integration' },
    });
    expect(added.statusCode).toBe(201);
    const { password } = added.json();
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    const cookie = String((await loginAs('petro', password)).headers['set-cookie']).split(';')[0];
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    const again = await admin.inject({
      method: 'POST',
      url: '/api/users',
      payload: { login: 'PETRO', role: 'integration' },
    });
    expect(again.statusCode).toBe(409);
    const noUnit = await admin.inject({
      method: 'POST',
      url: '/api/users',
      payload: { login: 'm1', role: 'manager' },
    });
    expect(noUnit.statusCode).toBe(422);

    expect((await admin.inject({ method: 'POST', url: '/api/users/petro/disable' })).json()).toMatchObject({
      disabled: true,
      updatedBy: 'root',
    });
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    expect((await loginAs('petro', password)).statusCode).toBe(401);
    expect((await admin.inject({ method: 'POST', url: '/api/users/root/disable' })).statusCode).toBe(409);
    await admin.inject({ method: 'POST', url: '/api/users/petro/enable' });
    expect((await loginAs('petro', password)).statusCode).toBe(200);

    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('entity_kind', '=', 'user')
      .where('entity_id', '=', 'petro')
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { actor: 'root', action: 'user.created' },
      { actor: 'root', action: 'user.disabled' },
      { actor: 'root', action: 'user.enabled' },
    ]);
    // The audit log never holds a password or its hash.
    const states = await ctx.database.db
      .selectFrom('audit_log')
      .select(['before_state', 'after_state'])
      .execute();
    expect(JSON.stringify(states)).not.toMatch(/scrypt|password_hash/);
    expect(JSON.stringify(states)).not.toContain(password);
  });
});
