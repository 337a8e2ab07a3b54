import { LuaScript } from './lua-script.js';

/**
 * The Redis token store's server-side steps. Each decision that reads and then writes (rotation,
 * family revocation, counting, denial) is one script, so concurrent callers on any replica are
 * serialised by Redis itself. Every key a script writes gets a TTL in the same script.
 *
 * One hash per refresh family (`rf:{familyId}`), however often it rotates: familyId subject
 * clientId scope, jkt (the DPoP key a bound family needs; absent when unbound), auth (how the
 * login proved the user, domain/mfa/authentication.ts's compact form; absent on client-only
 * families), revoked (0/1),
 * expiresAt (of the family's latest token; the key's TTL follows it), the active token
 * (currentHash currentIssuedAt currentExpiresAt) and, once rotated, the token it replaced
 * (previousHash previousIssuedAt previousExpiresAt spentAt sealedSuccessor) for the grace retry,
 * and the session's metadata for its owner's list: createdAt (the login), lastUsedAt (the last
 * rotation), userAgent and ip (of the login, bounded by the domain; never a token).
 * Any other token naming the family is an earlier one: reuse. Each refresh script touches that one
 * key, so it runs unchanged on Redis Cluster. Pure reads that decide nothing (the store's
 * findRefreshFamily: HMGET) need no script. Epoch milliseconds throughout.
 */

/** KEYS: family. ARGV: familyId subject clientId scope issuedAt expiresAt ttlMs jkt ('' when unbound) tokenHash userAgent ip auth ('' when none). */
export const issueScript = new LuaScript(`
local ttl = tonumber(ARGV[7])
if ttl <= 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'familyId', ARGV[1], 'subject', ARGV[2], 'clientId', ARGV[3], 'scope', ARGV[4],
  'revoked', '0', 'expiresAt', ARGV[6], 'currentHash', ARGV[9], 'currentIssuedAt', ARGV[5], 'currentExpiresAt', ARGV[6],
  'createdAt', ARGV[5], 'lastUsedAt', ARGV[5], 'userAgent', ARGV[10], 'ip', ARGV[11])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'jkt', ARGV[8]) end
if ARGV[12] ~= '' then redis.call('HSET', KEYS[1], 'auth', ARGV[12]) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`);

/** Reads the family hash into `f`; `live` is false for an unknown, expired or revoked family. */
const READ_FAMILY = `
local rec = redis.call('HGETALL', KEYS[1])
local f = {}
for i = 1, #rec, 2 do f[rec[i]] = rec[i + 1] end
local live = f.currentHash ~= nil and f.expiresAt ~= nil and tonumber(f.expiresAt) > now and f.revoked == '0'
`;

/**
 * KEYS: family. ARGV: now graceMs presentedHash successorHash successorIssuedAt successorExpiresAt
 * sealedSuccessor. Returns {outcome, sealedSuccessor or '', familyId, subject, clientId, scope,
 * issuedAt, expiresAt, jkt or '', auth or ''} (issuedAt and expiresAt of the presented token; '' when reused)
 * or {'invalid'}.
 */
export const rotateScript = new LuaScript(`
local now = tonumber(ARGV[1])
${READ_FAMILY}
if not live then return {'invalid'} end
local jkt = f.jkt or ''

if ARGV[3] == f.currentHash then
  if tonumber(f.currentExpiresAt) <= now then return {'invalid'} end
  redis.call('HSET', KEYS[1], 'previousHash', f.currentHash, 'previousIssuedAt', f.currentIssuedAt,
    'previousExpiresAt', f.currentExpiresAt, 'spentAt', ARGV[1], 'sealedSuccessor', ARGV[7],
    'currentHash', ARGV[4], 'currentIssuedAt', ARGV[5], 'currentExpiresAt', ARGV[6], 'lastUsedAt', ARGV[1])
  -- The family lives as long as its latest token; a shorter successor never shortens it.
  if tonumber(ARGV[6]) > tonumber(f.expiresAt) then
    redis.call('HSET', KEYS[1], 'expiresAt', ARGV[6])
    local ttl = tonumber(ARGV[6]) - now
    if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  end
  return {'rotated', '', f.familyId, f.subject, f.clientId, f.scope, f.currentIssuedAt, f.currentExpiresAt, jkt, f.auth or ''}
end

if ARGV[3] == f.previousHash and now - tonumber(f.spentAt) < tonumber(ARGV[2]) and tonumber(f.currentExpiresAt) > now then
  return {'grace', f.sealedSuccessor, f.familyId, f.subject, f.clientId, f.scope, f.previousIssuedAt, f.previousExpiresAt, jkt, f.auth or ''}
end
redis.call('HSET', KEYS[1], 'revoked', '1')
return {'reused', '', f.familyId, f.subject, f.clientId, f.scope, '', '', jkt, f.auth or ''}
`);

/**
 * KEYS: family. ARGV: now tokenHash.
 * Returns {familyId, subject, clientId, scope, issuedAt, expiresAt, jkt or '', auth or ''} when `tokenHash` is
 * the family's active token, else nil.
 */
export const findActiveScript = new LuaScript(`
local now = tonumber(ARGV[1])
${READ_FAMILY}
if not live or f.currentHash ~= ARGV[2] or tonumber(f.currentExpiresAt) <= now then return false end
return {f.familyId, f.subject, f.clientId, f.scope, f.currentIssuedAt, f.currentExpiresAt, f.jkt or '', f.auth or ''}
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
