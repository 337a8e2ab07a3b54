import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { outboxKeys, RedisOutbox } from '../../../services/auth/adapters/mail/redis-outbox.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { runOutboxContract, testMail } from '../contracts/outbox.contract.js';
import { deleteKeysWithPrefix, keysWithPrefix, useRedisAdmin } from './redis-test-fixture.js';

describe.runIf(HAS_REDIS)('RedisOutbox on one server', () => {
  const prefix = uniqueRedisPrefix('redis-outbox');
  let admin: Redis;
  useRedisAdmin(TEST_REDIS_URL, prefix, (connection) => (admin = connection));

  runOutboxContract('redis', async () => {
    // A prefix per test: each test sees only its own mails, as the contract expects.
    const own = `${prefix}${Math.random().toString(36).slice(2, 8)}:`;
    const open = () => new RedisOutbox({ redis: new Redis(TEST_REDIS_URL), keyPrefix: own });
    let outbox = open();
    const replica = open();
    return {
      outbox,
      replica,
      reopen: async () => {
        await outbox.close();
        outbox = open();
        return outbox;
      },
      cleanup: async () => {
        await Promise.all([outbox.close(), replica.close()]);
        await deleteKeysWithPrefix(admin, own);
      },
    };
  });

  it('when mails are queued and given up, then every key is under the prefix in the {mail} slot, and a dead letter expires', async () => {
    const own = `${prefix}keys:`;
    const outbox = new RedisOutbox({ redis: new Redis(TEST_REDIS_URL), keyPrefix: own });
    try {
      const now = Date.now();
      const ids = [await outbox.enqueue(testMail(), now), await outbox.enqueue(testMail(), now)];
      const [claimed] = await outbox.claim(now, 60_000, 1);
      const waiting = ids.find((id) => id !== claimed!.id)!;
      await outbox.giveUp(claimed!.id, claimed!.lease, 3, 'ECONNECTION: refused', now);
      const keys = await keysWithPrefix(admin, own);
      for (const key of keys) expect(key.startsWith(`${own}{mail}:`), key).toBe(true);
      const slots = new Set(await Promise.all(keys.map((key) => admin.cluster('KEYSLOT', key).catch(() => 'no cluster'))));
      expect(slots.size).toBe(1);
      expect(await admin.pttl(outboxKeys(own).mail(claimed!.id))).toBeGreaterThan(0);
      // A queued mail never expires; only dead letters do.
      expect(await admin.pttl(outboxKeys(own).mail(waiting))).toBe(-1);
    } finally {
      await outbox.close();
      await deleteKeysWithPrefix(admin, own);
    }
  });
});
