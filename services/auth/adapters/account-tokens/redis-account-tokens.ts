import type { Logger } from '../../../../lib/logger.js';
import { closeRedis, connectRedis, type RedisClient } from '../../../../lib/redis/connection.js';
import type { RedisSettings } from '../../../../lib/redis/env.js';
import { unlessRedisUnavailable } from '../../../../lib/redis/unavailable.js';
import { DEFAULT_REDIS_KEY_PREFIX } from '../../../../lib/revocation/redis-keys.js';
import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenStore } from '../../domain/accounts/account-token-store.js';
import { LuaScript } from '../redis/lua-script.js';

/** `${prefix}acct:<hex sha-256>`: one string key per token, JSON of its record, expiring with it. */
export const accountTokenKey = (prefix: string, tokenHash: string) => `${prefix}acct:${tokenHash}`;

/**
 * Takes the record only when it is for ARGV[1]: a token of one purpose presented for another is
 * refused and stays spendable for its own. GET and DEL in one script, so one caller wins.
 */
const consumeScript = new LuaScript(`
local value = redis.call('GET', KEYS[1])
if not value then return false end
local record = cjson.decode(value)
if record.purpose ~= ARGV[1] then return false end
redis.call('DEL', KEYS[1])
return value
`);

export interface RedisAccountTokenOptions {
  redis: RedisClient;
  keyPrefix?: string;
  /** False when the connection is shared: `close()` then leaves it open. Default true. */
  ownsConnection?: boolean;
}

/** Account tokens in Redis, shared by every replica; a key expires with its token. */
export class RedisAccountTokenStore implements AccountTokenStore {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly ownsConnection: boolean;

  constructor({ redis, keyPrefix = DEFAULT_REDIS_KEY_PREFIX, ownsConnection = true }: RedisAccountTokenOptions) {
    this.redis = redis;
    this.prefix = keyPrefix;
    this.ownsConnection = ownsConnection;
  }

  async save(tokenHash: string, record: AccountTokenRecord): Promise<void> {
    const ttlMs = Math.max(1, Math.ceil(record.expiresAt - Date.now()));
    const value = JSON.stringify({ purpose: record.purpose, userId: record.userId, binding: record.binding, expiresAt: record.expiresAt });
    // No replica acknowledgement: a link lost in a failover only means asking for a new mail.
    await unlessRedisUnavailable(() => this.redis.set(accountTokenKey(this.prefix, tokenHash), value, 'PX', ttlMs));
  }

  async consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<AccountTokenRecord | null> {
    if (typeof tokenHash !== 'string') return null;
    const reply = await unlessRedisUnavailable(() => consumeScript.run(this.redis, [accountTokenKey(this.prefix, tokenHash)], [purpose]));
    if (typeof reply !== 'string') return null;
    const record = JSON.parse(reply) as AccountTokenRecord;
    return record.expiresAt > now ? record : null;
  }

  async ping(): Promise<void> {
    await unlessRedisUnavailable(() => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await closeRedis(this.redis);
  }
}

/** Connects (single server, Sentinel or Cluster) and returns a store that owns the connection. */
export async function connectRedisAccountTokenStore(settings: RedisSettings, options: { logger?: Pick<Logger, 'warn'> } = {}): Promise<RedisAccountTokenStore> {
  const redis = await connectRedis(settings, 'authgate-auth-account-tokens', options.logger);
  return new RedisAccountTokenStore({ redis, keyPrefix: settings.keyPrefix });
}
