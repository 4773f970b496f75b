import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, redactSecrets, redactUrl } from '../../src/config';
import { openDatabase } from '../../src/db';
import { availableEngines, postgresUrl } from '../support/engines';

describe('configuration from the environment', () => {
  it('defaults to the embedded database in ./data', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ engine: 'pglite', dataDir: path.resolve('data', 'db') });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.redisUrl).toBeNull();
    expect(config.recovery).toEqual({ intervalMs: 60_000, graceMs: 300_000 });
  });

  it('reads how often and after how long lost work is swept up again', () => {
    expect(loadConfig({ ECSPERT_SWEEP_SECONDS: '10', ECSPERT_SWEEP_GRACE_SECONDS: '0' }).recovery).toEqual({
      intervalMs: 10_000,
      graceMs: 0,
    });
  });

  it('reads PostgreSQL, Oracle and a PGlite folder from DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/hub' }).database.engine).toBe('postgres');
    expect(
      loadConfig({ DATABASE_URL: 'oracle://hub:s3cret@ora.example:1521/FREEPDB1' }).database,
    ).toMatchObject({
      engine: 'oracle',
      user: 'hub',
      password: 's3cret',
      connectString: 'ora.example:1521/FREEPDB1',
    });
    expect(loadConfig({ DATABASE_URL: 'pglite:/srv/hub/db' }).database).toEqual({
      engine: 'pglite',
      dataDir: '/srv/hub/db',
    });
    expect(loadConfig({ ECSPERT_DATA_DIR: '/srv/hub' }).database).toEqual({
      engine: 'pglite',
      dataDir: '/srv/hub/db',
    });
  });

  it.each([
    [{ DATABASE_URL: 'mysql://root@localhost/hub' }, /^DATABASE_URL: unknown scheme 'mysql:'/],
    [
      { DATABASE_URL: 'oracle://localhost' },
      /^DATABASE_URL: .*must look like oracle:\/\/user:password@host:port\/service/,
    ],
    [{ PORT: 'eighty' }, /^PORT: 'eighty' is not a port number/],
    [{ PORT: '70000' }, /^PORT: '70000' is not a port number/],
    [{ REDIS_URL: 'localhost:6379' }, /^REDIS_URL: 'localhost:6379' must start with redis:\/\//],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: 'loud' is not one of/],
    [{ ECSPERT_SWEEP_SECONDS: '0' }, /^ECSPERT_SWEEP_SECONDS: '0' is not a whole number of seconds/],
    [{ ECSPERT_SWEEP_GRACE_SECONDS: '5m' }, /^ECSPERT_SWEEP_GRACE_SECONDS: '5m' is not a whole number/],
  ])('refuses %j with one line naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never prints a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mssql://sa:TopSecret@db/hub' })).toThrow(
      /mssql:\/\/sa:\*\*\*@db\/hub/,
    );
  });
});

describe('passwords in connection URLs are never shown', () => {
  it.each([
    // The form that leaked: a password with an empty user name.
    ['redis://:secret@redis.example:6379', 'redis://:***@redis.example:6379'],
    ['redis://:secret@redis.example:6379/2', 'redis://:***@redis.example:6379/2'],
    ['redis://default:secret@redis.example:6379', 'redis://default:***@redis.example:6379'],
    ['rediss://:secret@redis.example:6380', 'rediss://:***@redis.example:6380'],
    // Password only, the old Redis way (no colon): the whole user part is masked.
    ['redis://secret@redis.example:6379', 'redis://***@redis.example:6379'],
    // A password in the query string (ioredis reads it from there too).
    ['redis://redis.example:6379?password=secret', 'redis://redis.example:6379?password=***'],
    [
      'redis://redis.example:6379/0?db=1&password=secret&family=4',
      'redis://redis.example:6379/0?db=1&password=***&family=4',
    ],
    // An '@' inside the password: the user part ends at the last '@'.
    ['redis://:se@cret@redis.example:6379', 'redis://:***@redis.example:6379'],
    ['postgres://hub:secret@db:5432/hub', 'postgres://hub:***@db:5432/hub'],
    ['postgres://:secret@db:5432/hub', 'postgres://:***@db:5432/hub'],
    [
      'postgres://hub:secret@db:5432/hub?sslpassword=secret',
      'postgres://hub:***@db:5432/hub?sslpassword=***',
    ],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['postgres://hub@db/hub', 'postgres://hub@db/hub'],
  ])('%s is shown as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
    expect(redactUrl(url)).not.toMatch(/secret|cret/);
  });

  it('masks URLs inside free text, as error messages carry them', () => {
    const text =
      'connect failed for redis://:secret@a:6379 and postgres://u:secret@b/db?password=secret (ECONNREFUSED)';
    expect(redactSecrets(text)).toBe(
      'connect failed for redis://:***@a:6379 and postgres://u:***@b/db?password=*** (ECONNREFUSED)',
    );
  });

  it('a refused REDIS_URL is named without its password', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://:secret@redis.example:6379' })).toThrow(
      /^REDIS_URL: 'http:\/\/:\*\*\*@redis\.example:6379' must start with redis:\/\//,
    );
    expect(() => loadConfig({ DATABASE_URL: 'mssql://:secret@db/hub' })).toThrow(/mssql:\/\/:\*\*\*@db\/hub/);
  });
});

describe('opening a database that cannot be had', () => {
  it('names DATABASE_URL when PostgreSQL does not answer', async () => {
    const failure = openDatabase(
      { engine: 'postgres', url: 'postgres://hub:secret@127.0.0.1:1/hub' },
      { setting: 'DATABASE_URL' },
    );
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(
      /^DATABASE_URL: cannot connect to postgres:\/\/hub:\*\*\*@127\.0\.0\.1:1\/hub \(ECONNREFUSED/,
    );
  });

  it('names the data folder when it cannot be written', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-')), 'not-a-folder');
    fs.writeFileSync(file, 'a file where the data folder should be');
    const failure = openDatabase(
      { engine: 'pglite', dataDir: path.join(file, 'db') },
      { setting: 'ECSPERT_DATA_DIR' },
    );
    await expect(failure).rejects.toThrow(
      /^ECSPERT_DATA_DIR: the database folder .*not-a-folder\/db is not writable \(ENOTDIR/,
    );
  });
});

describe('closing a database that was never queried', () => {
  // PostgreSQL only where DATABASE_URL points at one: skipped with a line saying so, never passed empty.
  it.each(availableEngines())('really closes %s', async (engine) => {
    const database = await openDatabase(
      engine === 'pglite' ? { engine, dataDir: null } : { engine, url: postgresUrl()! },
    );
    await database.close();
    await expect(database.ping().catch(() => false)).resolves.toBe(false);
  });
});
