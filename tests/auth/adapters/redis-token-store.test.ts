import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisKeys } from '../../../lib/revocation/redis-keys.js';
import { RedisTokenStore, connectRedisTokenStore } from '../../../services/auth/adapters/redis/redis-token-store.js';
import { loadAuthConfig } from '../../../services/auth/config.js';
import { openTokenStore } from '../../../services/auth/stores.js';
import { createLogger } from '../../../lib/logger.js';
import { redisSettingsForUrl } from '../../../lib/redis/env.js';
import { freePort } from '../../support/free-port.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { runTokenStoreContract } from '../contracts/token-store.contract.js';
import { pollUntil } from '../contracts/poll.js';
import { useRedisAdmin, useRedisStoreUnderPrefix, deleteKeysWithPrefix, footprintUnder, keysWithPrefix } from './redis-test-fixture.js';

describe.runIf(HAS_REDIS)('RedisTokenStore', () => {
  const prefix = uniqueRedisPrefix('redis-token-store');
  let admin: Redis;
  useRedisAdmin(TEST_REDIS_URL, prefix, (connection) => (admin = connection));

  runTokenStoreContract('redis', async () => {
    const store = new RedisTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix: prefix });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await deleteKeysWithPrefix(admin, prefix);
      },
      // Each contract test starts on an emptied prefix, so what is under it is that test's.
      refreshFootprint: () => footprintUnder(admin, prefix),
    };
  });

  describe('Redis specifics', () => {
    const ownPrefix = uniqueRedisPrefix('redis-token-store-specifics');
    const keys = redisKeys(ownPrefix);
    let store: RedisTokenStore;
    useRedisStoreUnderPrefix(ownPrefix, () => admin, (prefix) => connectRedisTokenStore(redisSettingsForUrl(TEST_REDIS_URL, prefix)), (connected) => (store = connected));

    it('when every kind of entry is written, then every key carries a TTL', async () => {
      const now = Date.now();
      const exp = Math.floor(now / 1000) + 600;
      await store.issueRefreshToken({
        tokenHash: 'h1', familyId: 'f1', subject: 's', clientId: 'c', scope: 'a', issuedAt: now, expiresAt: now + 60_000,
      });
      await store.rotateRefreshToken({ familyId: 'f1', tokenHash: 'h1' }, { tokenHash: 'h2', issuedAt: now, expiresAt: now + 120_000, sealedSuccessor: 'x' }, { now, graceMs: 1_000 });
      await store.revokeRefreshFamily('f1');
      await store.revokeRefreshFamily('unknown-family');
      await store.denyAccessToken('j1', exp);
      await store.recordAttempt('login:alice', 60);
      await store.claimOnce('assertion-1', exp);

      const written = await keysWithPrefix(admin, ownPrefix);
      expect(written.sort()).toEqual(
        [
          keys.refreshFamily('f1'), keys.denylist, keys.attempts('login:alice'), keys.claim('assertion-1'), keys.subjectSessions('s'),
        ].sort(),
      );
      const ttls = await Promise.all(written.map((key) => admin.pttl(key)));
      expect(written.filter((_key, i) => !((ttls[i] ?? -1) > 0))).toEqual([]);
      expect(await admin.pttl(keys.refreshFamily('f1'))).toBeGreaterThan(60_000);
      // Rotation extended the session set with the family.
      expect(await admin.pttl(keys.subjectSessions('s'))).toBeGreaterThan(60_000);
    });

    it('when an access token is denied, then the sorted set holds it scored by exp and the channel announces it', async () => {
      const subscriber = new Redis(TEST_REDIS_URL);
      try {
        const received: string[] = [];
        subscriber.on('message', (_channel: string, message: string) => received.push(message));
        await subscriber.subscribe(keys.revocationsChannel);
        const jti = `jti-${randomBytes(6).toString('hex')}`;
        const exp = Math.floor(Date.now() / 1000) + 300;

        await store.denyAccessToken(jti, exp);

        expect(await admin.zscore(keys.denylist, jti)).toBe(String(exp));
        await pollUntil(() => received.length > 0, { what: 'the revocation message' });
        expect(received.map((m) => JSON.parse(m) as unknown)).toContainEqual({ jti, exp });
      } finally {
        await subscriber.quit();
      }
    });

    it('when a denial is made, then expired members are pruned from the sorted set', async () => {
      const past = Math.floor(Date.now() / 1000) - 5;
      await admin.zadd(keys.denylist, past, 'stale-jti');
      await store.denyAccessToken(`fresh-${randomBytes(4).toString('hex')}`, past + 600);
      expect(await admin.zscore(keys.denylist, 'stale-jti')).toBeNull();
    });

    it('when the server forgot the scripts, then the store loads them again', async () => {
      await admin.script('FLUSH');
      const key = `after-flush-${randomBytes(4).toString('hex')}`;
      expect((await store.recordAttempt(key, 60)).count).toBe(1);
    });

    it('when the URL does not answer, then connecting rejects instead of retrying forever', async () => {
      await expect(connectRedisTokenStore('redis://127.0.0.1:1')).rejects.toThrow();
    });
  });
});

// No Redis needed: these start against a port where nothing answers.
describe('connecting the Redis token store to a closed port', () => {
  it('when nothing listens, then the rejection carries the socket error, not "Connection is closed."', async () => {
    const port = await freePort();
    const attempt = connectRedisTokenStore(`redis://:hunter2-secret@127.0.0.1:${port}`);
    await expect(attempt).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${port}`);
    await expect(attempt).rejects.not.toThrow(/hunter2-secret|Connection is closed/);
  });

  it('when the auth service opens its token store there, then the message names REDIS_URL and the cause, never the password', async () => {
    const port = await freePort();
    const config = loadAuthConfig({ REDIS_URL: `redis://default:hunter2-secret@127.0.0.1:${port}` });
    const opening = openTokenStore(config, createLogger({ name: 'test', level: 'silent' }));
    await expect(opening).rejects.toThrow(`cannot open the store configured by REDIS_URL: connect ECONNREFUSED 127.0.0.1:${port}`);
    await expect(opening).rejects.not.toThrow(/hunter2-secret/);
  });
});
