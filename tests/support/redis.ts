import { Redis } from 'ioredis';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own for each suite, so suites can share one Redis server in parallel. */
export function uniqueRedisPrefix(suite: string): string {
  return `test:${suite}:${randomBytes(4).toString('hex')}:`;
}

function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
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

/**
 * Whether Redis-backed suites should run. Under CI a missing Redis is a failure, never a skip;
 * on a laptop without Redis the suites are skipped with a visible message.
 */
export async function redisAvailable(): Promise<boolean> {
  if (await reachable(TEST_REDIS_URL)) return true;
  if (process.env.CI) throw new Error(`CI is set but Redis does not answer at ${TEST_REDIS_URL}`);
  console.warn(`[skip] Redis suites: no Redis at ${TEST_REDIS_URL} (set REDIS_URL or start redis-server)`);
  return false;
}

/** Top-level-await friendly flag for `describe.runIf(...)`. */
export const HAS_REDIS = await redisAvailable();

/**
 * Deletes every key under `prefix` (SCAN, never KEYS, so the shared server is not blocked): what a
 * suite wrote would otherwise outlive it for the keys' whole TTL. On `redis`, or a connection of its own.
 */
export async function deleteRedisKeys(prefix: string, redis?: Redis): Promise<void> {
  const client = redis ?? new Redis(TEST_REDIS_URL);
  try {
    for await (const keys of client.scanStream({ match: `${prefix}*`, count: 500 })) {
      if ((keys as string[]).length > 0) await client.del(...(keys as string[]));
    }
  } finally {
    if (redis === undefined) await client.quit();
  }
}
