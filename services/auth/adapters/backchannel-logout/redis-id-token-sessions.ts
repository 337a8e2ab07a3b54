import type { Logger } from '../../../../lib/logger.js';
import { closeRedis, connectRedis, type RedisClient } from '../../../../lib/redis/connection.js';
import type { RedisSettings } from '../../../../lib/redis/env.js';
import { unlessRedisUnavailable } from '../../../../lib/redis/unavailable.js';
import { DEFAULT_REDIS_KEY_PREFIX } from '../../../../lib/revocation/redis-keys.js';
import type { IdTokenSessions, SessionParticipant } from '../../domain/backchannel-logout/id-token-sessions.js';
import { LuaScript } from '../redis/lua-script.js';

/** `${prefix}idts:<sid>`: a hash, client id -> JSON `{sub, expiresAt}`, expiring with its latest entry. */
export const idTokenSessionKey = (prefix: string, sid: string) => `${prefix}idts:${sid}`;

/**
 * Sets the app's entry (keeping the later expiry when it is there already) and moves the key's
 * expiry later, never earlier, in one step. ARGV: client id, sub, expiresAt (epoch ms), ttl (ms).
 */
const recordScript = new LuaScript(`
local expiresAt = tonumber(ARGV[3])
local previous = redis.call('HGET', KEYS[1], ARGV[1])
if previous then
  local kept = cjson.decode(previous).expiresAt
  if kept > expiresAt then expiresAt = kept end
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ sub = ARGV[2], expiresAt = expiresAt }))
local ttl = redis.call('PTTL', KEYS[1])
local wanted = tonumber(ARGV[4])
if ttl < 0 or ttl < wanted then redis.call('PEXPIRE', KEYS[1], wanted) end
return 1
`);

/** Moves every entry's expiry (and the key's) to ARGV[1] (epoch ms) at least; ARGV[2] is that as a ttl (ms). */
const extendScript = new LuaScript(`
local entries = redis.call('HGETALL', KEYS[1])
if #entries == 0 then return 0 end
local expiresAt = tonumber(ARGV[1])
for i = 1, #entries, 2 do
  local entry = cjson.decode(entries[i + 1])
  if entry.expiresAt < expiresAt then
    entry.expiresAt = expiresAt
    redis.call('HSET', KEYS[1], entries[i], cjson.encode(entry))
  end
end
local ttl = redis.call('PTTL', KEYS[1])
local wanted = tonumber(ARGV[2])
if ttl >= 0 and ttl < wanted then redis.call('PEXPIRE', KEYS[1], wanted) end
return 1
`);

export interface RedisIdTokenSessionsOptions {
  redis: RedisClient;
  keyPrefix?: string;
  /** False when the connection is shared: `close()` then leaves it open. Default true. */
  ownsConnection?: boolean;
}

/** Participants in Redis, shared by every auth replica. */
export class RedisIdTokenSessions implements IdTokenSessions {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly ownsConnection: boolean;

  constructor({ redis, keyPrefix = DEFAULT_REDIS_KEY_PREFIX, ownsConnection = true }: RedisIdTokenSessionsOptions) {
    this.redis = redis;
    this.prefix = keyPrefix;
    this.ownsConnection = ownsConnection;
  }

  async record(sid: string, { clientId, sub }: SessionParticipant, expiresAt: number): Promise<void> {
    const ttlMs = Math.max(1, Math.ceil(expiresAt - Date.now()));
    await unlessRedisUnavailable(() => recordScript.run(this.redis, [idTokenSessionKey(this.prefix, sid)], [clientId, sub, expiresAt, ttlMs]));
  }

  async participants(sid: string, now: number): Promise<SessionParticipant[]> {
    const entries = await unlessRedisUnavailable(() => this.redis.hgetall(idTokenSessionKey(this.prefix, sid)));
    const live: SessionParticipant[] = [];
    for (const [clientId, value] of Object.entries(entries)) {
      const { sub, expiresAt } = JSON.parse(value) as { sub: string; expiresAt: number };
      if (expiresAt > now) live.push({ clientId, sub });
    }
    return live;
  }

  async extend(sid: string, expiresAt: number): Promise<void> {
    const ttlMs = Math.max(1, Math.ceil(expiresAt - Date.now()));
    await unlessRedisUnavailable(() => extendScript.run(this.redis, [idTokenSessionKey(this.prefix, sid)], [expiresAt, ttlMs]));
  }

  async forget(sid: string): Promise<void> {
    await unlessRedisUnavailable(() => this.redis.del(idTokenSessionKey(this.prefix, sid)));
  }

  async ping(): Promise<void> {
    await unlessRedisUnavailable(() => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await closeRedis(this.redis);
  }
}

/** Connects (single server, Sentinel or Cluster) and returns a store that owns the connection. */
export async function connectRedisIdTokenSessions(settings: RedisSettings, options: { logger?: Pick<Logger, 'warn'> } = {}): Promise<RedisIdTokenSessions> {
  const redis = await connectRedis(settings, 'authgate-auth-idts', options.logger);
  return new RedisIdTokenSessions({ redis, keyPrefix: settings.keyPrefix });
}
