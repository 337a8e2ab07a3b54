import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../lib/errors.js';
import { connectRedis } from '../../../lib/redis/connection.js';
import { NO_REPLICA_ACK, redisSettingsForUrl, type RedisSettings } from '../../../lib/redis/env.js';
import { createLogger } from '../../../lib/logger.js';
import {
  appSessionKeys,
  CONSENT_TTL_MS,
  connectRedisAppSessionStore,
  RedisAppSessionStore,
} from '../../../services/auth/adapters/redis/redis-app-sessions.js';
import { MemoryAppSessionStore } from '../../../services/auth/adapters/memory/memory-app-sessions.js';
import { loadAuthConfig } from '../../../services/auth/config.js';
import { openAppSessionStore } from '../../../services/auth/stores.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { HAS_REDIS_SERVER, startRedisCluster, startStandaloneRedis, type RedisCluster } from '../../support/redis-servers.js';
import { runAppSessionStoreContract } from '../contracts/app-sessions.contract.js';
import { useRedisAdmin, useRedisStoreUnderPrefix, deleteKeysWithPrefix, keysWithPrefix } from './redis-test-fixture.js';

const HOUR = 3_600_000;
const silent = createLogger({ name: 'test', level: 'silent' });

describe.runIf(HAS_REDIS)('RedisAppSessionStore on one server', () => {
  const prefix = uniqueRedisPrefix('redis-app-sessions');
  let admin: Redis;
  useRedisAdmin(TEST_REDIS_URL, prefix, (connection) => (admin = connection));

  runAppSessionStoreContract('redis', async () => {
    // Two connections: what two auth replicas have.
    const store = new RedisAppSessionStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix: prefix });
    const replica = new RedisAppSessionStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix: prefix });
    return {
      store,
      replica,
      cleanup: async () => {
        await Promise.all([store.close(), replica.close()]);
        await deleteKeysWithPrefix(admin, prefix);
      },
    };
  });

  describe('Redis specifics', () => {
    const ownPrefix = uniqueRedisPrefix('redis-app-sessions-specifics');
    const keys = appSessionKeys(ownPrefix);
    let store: RedisAppSessionStore;
    useRedisStoreUnderPrefix(ownPrefix, () => admin, (prefix) => connectRedisAppSessionStore(redisSettingsForUrl(TEST_REDIS_URL, prefix)), (connected) => (store = connected));

    it('when every kind of entry is written, then every key carries a TTL no longer than its lifetime', async () => {
      const now = Date.now();
      const sid = randomUUID();
      await store.saveCode('code-1', {
        clientId: 'c', redirectUri: 'https://a.example/cb', codeChallenge: 'x', userId: 'u', scope: 'openid', sid, authTime: now, expiresAt: now + 60_000,
      });
      await store.takeCode('code-1', now);
      await store.recordIssued('code-1', { familyId: 'f1', accessTokenJti: 'j', accessTokenExp: Math.floor(now / 1000) + 900 });
      await store.saveSession({ sid, userId: 'u', authTime: now, expiresAt: now + 8 * HOUR });
      await store.addSessionFamily(sid, 'f1', now + 8 * HOUR);
      await store.addSessionFamily(sid, 'f2', now + HOUR);
      await store.grantScopes('u', 'c', ['openid']);

      const written = await keysWithPrefix(admin, ownPrefix);
      expect(written.sort()).toEqual([keys.code('code-1'), keys.session(sid), keys.sessionFamilies(sid), keys.consent('u', 'c')].sort());
      const ttl = async (key: string) => admin.pttl(key);
      expect(await ttl(keys.code('code-1'))).toBeGreaterThan(0);
      expect(await ttl(keys.code('code-1'))).toBeLessThanOrEqual(60_000);
      expect(await ttl(keys.session(sid))).toBeGreaterThan(7 * HOUR);
      expect(await ttl(keys.session(sid))).toBeLessThanOrEqual(8 * HOUR);
      // The families set lives as long as its longest family: a shorter one does not shorten it.
      expect(await ttl(keys.sessionFamilies(sid))).toBeGreaterThan(7 * HOUR);
      expect(await ttl(keys.consent('u', 'c'))).toBeGreaterThan(CONSENT_TTL_MS - HOUR);
    });

    it('when a code or session is saved with its deadline already past, then nothing is written', async () => {
      const now = Date.now();
      const sid = randomUUID();
      await store.saveCode('code-past', {
        clientId: 'c', redirectUri: 'https://a.example/cb', codeChallenge: 'x', userId: 'u', scope: 'openid', sid, authTime: now, expiresAt: now - 1,
      });
      await store.saveSession({ sid, userId: 'u', authTime: now, expiresAt: now - 1 });
      await store.addSessionFamily(sid, 'f', now - 1);
      expect(await admin.exists(keys.code('code-past'), keys.session(sid), keys.sessionFamilies(sid))).toBe(0);
    });

    it('when the server forgot the scripts, then the store loads them again', async () => {
      await admin.script('FLUSH');
      const user = `after-flush-${randomBytes(4).toString('hex')}`;
      await store.grantScopes(user, 'c', ['openid']);
      expect(await store.grantedScopes(user, 'c')).toEqual(['openid']);
    });
  });

  describe('the composition root', () => {
    it('when Redis is configured, then auth keeps app sessions in Redis under REDIS_KEY_PREFIX; else in memory', async () => {
      const ownPrefix = uniqueRedisPrefix('redis-app-sessions-root');
      const redisConfig = loadAuthConfig({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: ownPrefix });
      const opened = await openAppSessionStore(redisConfig, silent, Date.now);
      try {
        expect(opened.kind).toBe('redis standalone');
        expect(opened.store).toBeInstanceOf(RedisAppSessionStore);
        await opened.store.grantScopes('u', 'c', ['openid']);
        expect(await admin.smembers(appSessionKeys(ownPrefix).consent('u', 'c'))).toEqual(['openid']);
      } finally {
        await opened.store.close();
        await deleteKeysWithPrefix(admin, ownPrefix);
      }
      const memory = await openAppSessionStore(loadAuthConfig({}), silent, Date.now);
      expect(memory).toMatchObject({ kind: 'memory' });
      expect(memory.store).toBeInstanceOf(MemoryAppSessionStore);
    });
  });
});

describe.runIf(HAS_REDIS_SERVER)('RedisAppSessionStore when Redis is down', () => {
  it('when the server is stopped, then every method fails within about a second with the 503 REDIS_UNAVAILABLE', async () => {
    const redis = await startStandaloneRedis();
    try {
      const store = await connectRedisAppSessionStore(redisSettingsForUrl(redis.url, 'down:'));
      await redis.server.stop();
      const now = Date.now();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['saveCode', () => store.saveCode('h', { clientId: 'c', redirectUri: 'https://a.example/cb', codeChallenge: 'x', userId: 'u', scope: 'openid', sid: 's', authTime: now, expiresAt: now + 60_000 })],
        ['takeCode', () => store.takeCode('h', now)],
        ['recordIssued', () => store.recordIssued('h', { familyId: 'f', accessTokenJti: 'j', accessTokenExp: 1 })],
        ['saveSession', () => store.saveSession({ sid: 's', userId: 'u', authTime: now, expiresAt: now + HOUR })],
        ['findSession', () => store.findSession('s', now)],
        ['addSessionFamily', () => store.addSessionFamily('s', 'f', now + HOUR)],
        ['endSession', () => store.endSession('s')],
        ['grantedScopes', () => store.grantedScopes('u', 'c')],
        ['grantScopes', () => store.grantScopes('u', 'c', ['openid'])],
        ['ping', () => store.ping()],
      ];
      for (const [name, call] of calls) {
        const started = performance.now();
        const error = await call().then(() => undefined, (err: unknown) => err);
        const elapsed = performance.now() - started;
        expect({ name, code: isAppError(error) ? error.code : String(error), status: isAppError(error) ? error.status : 0 }).toEqual({
          name,
          code: 'REDIS_UNAVAILABLE',
          status: 503,
        });
        expect(elapsed, `${name} took ${Math.round(elapsed)} ms`).toBeLessThan(1_500);
      }
      await store.close();
    } finally {
      await redis.stop();
    }
  }, 30_000);
});

describe.runIf(HAS_REDIS_SERVER)('RedisAppSessionStore on Redis Cluster, 3 masters', () => {
  let cluster: RedisCluster;
  const settings = (label: string): RedisSettings => ({
    target: { mode: 'cluster', nodes: cluster.nodes },
    keyPrefix: `test:${label}:${randomBytes(4).toString('hex')}:`,
    replicaAck: NO_REPLICA_ACK,
  });

  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  // The servers are thrown away after the file; nothing to delete key by key.
  runAppSessionStoreContract('redis cluster', async () => {
    const shared = settings('cluster-app-sessions');
    const open = async () => new RedisAppSessionStore({ redis: await connectRedis(shared, 'test-app-sessions'), keyPrefix: shared.keyPrefix });
    const [store, replica] = [await open(), await open()];
    return { store, replica, cleanup: async () => void (await Promise.all([store.close(), replica.close()])) };
  });

  it("when a session's keys are named, then they share one hash slot while sessions spread over slots", async () => {
    const keys = appSessionKeys('p:');
    const slotOf = (key: string) => cluster.masters[0]!.command((r) => r.cluster('KEYSLOT', key)) as Promise<number>;
    const sid = randomUUID();
    expect(await slotOf(keys.session(sid))).toBe(await slotOf(keys.sessionFamilies(sid)));
    const slots = await Promise.all(Array.from({ length: 10 }, () => slotOf(keys.session(randomUUID()))));
    expect(new Set(slots).size).toBeGreaterThan(1);
  });
});
