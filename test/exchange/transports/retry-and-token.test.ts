import { backoffDelayMs, OAuthTokenCache, withRetry } from '../../../src/exchange/transports';

describe('backoff with jitter', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it('doubles the cap each retry, stays within [cap/2, cap], and never exceeds the maximum', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });

  it('stops after the configured attempts and throws the last error', async () => {
    const waits: number[] = [];
    let tries = 0;
    const run = withRetry(
      async () => {
        tries++;
        throw new Error(`failure ${tries}`);
      },
      policy,
      () => ({ retry: true }),
      { sleep: async (ms) => void waits.push(ms), random: () => 0 },
    );
    await expect(run).rejects.toThrow('failure 5');
    expect(waits).toEqual([50, 100, 200, 400]);
  });

  it('does not retry what the decision refuses, and waits exactly a given delay', async () => {
    const waits: number[] = [];
    let tries = 0;
    const result = await withRetry(
      async () => {
        if (++tries === 1) throw new Error('busy');
        return 'ok';
      },
      policy,
      () => ({ retry: true, delayMs: 1234 }),
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([1234]);
    await expect(
      withRetry(
        async () => Promise.reject(new Error('bad request')),
        policy,
        () => ({ retry: false }),
      ),
    ).rejects.toThrow('bad request');
  });
});

describe('OAuth token cache', () => {
  it('reuses a token until the refresh margin before expiry, shares one request between callers', async () => {
    let now = 0;
    let issued = 0;
    const cache = new OAuthTokenCache({
      requestToken: async () => ({ accessToken: `t${++issued}`, expiresInSec: 3600 }),
      refreshMarginMs: 60_000,
      now: () => now,
    });
    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual(['t1', 't1', 't1']);
    now = 3_539_999;
    expect(await cache.get()).toBe('t1');
    now = 3_540_000;
    expect(await cache.get()).toBe('t2');
    cache.invalidate('t1'); // stale refusal of an old token: the current one stays
    expect(await cache.get()).toBe('t2');
    cache.invalidate('t2');
    expect(await cache.get()).toBe('t3');
    expect(cache.requested).toBe(3);
  });
});
