import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

/** Deletes every key under `prefix` (SCAN, never KEYS, so a shared server is not blocked). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Every key under `prefix`, for assertions about what an adapter left behind. */
export async function keysWithPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** How many keys are under `prefix` and their MEMORY USAGE in bytes (what a store costs the server). */
export async function footprintUnder(redis: Redis, prefix: string): Promise<{ entries: number; bytes: number }> {
  const keys = await keysWithPrefix(redis, prefix);
  const sizes = await Promise.all(keys.map((key) => redis.memory('USAGE', key)));
  return { entries: keys.length, bytes: sizes.reduce<number>((sum, size) => sum + Number(size ?? 0), 0) };
}

/**
 * A store of the adapter under test on its own key prefix for a describe block: connected before
 * its tests, closed after them, and every key it wrote deleted (through `admin`).
 */
export function useRedisStoreUnderPrefix<S extends { close(): Promise<void> }>(
  prefix: string,
  admin: () => Redis,
  connect: (prefix: string) => Promise<S>,
  use: (store: S) => void,
): void {
  let store: S | undefined;
  beforeAll(async () => {
    store = await connect(prefix);
    use(store);
  });
  afterAll(async () => {
    await store?.close();
    await deleteKeysWithPrefix(admin(), prefix);
  });
}

/**
 * An admin connection to the test Redis for a describe block (handed to `use`), and the cleanup
 * of every key under `prefix` when the block ends.
 */
export function useRedisAdmin(url: string, prefix: string, use: (admin: Redis) => void): void {
  let admin: Redis | undefined;
  beforeAll(() => {
    admin = new Redis(url);
    use(admin);
  });
  afterAll(async () => {
    if (!admin) return;
    await deleteKeysWithPrefix(admin, prefix);
    await admin.quit();
  });
}
