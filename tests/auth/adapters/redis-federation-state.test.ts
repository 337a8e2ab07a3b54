import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisFederationStateStore } from '../../../services/auth/adapters/redis/redis-federation-state.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { runFederationStateStoreContract } from '../contracts/federation-state.contract.js';
import { deleteKeysWithPrefix, keysWithPrefix, useRedisAdmin } from './redis-test-fixture.js';

describe.runIf(HAS_REDIS)('RedisFederationStateStore', () => {
  const prefix = uniqueRedisPrefix('redis-federation-state');
  let admin: Redis;
  useRedisAdmin(TEST_REDIS_URL, prefix, (connection) => (admin = connection));

  runFederationStateStoreContract('redis', async () => {
    // Two connections: what two auth replicas have.
    const store = new RedisFederationStateStore(new Redis(TEST_REDIS_URL), prefix);
    const replica = new RedisFederationStateStore(new Redis(TEST_REDIS_URL), prefix);
    return {
      store,
      replica,
      cleanup: async () => {
        await Promise.all([store.close(), replica.close()]);
        await deleteKeysWithPrefix(admin, prefix);
      },
    };
  });

  it('when state is written, then every key expires and none holds the browser secret or the code verifier in a key name', async () => {
    const store = new RedisFederationStateStore(new Redis(TEST_REDIS_URL), prefix);
    try {
      const at = Date.now();
      await store.savePending('s1', { providerId: 'corp', nonce: 'n', codeVerifier: 'verifier', returnTo: '/', browserHash: 'hash', expiresAt: at + 60_000 });
      await store.rememberUpstreamSession({ providerId: 'corp', sid: 'up', subject: 'u' }, 'local', at + 60_000);
      await store.firstSight('corp:jti', at + 60_000, at);
      const keys = await keysWithPrefix(admin, prefix);
      expect(keys.length).toBe(4);
      for (const key of keys) {
        expect(await admin.pttl(key)).toBeGreaterThan(0);
        expect(key).not.toContain('verifier');
      }
    } finally {
      await store.close();
      await deleteKeysWithPrefix(admin, prefix);
    }
  });
});
