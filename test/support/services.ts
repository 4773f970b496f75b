/**
 * Which real services this machine offers to the tests. A suite whose service is missing says so in
 * one line and skips; under CI=true a missing service fails the run instead.
 */
import net from 'node:net';

export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when Redis answers; otherwise prints one line (or throws under CI=true). */
export async function redisAvailable(suite: string): Promise<boolean> {
  if (await answers(redisUrl)) return true;
  if (process.env.CI === 'true')
    throw new Error(`CI=true but Redis at ${redisUrl} does not answer: ${suite} cannot be skipped in CI`);
  console.log(`${suite} skipped: no Redis at ${redisUrl} (set REDIS_URL)`);
  return false;
}
