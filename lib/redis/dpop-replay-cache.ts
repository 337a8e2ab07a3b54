import type { RedisClient } from './connection.js';
import { unlessRedisUnavailable } from './unavailable.js';

/**
 * What the DPoP proof verifier asks of a replay cache (lib/verifier's DpopReplayCache), spelled
 * out here so lib/redis stays below the verifier: the verifier core never loads ioredis.
 */
export interface RedisReplayCache {
  claimOnce(key: string, expiresAtSeconds: number): Promise<boolean>;
}

/**
 * The replay cache every replica shares: one `SET key 1 PX ttl NX` per proof, so of two replicas
 * seeing the same proof exactly one accepts it. Redis away is 503 (REDIS_UNAVAILABLE): a proof
 * whose uniqueness cannot be checked is not accepted.
 */
export function createRedisReplayCache(redis: RedisClient, keyPrefix: string, now: () => number = Date.now): RedisReplayCache {
  return {
    async claimOnce(key, expiresAtSeconds) {
      const ttlMs = Math.max(1, Math.ceil(expiresAtSeconds * 1000 - now()));
      const reply = await unlessRedisUnavailable(() => redis.set(`${keyPrefix}${key}`, '1', 'PX', ttlMs, 'NX'));
      return reply === 'OK';
    },
  };
}
