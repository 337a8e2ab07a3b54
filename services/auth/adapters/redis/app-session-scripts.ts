import { LuaScript } from './lua-script.js';

/**
 * The Redis app-session store's server-side steps (see redis-app-sessions.ts for the key layout).
 * Every step that reads and then writes is one script, so concurrent callers on any replica are
 * serialised by Redis itself, and every key a script creates gets its TTL in the same script (a
 * crash between two commands can never leave a key that lives forever). Each script touches one
 * key, or the two keys of one login session, which share the `{sid}` hash tag: one slot, so they
 * run unchanged on Redis Cluster.
 *
 * Code hash fields: record (JSON), expiresAt (epoch ms), spent (0/1), issued (JSON, once recorded),
 * replayed (1 once a replay took it).
 */

/** KEYS: code. ARGV: record JSON, expiresAt, ttlMs. */
export const saveCodeScript = new LuaScript(`
local ttl = tonumber(ARGV[3])
redis.call('DEL', KEYS[1])
if ttl <= 0 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'expiresAt', ARGV[2], 'spent', '0')
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`);

/**
 * KEYS: code. ARGV: now. The spend itself: of concurrent calls exactly one sees spent = 0; every
 * later one marks the code replayed (read by recordIssuedScript).
 * Returns false (unknown or expired), {'first', record} or {'replay', record, issued or ''}.
 */
export const takeCodeScript = new LuaScript(`
local f = redis.call('HMGET', KEYS[1], 'record', 'expiresAt', 'spent', 'issued')
if not f[1] or tonumber(f[2]) <= tonumber(ARGV[1]) then return false end
if f[3] == '1' then
  redis.call('HSET', KEYS[1], 'replayed', '1')
  return {'replay', f[1], f[4] or ''}
end
redis.call('HSET', KEYS[1], 'spent', '1')
return {'first', f[1]}
`);

/**
 * KEYS: code. ARGV: issued JSON. Only onto a code that still exists: HSET would recreate it without
 * a TTL. Returns 1 when a replay took the code before this record (the caller revokes), else 0.
 */
export const recordIssuedScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'issued', ARGV[1])
if redis.call('HGET', KEYS[1], 'replayed') == '1' then return 1 end
return 0
`);

/** KEYS: session. ARGV: userId, authTime, expiresAt, ttlMs, amr (space-separated; '' when unknown). */
export const saveSessionScript = new LuaScript(`
local ttl = tonumber(ARGV[4])
redis.call('DEL', KEYS[1])
if ttl <= 0 then return 0 end
redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'authTime', ARGV[2], 'expiresAt', ARGV[3])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'amr', ARGV[5]) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`);

/** KEYS: session families. ARGV: familyId, ttlMs. The set lives as long as its longest-lived family. */
export const addSessionFamilyScript = new LuaScript(`
local ttl = tonumber(ARGV[2])
if ttl <= 0 then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`);

/** KEYS: session, session families. Returns the families; both keys are gone afterwards. */
export const endSessionScript = new LuaScript(`
local families = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
return families
`);

/** KEYS: consent. ARGV: ttlMs, scope... Adds, never removes; each grant renews the remembrance. */
export const grantScopesScript = new LuaScript(`
redis.call('SADD', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`);
