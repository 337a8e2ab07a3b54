import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { accountTokenKey, RedisAccountTokenStore } from '../../../services/auth/adapters/account-tokens/redis-account-tokens.js';
import { hashAccountToken } from '../../../services/auth/domain/accounts/account-tokens.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { runAccountTokenStoreContract } from '../contracts/account-token-store.contract.js';
import { deleteKeysWithPrefix, keysWithPrefix, useRedisAdmin } from './redis-test-fixture.js';

describe.runIf(HAS_REDIS)('RedisAccountTokenStore', () => {
  const prefix = uniqueRedisPrefix('redis-account-tokens');
  let admin: Redis;
  useRedisAdmin(TEST_REDIS_URL, prefix, (connection) => (admin = connection));

  runAccountTokenStoreContract('redis', async () => {
    const own = `${prefix}${Math.random().toString(36).slice(2, 8)}:`;
    const open = () => new RedisAccountTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix: own });
    let store = open();
    const replica = open();
    return {
      store,
      replica,
      reopen: async () => {
        await store.close();
        store = open();
        return store;
      },
      rawContents: async () => {
        const keys = await keysWithPrefix(admin, own);
        const values = await Promise.all(keys.map((key) => admin.get(key)));
        return [...keys, ...values].join('\n');
      },
      cleanup: async () => {
        await Promise.all([store.close(), replica.close()]);
        await deleteKeysWithPrefix(admin, own);
      },
    };
  });

  it('when a token is saved, then its key is under the prefix and expires with the token', async () => {
    const own = `${prefix}ttl:`;
    const store = new RedisAccountTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix: own });
    try {
      const hash = hashAccountToken('t-ttl');
      await store.save(hash, { purpose: 'password-reset', userId: 'u', binding: 'b', expiresAt: Date.now() + 60_000 });
      const ttl = await admin.pttl(accountTokenKey(own, hash));
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await store.close();
      await deleteKeysWithPrefix(admin, own);
    }
  });
});
