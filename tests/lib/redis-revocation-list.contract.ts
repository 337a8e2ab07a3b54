import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisClient } from '../../lib/redis/connection.js';
import type { RedisSettings } from '../../lib/redis/env.js';
import { redisKeys } from '../../lib/revocation/redis-keys.js';
import { createRedisRevocationList } from '../../lib/revocation/redis-revocation-list.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { RedisTokenStore } from '../../services/auth/adapters/redis/redis-token-store.js';
import { pollUntil } from '../auth/contracts/poll.js';

export interface RevocationBackend {
  /** Settings with a key prefix of the suite's own. */
  settings: () => RedisSettings;
  /** Every data node's URL (for CLIENT LIST / KILL: a subscription lives on one of them). */
  dataNodeUrls: () => Promise<string[]>;
}

const newJti = () => `jti-${randomBytes(8).toString('hex')}`;
const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

/**
 * What the gateway's revocation list promises on any Redis shape: live denials within a second,
 * the snapshot on start and after a lost feed, expiry, and immunity to malformed messages.
 */
export function runRevocationListContract(name: string, backend: RevocationBackend): void {
  describe(`revocation list contract: ${name}`, () => {
    const connectionName = `test-revocations-${randomBytes(4).toString('hex')}`;
    let settings: RedisSettings;
    let admin: RedisClient;
    let tokens: RedisTokenStore;
    const lists: RevocationList[] = [];

    const openList = () => {
      const list = createRedisRevocationList({ redis: settings, connectionName });
      lists.push(list);
      return list;
    };

    beforeAll(async () => {
      settings = backend.settings();
      admin = await connectRedis(settings, 'test-admin');
      tokens = new RedisTokenStore({ redis: await connectRedis(settings, 'test-tokens'), keyPrefix: settings.keyPrefix });
    });
    afterEach(async () => {
      await Promise.all(lists.splice(0).map((list) => list.close()));
    });
    afterAll(async () => {
      await tokens.close();
      await admin.del(redisKeys(settings.keyPrefix).denylist);
      await admin.quit();
    });

    it('when the auth service denies a token, then isRevoked turns true within one second', async () => {
      const list = openList();
      await list.ready();
      const jti = newJti();
      expect(list.isRevoked(jti)).toBe(false);
      await tokens.denyAccessToken(jti, inSeconds(600));
      await pollUntil(() => list.isRevoked(jti), { timeoutMs: 1_000, intervalMs: 10, what: 'the revocation to arrive' });
    });

    it('when the auth service denies a session, then isSessionRevoked turns true within one second on the same feed, and isRevoked of that id stays false', async () => {
      const list = openList();
      await list.ready();
      const sid = newJti();
      expect(list.isSessionRevoked?.(sid)).toBe(false);
      await tokens.denySession(sid, inSeconds(600));
      await pollUntil(() => list.isSessionRevoked?.(sid) === true, { timeoutMs: 1_000, intervalMs: 10, what: 'the session revocation to arrive' });
      expect(list.isRevoked(sid)).toBe(false);
      const late = openList();
      await late.ready();
      expect(late.isSessionRevoked?.(sid)).toBe(true);
    });

    it('when tokens were denied before the list started, then the snapshot knows them once ready', async () => {
      const jti = newJti();
      await tokens.denyAccessToken(jti, inSeconds(600));
      const list = openList();
      await list.ready();
      expect(list.isRevoked(jti)).toBe(true);
      expect(list.isRevoked(newJti())).toBe(false);
    });

    it('when a revoked token reaches its exp, then isRevoked turns false', async () => {
      const list = openList();
      await list.ready();
      const jti = newJti();
      // Epoch seconds: floor(now) + 1 can be a few ms away, gone before it arrives; + 2 is at least a second.
      await tokens.denyAccessToken(jti, inSeconds(2));
      await pollUntil(() => list.isRevoked(jti), { timeoutMs: 1_000, what: 'the revocation to arrive' });
      await pollUntil(() => !list.isRevoked(jti), { timeoutMs: 4_000, what: 'the revocation to expire' });
    });

    it('when the feed connection drops, then it reloads the snapshot on reconnect and sees denials it missed', async () => {
      const list = openList();
      await list.ready();
      const missed = newJti();
      // Written without a publish: only a snapshot reload can reveal it.
      await admin.zadd(redisKeys(settings.keyPrefix).denylist, inSeconds(600), missed);
      expect(list.isRevoked(missed)).toBe(false);

      let killed = 0;
      for (const url of await backend.dataNodeUrls()) {
        const node = new Redis(url, { maxRetriesPerRequest: 0 });
        try {
          const clients = (await node.client('LIST')) as string;
          for (const line of clients.split('\n').filter((l) => l.includes(`name=${connectionName}:feed `))) {
            const id = /(?:^|\s)id=(\d+)/.exec(line)?.[1];
            if (id) killed += Number(await node.client('KILL', 'ID', id));
          }
        } finally {
          node.disconnect();
        }
      }
      expect(killed).toBe(1);

      await pollUntil(() => list.isRevoked(missed), { what: 'the snapshot reload after reconnect' });
      const later = newJti();
      await tokens.denyAccessToken(later, inSeconds(600));
      await pollUntil(() => list.isRevoked(later), { timeoutMs: 1_000, what: 'live revocations after reconnect' });
    });

    it('when a malformed message is published, then it is ignored and later ones still arrive', async () => {
      const list = openList();
      await list.ready();
      const channel = redisKeys(settings.keyPrefix).revocationsChannel;
      await admin.publish(channel, 'not json');
      await admin.publish(channel, JSON.stringify({ jti: 42, exp: 'soon' }));
      const jti = newJti();
      await tokens.denyAccessToken(jti, inSeconds(600));
      await pollUntil(() => list.isRevoked(jti), { timeoutMs: 1_000, what: 'the valid revocation' });
    });
  });
}
