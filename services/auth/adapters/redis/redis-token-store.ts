import type { Logger } from '../../../../lib/logger.js';
import { closeRedis, connectRedis, type RedisClient } from '../../../../lib/redis/connection.js';
import { NO_REPLICA_ACK, redisSettingsForUrl, type RedisSettings, type ReplicaAck } from '../../../../lib/redis/env.js';
import { unlessRedisUnavailable } from '../../../../lib/redis/unavailable.js';
import {
  DEFAULT_REDIS_KEY_PREFIX,
  denylistMember,
  encodeRevocationMessage,
  redisKeys,
  type RedisKeys,
} from '../../../../lib/revocation/redis-keys.js';
import type {
  AttemptCount,
  RefreshFamilyRef,
  RefreshSuccessor,
  RefreshTokenKey,
  RefreshTokenRecord,
  RotateOutcome,
  SessionSummary,
  TokenStore,
} from '../../domain/tokens/token-store.js';
import { sendAcknowledged } from './replica-ack.js';
import { asNumbers, asStrings, SESSION_FIELDS, toCount, toRecord, toSession } from './token-replies.js';
import { encodeAuthentication } from '../../domain/mfa/authentication.js';
import {
  denyScript,
  findActiveScript,
  issueScript,
  recordAttemptScript,
  releaseAttemptScript,
  revokeFamilyScript,
  rotateScript,
} from './token-scripts.js';

/** The family hash fields `findRefreshFamily` reads (see token-scripts.ts for the layout). */
const REFRESH_FAMILY_FIELDS = ['familyId', 'subject', 'clientId', 'expiresAt'] as const;

export interface RedisTokenStoreOptions {
  /** The connection this store owns from now on (single server, Sentinel or Cluster): `close()` quits it. */
  redis: RedisClient;
  /** Namespace for every key and the revocation channel. Default `authgate:`. */
  keyPrefix?: string;
  /** Replicas that must confirm a security write before it is acknowledged, and how long they get. */
  replicaAck?: ReplicaAck;
}

/**
 * Token state shared by every auth replica, in Redis. Read-decide-write steps are single Lua
 * scripts (see token-scripts.ts) whose keys share one hash slot, so the store runs on a single
 * server, Sentinel or Cluster alike; every key carries a TTL so nothing outlives its meaning.
 * Denials also go to a sorted set and a pub/sub channel that the gateway's revocation list reads.
 * A Redis that is down or too slow fails every method within about a second with the 503
 * AppError `REDIS_UNAVAILABLE` (lib/redis/unavailable.ts). Needs Redis 7 or later (EXPIREAT GT).
 */
export class RedisTokenStore implements TokenStore {
  private readonly redis: RedisClient;
  private readonly keys: RedisKeys;
  private readonly replicaAck: ReplicaAck;

  constructor({ redis, keyPrefix = DEFAULT_REDIS_KEY_PREFIX, replicaAck = NO_REPLICA_ACK }: RedisTokenStoreOptions) {
    this.redis = redis;
    this.keys = redisKeys(keyPrefix);
    this.replicaAck = replicaAck;
  }

  async issueRefreshToken(record: RefreshTokenRecord): Promise<void> {
    const { familyId, subject, clientId, scope, issuedAt, expiresAt } = record;
    const ttlMs = expiresAt - Date.now();
    if (ttlMs <= 0) return;
    await unlessRedisUnavailable(async () => {
      await issueScript.run(
        this.redis,
        [this.keys.refreshFamily(familyId)],
        [
          ...[familyId, subject, clientId, scope, issuedAt, expiresAt, ttlMs, record.jkt ?? '', record.tokenHash, record.device?.userAgent ?? '', record.device?.ip ?? ''],
          record.authentication ? encodeAuthentication(record.authentication) : '',
        ],
        this.replicaAck,
      );
      await this.keepSession(subject, familyId, expiresAt);
    });
  }

  /**
   * Adds the family to its subject's session set and keeps the set alive at least until `expiresAt`
   * (NX for a new set, GT afterwards: a later token never shortens it). Rotation extends it too.
   */
  private async keepSession(subject: string, familyId: string | undefined, expiresAt: number): Promise<void> {
    const key = this.keys.subjectSessions(subject);
    const step = this.redis.multi();
    if (familyId !== undefined) step.sadd(key, familyId);
    await step.pexpireat(key, expiresAt, 'NX').pexpireat(key, expiresAt, 'GT').exec();
  }

  async findSessions(subject: string): Promise<string[]> {
    return unlessRedisUnavailable(() => this.redis.smembers(this.keys.subjectSessions(subject)));
  }

  async listSessions(subject: string, now: number): Promise<SessionSummary[]> {
    // One HMGET per family (each its own hash slot, so no multi-key step); a family gone since is skipped.
    const sids = await this.findSessions(subject);
    const rows = await unlessRedisUnavailable(() => Promise.all(sids.map((sid) => this.redis.hmget(this.keys.refreshFamily(sid), ...SESSION_FIELDS))));
    return rows.flatMap((row) => toSession(row, subject, now) ?? []).sort((a, b) => a.createdAt - b.createdAt);
  }

  async rotateRefreshToken(
    presented: RefreshTokenKey,
    successor: RefreshSuccessor,
    { now, graceMs }: { now: number; graceMs: number },
  ): Promise<RotateOutcome> {
    const reply = await unlessRedisUnavailable(() =>
      rotateScript.run(
        this.redis,
        [this.keys.refreshFamily(presented.familyId)],
        [now, graceMs, presented.tokenHash, successor.tokenHash, successor.issuedAt, successor.expiresAt, successor.sealedSuccessor],
        this.replicaAck,
      ),
    );
    const [outcome, sealedSuccessor, ...fields] = asStrings(reply);
    if (outcome === 'invalid') return { outcome };
    const previous = toRecord(presented.tokenHash, fields);
    if (outcome === 'reused') return { outcome, family: { familyId: previous.familyId, subject: previous.subject, clientId: previous.clientId } };
    if (outcome === 'rotated') {
      await unlessRedisUnavailable(() => this.keepSession(previous.subject, undefined, successor.expiresAt));
      return { outcome, previous };
    }
    if (outcome === 'grace' && sealedSuccessor) return { outcome, previous, sealedSuccessor };
    throw new Error(`unexpected rotation reply from Redis: ${String(outcome)}`);
  }

  async findActiveRefreshToken(key: RefreshTokenKey, now: number): Promise<RefreshTokenRecord | null> {
    const reply = await unlessRedisUnavailable(() => findActiveScript.run(this.redis, [this.keys.refreshFamily(key.familyId)], [now, key.tokenHash]));
    return reply === null ? null : toRecord(key.tokenHash, asStrings(reply));
  }

  async findRefreshFamily(key: RefreshTokenKey, now: number): Promise<RefreshFamilyRef | null> {
    // A plain read: nothing is decided or written, so no script is needed. Any token naming a live
    // family (active, spent or made up by a holder of one) finds it, as reuse detection would.
    const [familyId, subject, clientId, expiresAt] = await unlessRedisUnavailable(() =>
      this.redis.hmget(this.keys.refreshFamily(key.familyId), ...REFRESH_FAMILY_FIELDS),
    );
    if (!familyId || !subject || !clientId || !expiresAt || Number(expiresAt) <= now) return null;
    return { familyId, subject, clientId };
  }

  async revokeRefreshFamily(familyId: string): Promise<void> {
    await unlessRedisUnavailable(() => revokeFamilyScript.run(this.redis, [this.keys.refreshFamily(familyId)], [], this.replicaAck));
  }

  async denyAccessToken(jti: string, expiresAtSeconds: number): Promise<void> {
    await unlessRedisUnavailable(() =>
      denyScript.run(
        this.redis,
        [this.keys.denylist],
        [
          jti,
          expiresAtSeconds,
          Math.floor(Date.now() / 1000),
          this.keys.revocationsChannel,
          encodeRevocationMessage({ jti, exp: expiresAtSeconds }),
        ],
        this.replicaAck,
      ),
    );
  }

  /** A session is one more member of the denylist (and of the channel), in its Redis spelling (redis-keys.ts). */
  denySession(sid: string, expiresAtSeconds: number): Promise<void> {
    return this.denyAccessToken(denylistMember('sid', sid), expiresAtSeconds);
  }

  isSessionDenied(sid: string): Promise<boolean> {
    return this.isAccessTokenDenied(denylistMember('sid', sid));
  }

  async isAccessTokenDenied(jti: string): Promise<boolean> {
    const exp = await unlessRedisUnavailable(() => this.redis.zscore(this.keys.denylist, jti));
    return exp !== null && Number(exp) > Date.now() / 1000;
  }

  async recordAttempt(key: string, windowSeconds: number): Promise<AttemptCount> {
    // Counters are not waited for: a failover may forget a few failures, never a revocation.
    const reply = await unlessRedisUnavailable(() => recordAttemptScript.run(this.redis, [this.keys.attempts(key)], [windowSeconds * 1000]));
    const [count, ttlMs] = asNumbers(reply);
    return toCount(count, ttlMs);
  }

  async peekAttempts(key: string): Promise<AttemptCount> {
    const counter = this.keys.attempts(key);
    const [count, ttlMs] = await unlessRedisUnavailable(() => sendAcknowledged(this.redis, NO_REPLICA_ACK, (p) => p.get(counter).pttl(counter)));
    return toCount(Number(count ?? 0), Number(ttlMs ?? -2));
  }

  async releaseAttempt(key: string): Promise<void> {
    await unlessRedisUnavailable(() => releaseAttemptScript.run(this.redis, [this.keys.attempts(key)], []));
  }

  async clearAttempts(key: string): Promise<void> {
    await unlessRedisUnavailable(() => this.redis.del(this.keys.attempts(key)));
  }

  async claimOnce(key: string, expiresAtSeconds: number): Promise<boolean> {
    const claim = this.keys.claim(key);
    return unlessRedisUnavailable(async () => {
      // A deadline already past claims nothing (Redis rejects or drops it); report whether it was free.
      if (expiresAtSeconds * 1000 <= Date.now()) return (await this.redis.exists(claim)) === 0;
      const [reply] = await sendAcknowledged(this.redis, this.replicaAck, (p) => p.set(claim, '1', 'EXAT', expiresAtSeconds, 'NX'));
      return reply === 'OK';
    });
  }

  async ping(): Promise<void> {
    await unlessRedisUnavailable(() => this.redis.ping());
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}

export interface ConnectRedisTokenStoreOptions {
  /** Receives connection errors after start (ioredis keeps reconnecting meanwhile). */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * Connects (single server, Sentinel or Cluster, with the fail-fast options of lib/redis) and
 * returns a store that owns the connection. Rejects when the first connection fails, so a
 * misconfigured Redis stops the process at start. A URL string means a single server.
 */
export async function connectRedisTokenStore(
  settings: RedisSettings | string,
  options: ConnectRedisTokenStoreOptions = {},
): Promise<RedisTokenStore> {
  const resolved = typeof settings === 'string' ? redisSettingsForUrl(settings) : settings;
  const redis = await connectRedis(resolved, 'authgate-auth', options.logger);
  return new RedisTokenStore({ redis, keyPrefix: resolved.keyPrefix, replicaAck: resolved.replicaAck });
}
