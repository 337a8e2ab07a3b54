import { sessionRevocationId } from '../../../../lib/revocation/revocation-list.js';
import { Redis } from 'ioredis';
import type { Logger } from '../../../../lib/logger.js';
import {
  DEFAULT_REDIS_KEY_PREFIX,
  encodeRevocationMessage,
  redisKeys,
  type RedisKeys,
} from '../../../../lib/revocation/redis-keys.js';
import type {
  AttemptCount,
  RefreshFamilyRef,
  RefreshSuccessor,
  RefreshTokenRecord,
  RotateOutcome,
  TokenStore,
} from '../../domain/ports/token-store.js';
import {
  denyScript,
  findActiveScript,
  issueScript,
  recordAttemptScript,
  revokeFamilyScript,
  rotateScript,
} from './token-scripts.js';

/** The token hash fields `findRefreshFamily` reads (see token-scripts.ts for the layout). */
const REFRESH_FAMILY_FIELDS = ['familyId', 'subject', 'clientId', 'expiresAt'] as const;

export interface RedisTokenStoreOptions {
  /** The connection this store owns from now on: `close()` quits it. */
  redis: Redis;
  /** Namespace for every key and the revocation channel. Default `authgate:`. */
  keyPrefix?: string;
}

/**
 * Token state shared by every auth replica, in Redis. Read-decide-write steps are single Lua
 * scripts (see token-scripts.ts); every key carries a TTL so nothing outlives its meaning.
 * Denials also go to a sorted set and a pub/sub channel that the gateway's revocation list reads.
 * Needs Redis 7 or later (EXPIREAT ... GT).
 */
export class RedisTokenStore implements TokenStore {
  private readonly redis: Redis;
  private readonly keys: RedisKeys;

  constructor({ redis, keyPrefix = DEFAULT_REDIS_KEY_PREFIX }: RedisTokenStoreOptions) {
    this.redis = redis;
    this.keys = redisKeys(keyPrefix);
  }

  async issueRefreshToken(record: RefreshTokenRecord): Promise<void> {
    const { familyId, subject, clientId, scope, issuedAt, expiresAt } = record;
    await issueScript.run(
      this.redis,
      [this.keys.refreshToken(record.tokenHash), this.keys.refreshFamily(familyId)],
      [familyId, subject, clientId, scope, issuedAt, expiresAt, expiresAt - Date.now()],
    );
    await this.keepSession(subject, familyId, expiresAt);
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
    return this.redis.smembers(this.keys.subjectSessions(subject));
  }

  async rotateRefreshToken(
    presentedHash: string,
    successor: RefreshSuccessor,
    { now, graceMs }: { now: number; graceMs: number },
  ): Promise<RotateOutcome> {
    const reply = await rotateScript.run(
      this.redis,
      [this.keys.refreshToken(presentedHash)],
      [
        now,
        graceMs,
        successor.tokenHash,
        successor.issuedAt,
        successor.expiresAt,
        successor.sealedSuccessor,
        this.keys.refreshTokenPrefix,
        this.keys.refreshFamilyPrefix,
      ],
    );
    const [outcome, sealedSuccessor, ...fields] = asStrings(reply);
    if (outcome === 'invalid') return { outcome };
    const previous = toRecord(presentedHash, fields);
    if (outcome === 'rotated') await this.keepSession(previous.subject, undefined, successor.expiresAt);
    if (outcome === 'rotated' || outcome === 'reused') return { outcome, previous };
    if (outcome === 'grace' && sealedSuccessor) return { outcome, previous, sealedSuccessor };
    throw new Error(`unexpected rotation reply from Redis: ${String(outcome)}`);
  }

  async findActiveRefreshToken(tokenHash: string, now: number): Promise<RefreshTokenRecord | null> {
    const reply = await findActiveScript.run(
      this.redis,
      [this.keys.refreshToken(tokenHash)],
      [now, this.keys.refreshFamilyPrefix],
    );
    return reply === null ? null : toRecord(tokenHash, asStrings(reply));
  }

  async findRefreshFamily(tokenHash: string, now: number): Promise<RefreshFamilyRef | null> {
    // A plain read of one hash: nothing is decided or written, so no script is needed.
    const [familyId, subject, clientId, expiresAt] = await this.redis.hmget(
      this.keys.refreshToken(tokenHash),
      ...REFRESH_FAMILY_FIELDS,
    );
    if (!familyId || !subject || !clientId || !expiresAt || Number(expiresAt) <= now) return null;
    return { familyId, subject, clientId };
  }

  async revokeRefreshFamily(familyId: string): Promise<void> {
    await revokeFamilyScript.run(this.redis, [this.keys.refreshFamily(familyId)], []);
  }

  async denyAccessToken(jti: string, expiresAtSeconds: number): Promise<void> {
    await denyScript.run(
      this.redis,
      [this.keys.deniedJti(jti), this.keys.denylist],
      [
        jti,
        expiresAtSeconds,
        Math.floor(Date.now() / 1000),
        this.keys.revocationsChannel,
        encodeRevocationMessage({ jti, exp: expiresAtSeconds }),
      ],
    );
  }

  /** A session is one more entry of the denylist (and of the gateway's feed), under its own id. */
  denySession(sid: string, expiresAtSeconds: number): Promise<void> {
    return this.denyAccessToken(sessionRevocationId(sid), expiresAtSeconds);
  }

  isSessionDenied(sid: string): Promise<boolean> {
    return this.isAccessTokenDenied(sessionRevocationId(sid));
  }

  async isAccessTokenDenied(jti: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.deniedJti(jti))) === 1;
  }

  async recordAttempt(key: string, windowSeconds: number): Promise<AttemptCount> {
    const reply = await recordAttemptScript.run(this.redis, [this.keys.attempts(key)], [windowSeconds * 1000]);
    const [count, ttlMs] = asNumbers(reply);
    return toCount(count, ttlMs);
  }

  async peekAttempts(key: string): Promise<AttemptCount> {
    const counter = this.keys.attempts(key);
    const replies = (await this.redis.multi().get(counter).pttl(counter).exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    const [count, ttlMs] = replies.map(([, value]) => Number(value ?? 0));
    return toCount(count ?? 0, ttlMs ?? -2);
  }

  async clearAttempts(key: string): Promise<void> {
    await this.redis.del(this.keys.attempts(key));
  }

  async claimOnce(key: string, expiresAtSeconds: number): Promise<boolean> {
    const claim = this.keys.claim(key);
    // A deadline already past claims nothing (Redis rejects or drops it); report whether it was free.
    if (expiresAtSeconds * 1000 <= Date.now()) return (await this.redis.exists(claim)) === 0;
    return (await this.redis.set(claim, '1', 'EXAT', expiresAtSeconds, 'NX')) === 'OK';
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

export interface ConnectRedisTokenStoreOptions {
  /** Receives connection errors after start (ioredis keeps reconnecting meanwhile). */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * Connects to `url` and returns a store that owns the connection. Rejects (and stops retrying)
 * when the first connection fails, so a misconfigured REDIS_URL stops the process at start.
 */
export async function connectRedisTokenStore(
  url: string,
  keyPrefix: string = DEFAULT_REDIS_KEY_PREFIX,
  options: ConnectRedisTokenStoreOptions = {},
): Promise<RedisTokenStore> {
  const redis = new Redis(url, { lazyConnect: true, connectionName: 'authgate-auth' });
  // The first failure is reported by the rejection below; without a listener ioredis would also
  // print it as an unhandled error event. Later errors are the owner's to observe. It is kept:
  // connect() itself rejects only with "Connection is closed.", the socket's error says why.
  let startupError: Error | undefined;
  const absorbStartupError = (error: Error) => {
    startupError ??= error;
  };
  redis.on('error', absorbStartupError);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw withoutPassword(startupError ?? error, url);
  } finally {
    redis.off('error', absorbStartupError);
  }
  // ioredis reconnects by itself; the log says why commands are failing meanwhile.
  const { logger } = options;
  redis.on('error', (error: Error) => logger?.warn({ err: error }, 'redis token store connection error'));
  return new RedisTokenStore({ redis, keyPrefix });
}

/**
 * The start-up failure as an Error whose message cannot carry the URL's password. ioredis does
 * not put it in messages today; this keeps it that way whatever a future version reports.
 */
function withoutPassword(error: unknown, url: string): Error {
  const cause = error instanceof Error ? error : new Error(String(error));
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // An unparsable URL has no password to hide here; ioredis would have refused it already.
  }
  if (password === '' || !cause.message.includes(password)) return cause;
  // No `cause`: a logger serialising the chain would print the original message.
  return new Error(cause.message.replaceAll(password, '***'));
}

function asStrings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new Error('unexpected reply from Redis: not an array');
  return reply.map(String);
}

function asNumbers(reply: unknown): [number, number] {
  const [a, b] = asStrings(reply).map(Number);
  return [a ?? 0, b ?? -2];
}

/** Fields in the scripts' order: familyId subject clientId scope issuedAt expiresAt. */
function toRecord(tokenHash: string, fields: string[]): RefreshTokenRecord {
  const [familyId, subject, clientId, scope, issuedAt, expiresAt] = fields;
  if (familyId === undefined || subject === undefined || clientId === undefined || scope === undefined) {
    throw new Error('unexpected refresh record from Redis');
  }
  return { tokenHash, familyId, subject, clientId, scope, issuedAt: Number(issuedAt), expiresAt: Number(expiresAt) };
}

function toCount(count: number, ttlMs: number): AttemptCount {
  if (!count || ttlMs === -2) return { count: 0, resetInSeconds: 0 };
  return { count, resetInSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
}
