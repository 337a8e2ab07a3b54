import { LuaScript } from '../redis/lua-script.js';

/**
 * The Redis outbox's server-side steps (key layout in redis-outbox.ts). Every step that reads and
 * then writes is one script, so two replicas claiming at once are serialised by Redis itself.
 * Each script names every key it touches in KEYS, and all of them share the `{mail}` hash tag: one
 * slot, so the scripts run unchanged on Redis Cluster.
 *
 * Mail hash fields: mail (JSON), attempts, createdAt, lease ('' when unclaimed), and once given
 * up: lastError, failedAt.
 */

/** KEYS: due, mail. ARGV: id, mail JSON, createdAt. */
export const enqueueScript = new LuaScript(`
redis.call('HSET', KEYS[2], 'mail', ARGV[2], 'attempts', '0', 'createdAt', ARGV[3], 'lease', '')
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`);

/**
 * KEYS: due, mail. ARGV: id, now, leaseUntil, lease. Takes the mail when it is still due (another
 * replica's claim moves its due time into the future first), else returns false.
 * Returns {mail JSON, attempts, createdAt}.
 */
export const claimOneScript = new LuaScript(`
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
local fields = redis.call('HMGET', KEYS[2], 'mail', 'attempts', 'createdAt')
if not fields[1] then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], 'lease', ARGV[4])
return fields
`);

/** KEYS: due, mail. ARGV: id. */
export const markSentScript = new LuaScript(`
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('DEL', KEYS[2]) end
return 1
`);

/**
 * KEYS: due, mail. ARGV: id, lease, dueAt, attempts ('' keeps them: a release). Returns 1 when
 * the lease was the mail's, else 0.
 */
export const rescheduleScript = new LuaScript(`
if ARGV[2] == '' or redis.call('HGET', KEYS[2], 'lease') ~= ARGV[2] or not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], 'lease', '')
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'attempts', ARGV[4]) end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`);

/**
 * KEYS: due, dead, mail. ARGV: id, lease, attempts, lastError, now, retentionMs. The mail leaves
 * the queue for the dead letters, expiring after the retention; older dead letters are pruned.
 */
export const giveUpScript = new LuaScript(`
if ARGV[2] == '' or redis.call('HGET', KEYS[3], 'lease') ~= ARGV[2] or not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[3], 'lease', '', 'attempts', ARGV[3], 'lastError', ARGV[4], 'failedAt', ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[5]) - tonumber(ARGV[6])))
return 1
`);
