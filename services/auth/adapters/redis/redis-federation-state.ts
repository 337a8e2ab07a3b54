import type { Logger } from '../../../../lib/logger.js';
import { closeRedis, connectRedis, type RedisClient } from '../../../../lib/redis/connection.js';
import type { RedisSettings } from '../../../../lib/redis/env.js';
import { unlessRedisUnavailable } from '../../../../lib/redis/unavailable.js';
import { DEFAULT_REDIS_KEY_PREFIX } from '../../../../lib/revocation/redis-keys.js';
import type { FederationStateStore, PendingSignIn, UpstreamSessionKey } from '../../domain/federation/federation-state.js';
import { indexesOf, queriedIndex } from '../memory/memory-federation-state.js';

/**
 * Federated sign-in state shared by every auth replica, under REDIS_KEY_PREFIX: a pending sign-in
 * is taken with GETDEL (one replica gets it), a logout token's `jti` claimed with SET NX, and the
 * local sessions of an upstream session kept in a set read and deleted in one MULTI.
 */
export class RedisFederationStateStore implements FederationStateStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix = DEFAULT_REDIS_KEY_PREFIX,
  ) {
    this.prefix = `${keyPrefix}fed:`;
  }

  private pendingKey = (state: string) => `${this.prefix}pending:${state}`;
  private upstreamKey = (index: string) => `${this.prefix}upstream:${encodeURIComponent(index)}`;
  private seenKey = (key: string) => `${this.prefix}seen:${encodeURIComponent(key)}`;

  async savePending(state: string, pending: PendingSignIn): Promise<void> {
    await this.redis.set(this.pendingKey(state), JSON.stringify(pending), 'PXAT', pending.expiresAt);
  }

  async takePending(state: string, now: number): Promise<PendingSignIn | null> {
    const json = await this.redis.getdel(this.pendingKey(state));
    if (!json) return null;
    const pending = JSON.parse(json) as PendingSignIn;
    return pending.expiresAt > now ? pending : null;
  }

  async rememberUpstreamSession(key: UpstreamSessionKey, localSid: string, expiresAt: number): Promise<void> {
    for (const index of indexesOf(key)) {
      const redisKey = this.upstreamKey(index);
      // GT: a later session of the same upstream session keeps the set for its own lifetime.
      await this.redis.multi().sadd(redisKey, localSid).pexpireat(redisKey, expiresAt, 'GT').pexpireat(redisKey, expiresAt, 'NX').exec();
    }
  }

  async takeUpstreamSessions(query: { providerId: string; sid?: string; subject?: string }): Promise<string[]> {
    const redisKey = this.upstreamKey(queriedIndex(query));
    const replies = await this.redis.multi().smembers(redisKey).del(redisKey).exec();
    const [error, members] = replies?.[0] ?? [new Error('no reply from Redis'), null];
    if (error) throw error;
    return (members as string[]).map(String);
  }

  async firstSight(key: string, expiresAt: number, now: number): Promise<boolean> {
    if (expiresAt <= now) return false;
    return (await this.redis.set(this.seenKey(key), '1', 'PXAT', expiresAt, 'NX')) === 'OK';
  }

  async ping(): Promise<void> {
    await unlessRedisUnavailable(() => this.redis.ping());
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}

export async function connectRedisFederationStateStore(settings: RedisSettings, options: { logger?: Pick<Logger, 'warn'> } = {}): Promise<FederationStateStore> {
  const redis = await connectRedis(settings, 'authgate-auth-federation', options.logger);
  return new RedisFederationStateStore(redis, settings.keyPrefix);
}
