import { Redis } from 'ioredis';
import { MemoryTokenStore } from '../../../services/auth/adapters/memory/memory-token-store.js';
import { RedisTokenStore } from '../../../services/auth/adapters/redis/redis-token-store.js';
import type { TokenStore } from '../../../services/auth/domain/tokens/token-store.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import type { TestClock } from './clock.js';

export interface TokenStoreVariant {
  name: string;
  enabled: boolean;
  create: (clock: TestClock) => TokenStore;
  /** Removes what the suite left behind (refresh families would otherwise live for their TTL). */
  cleanup: () => Promise<void>;
}

function redisVariant(): TokenStoreVariant {
  const prefixes: string[] = [];
  return {
    name: 'redis token store',
    enabled: HAS_REDIS,
    create: () => {
      const keyPrefix = uniqueRedisPrefix('auth-component');
      prefixes.push(keyPrefix);
      return new RedisTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix });
    },
    cleanup: async () => {
      if (prefixes.length === 0) return;
      const redis = new Redis(TEST_REDIS_URL);
      try {
        for (const prefix of prefixes.splice(0)) {
          for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
            if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
          }
        }
      } finally {
        await redis.quit();
      }
    },
  };
}

/** Component suites run once on memory and once on the real Redis (skipped visibly without one). */
export const tokenStoreVariants: TokenStoreVariant[] = [
  { name: 'memory token store', enabled: true, create: (clock) => new MemoryTokenStore({ now: clock.now }), cleanup: async () => {} },
  redisVariant(),
];
