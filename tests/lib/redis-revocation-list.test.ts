import { afterEach, describe, expect, it } from 'vitest';
import { redisSettingsForUrl } from '../../lib/redis/env.js';
import { createRedisRevocationList } from '../../lib/revocation/redis-revocation-list.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../support/redis.js';
import { runRevocationListContract } from './redis-revocation-list.contract.js';

describe.runIf(HAS_REDIS)('createRedisRevocationList on the shared Redis', () => {
  runRevocationListContract('single server', {
    settings: () => redisSettingsForUrl(TEST_REDIS_URL, uniqueRedisPrefix('revocation-list')),
    dataNodeUrls: async () => [TEST_REDIS_URL],
  });
});

describe('createRedisRevocationList without a Redis', () => {
  const lists: RevocationList[] = [];
  afterEach(async () => {
    await Promise.all(lists.splice(0).map((list) => list.close()));
  });

  it('when Redis does not answer, then ready rejects', async () => {
    const list = createRedisRevocationList({ url: 'redis://127.0.0.1:1' });
    lists.push(list);
    await expect(list.ready()).rejects.toThrow();
  });

  it('when Redis refuses the connection, then ready rejects with the cause and without the password', async () => {
    const list = createRedisRevocationList({ url: 'redis://:hunter2-secret@127.0.0.1:1' });
    lists.push(list);
    await expect(list.ready()).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:1');
    await expect(list.ready()).rejects.not.toThrow(/hunter2-secret|Connection is closed/);
  });
});
