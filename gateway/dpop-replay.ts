import type { Logger } from '../lib/logger.js';
import { connectRedis, type RedisClient } from '../lib/redis/connection.js';
import type { RedisSettings } from '../lib/redis/env.js';
import { createRedisReplayCache } from '../lib/redis/dpop-replay-cache.js';
import { createMemoryReplayCache, type DpopReplayCache } from '../lib/verifier/index.js';

export interface OpenDpopReplayCache {
  cache: DpopReplayCache;
  /** The gateway's Redis command connection, also carrying the rate limits' reports; undefined without Redis. */
  redis?: RedisClient | undefined;
  close(): Promise<void>;
}

/**
 * The gateway's DPoP proof `jti` cache (RFC 9449 §11.1): with Redis (REDIS_URL, Sentinel or
 * Cluster) one SET NX per proof on a connection of its own, shared by every replica; without it,
 * this process's memory (one replica only: a proof replayed at another replica would pass there).
 */
export async function openDpopReplayCache(config: { redis?: RedisSettings | undefined }, logger: Logger, now?: () => number): Promise<OpenDpopReplayCache> {
  if (config.redis === undefined) return { cache: createMemoryReplayCache(now ? { now } : {}), close: async () => {} };
  const redis = await connectRedis(config.redis, 'authgate-gateway-dpop', logger);
  return {
    redis,
    cache: createRedisReplayCache(redis, config.redis.keyPrefix, now),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
