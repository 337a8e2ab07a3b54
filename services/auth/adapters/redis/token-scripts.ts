import { LuaScript } from './lua-script.js';

/**
 * The Redis token store's server-side steps. Each decision that reads and then writes (rotation,
 * family revocation, counting, denial) is one script, so concurrent callers on any replica are
 * serialised by Redis itself. Every key a script writes gets a TTL in the same script.
 *
 * Refresh token hash fields: familyId subject clientId scope issuedAt expiresAt (epoch ms), jkt
 * (the DPoP key a bound family needs; absent when unbound), and
 * once rotated: spentAt successorHash sealedSuccessor. Every key a script touches is in one hash
 * slot (see lib/revocation/redis-keys.ts), so they run unchanged on Redis Cluster: the refresh
 * scripts touch one family's keys (tag `{familyId}`); a rotation's grace check derives the earlier
 * successor's key from `tokenPrefix`, which carries the same tag. Pure reads that decide nothing
 * (the store's findRefreshFamily: HMGET of the token hash) need no script.
 */

/** KEYS: token, family. ARGV: familyId subject clientId scope issuedAt expiresAt ttlMs jkt ('' when unbound). */
export const issueScript = new LuaScript(`
local ttl = tonumber(ARGV[7])
if ttl <= 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'familyId', ARGV[1], 'subject', ARGV[2], 'clientId', ARGV[3],
  'scope', ARGV[4], 'issuedAt', ARGV[5], 'expiresAt', ARGV[6])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'jkt', ARGV[8]) end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('HSETNX', KEYS[2], 'revoked', '0')
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`);

const READ_RECORD = `
local rec = redis.call('HGETALL', KEYS[1])
local f = {}
for i = 1, #rec, 2 do f[rec[i]] = rec[i + 1] end
`;

/**
 * KEYS: presented token, family, successor token. ARGV: now graceMs successorHash
 * successorIssuedAt successorExpiresAt sealedSuccessor tokenPrefix (the family's).
 * Returns {outcome, sealedSuccessor or '', familyId, subject, clientId, scope, issuedAt, expiresAt,
 * jkt or ''} or {'invalid'}.
 */
export const rotateScript = new LuaScript(`
local now = tonumber(ARGV[1])
${READ_RECORD}
if not f.expiresAt or tonumber(f.expiresAt) <= now then return {'invalid'} end
local famKey = KEYS[2]
if redis.call('HGET', famKey, 'revoked') ~= '0' then return {'invalid'} end
local fields = {f.familyId, f.subject, f.clientId, f.scope, f.issuedAt, f.expiresAt, f.jkt or ''}

if not f.spentAt then
  redis.call('HSET', KEYS[1], 'spentAt', ARGV[1], 'successorHash', ARGV[3], 'sealedSuccessor', ARGV[6])
  local ttl = tonumber(ARGV[5]) - now
  if ttl > 0 then
    local succKey = KEYS[3]
    redis.call('DEL', succKey)
    redis.call('HSET', succKey, 'familyId', f.familyId, 'subject', f.subject, 'clientId', f.clientId,
      'scope', f.scope, 'issuedAt', ARGV[4], 'expiresAt', ARGV[5])
    if f.jkt then redis.call('HSET', succKey, 'jkt', f.jkt) end
    redis.call('PEXPIRE', succKey, ttl)
    if redis.call('PTTL', famKey) < ttl then redis.call('PEXPIRE', famKey, ttl) end
  end
  return {'rotated', '', unpack(fields)}
end

if now - tonumber(f.spentAt) < tonumber(ARGV[2]) then
  local s = redis.call('HMGET', ARGV[7] .. f.successorHash, 'expiresAt', 'spentAt')
  if s[1] and not s[2] and tonumber(s[1]) > now then
    return {'grace', f.sealedSuccessor, unpack(fields)}
  end
end
redis.call('HSET', famKey, 'revoked', '1')
return {'reused', '', unpack(fields)}
`);

/**
 * KEYS: token, family. ARGV: now.
 * Returns {familyId, subject, clientId, scope, issuedAt, expiresAt, jkt or ''} when active, else nil.
 */
export const findActiveScript = new LuaScript(`
local now = tonumber(ARGV[1])
${READ_RECORD}
if not f.expiresAt or f.spentAt or tonumber(f.expiresAt) <= now then return false end
if redis.call('HGET', KEYS[2], 'revoked') ~= '0' then return false end
return {f.familyId, f.subject, f.clientId, f.scope, f.issuedAt, f.expiresAt, f.jkt or ''}
`);

/** KEYS: family. Marks it revoked, keeping its TTL; an unknown family stays unknown. */
export const revokeFamilyScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'revoked', '1') end
return 1
`);

/**
 * KEYS: denylist sorted set. ARGV: jti exp nowSeconds channel message.
 * A later exp always wins (ZADD GT), so a duplicate never shortens a denial. The set is pruned of
 * past entries and lives until its latest member expires.
 */
export const denyScript = new LuaScript(`
local exp = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if exp <= now then return 0 end
redis.call('ZADD', KEYS[1], 'GT', exp, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIREAT', KEYS[1], exp)
else
  redis.call('EXPIREAT', KEYS[1], exp, 'GT')
end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`);

/** KEYS: counter. Takes one attempt back, keeping the window's TTL; a last one removes the key. */
export const releaseAttemptScript = new LuaScript(`
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 1 then
  redis.call('DECR', KEYS[1])
elseif count == 1 then
  redis.call('DEL', KEYS[1])
end
return 0
`);

/** KEYS: counter. ARGV: windowMs. Returns {count, pttl}; the window starts at the first attempt. */
export const recordAttemptScript = new LuaScript(`
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {count, ttl}
`);
