import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { openEmbeddedIdTokenSessions } from '../../../services/auth/adapters/backchannel-logout/embedded-id-token-sessions.js';
import { MemoryIdTokenSessions } from '../../../services/auth/adapters/backchannel-logout/memory-id-token-sessions.js';
import { RedisIdTokenSessions } from '../../../services/auth/adapters/backchannel-logout/redis-id-token-sessions.js';
import { connectMongoIdTokenSessions } from '../../../services/auth/adapters/backchannel-logout/mongo-id-token-sessions.js';
import { HAS_MONGO, openMongoReplicas } from '../../support/mongo.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { runIdTokenSessionsContract } from '../contracts/id-token-sessions.contract.js';
import { removeDir, tempDir } from '../support/audit-capture.js';
import { deleteKeysWithPrefix, useRedisAdmin } from './redis-test-fixture.js';

runIdTokenSessionsContract('memory', async () => ({ store: new MemoryIdTokenSessions(), cleanup: async () => {} }));

runIdTokenSessionsContract('embedded', async () => {
  const dir = await tempDir('id-token-sessions');
  let store = await openEmbeddedIdTokenSessions(dir);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await openEmbeddedIdTokenSessions(dir);
      return store;
    },
    cleanup: async () => {
      await store.close();
      await removeDir(dir);
    },
  };
});

describe.runIf(HAS_REDIS)('RedisIdTokenSessions', () => {
  const prefix = uniqueRedisPrefix('id-token-sessions');
  let admin: Redis;
  useRedisAdmin(TEST_REDIS_URL, prefix, (connection) => (admin = connection));
  runIdTokenSessionsContract('redis', async () => {
    const own = `${prefix}${Math.random().toString(36).slice(2, 8)}:`;
    const open = () => new RedisIdTokenSessions({ redis: new Redis(TEST_REDIS_URL), keyPrefix: own });
    let store = open();
    return {
      store,
      reopen: async () => {
        await store.close();
        store = open();
        return store;
      },
      cleanup: async () => {
        await store.close();
        await deleteKeysWithPrefix(admin, own);
      },
    };
  });
});

describe.runIf(HAS_MONGO)('MongoIdTokenSessions', () => {
  runIdTokenSessionsContract('mongo (mongoose)', () => openMongoReplicas(connectMongoIdTokenSessions));
});
