import type { Logger } from '../../../../lib/logger.js';
import { closeRedis, connectRedis, type RedisClient } from '../../../../lib/redis/connection.js';
import { NO_REPLICA_ACK, type RedisSettings, type ReplicaAck } from '../../../../lib/redis/env.js';
import { unlessRedisUnavailable } from '../../../../lib/redis/unavailable.js';
import { DEFAULT_REDIS_KEY_PREFIX } from '../../../../lib/revocation/redis-keys.js';
import type { DeadMail, Mail, MailPurpose, QueuedMail } from '../../domain/mail/mail.js';
import { DEAD_LETTER_RETENTION_MS, type Outbox } from '../../domain/mail/outbox.js';
import type { LuaScript } from '../redis/lua-script.js';
import { newLease, newMailId } from './outbox-record.js';
import { claimOneScript, enqueueScript, giveUpScript, markSentScript, rescheduleScript } from './redis-outbox-scripts.js';

/**
 * Key names under REDIS_KEY_PREFIX. The `{mail}` hash tag keeps the queue in one slot on Cluster
 * (mail is a trickle, not a load that needs spreading), so claiming is one script.
 * - `due`: sorted set, mail id -> due time (epoch ms); a claim moves it to the lease's end.
 * - `dead`: sorted set, mail id -> time it was given up.
 * - `mail(id)`: hash of one mail (fields in redis-outbox-scripts.ts).
 */
export function outboxKeys(prefix: string) {
  return {
    due: `${prefix}{mail}:due`,
    dead: `${prefix}{mail}:dead`,
    mail: (id: string) => `${prefix}{mail}:m:${id}`,
  };
}

/** Reads of due candidates per claim when other replicas keep taking them first. */
const CLAIM_ROUNDS = 3;

export interface RedisOutboxOptions {
  redis: RedisClient;
  /** Default `authgate:`. */
  keyPrefix?: string;
  /** Replicas that must have an enqueued mail before `enqueue` resolves (REDIS_WAIT_REPLICAS). */
  replicaAck?: ReplicaAck;
  /** False when the connection is shared: `close()` then leaves it open. Default true. */
  ownsConnection?: boolean;
}

/**
 * The outbox in Redis, shared by every auth replica: a mail is durable as far as Redis persists
 * it (AOF, replicas acknowledged per REDIS_WAIT_REPLICAS), and any replica's worker may send it.
 * A claim is one script per mail that takes it only while it is still due, so two replicas never
 * both hold one mail. A Redis that is down fails every call within about a second with the 503
 * `REDIS_UNAVAILABLE` (a request that would enqueue fails; the worker retries its poll).
 */
export class RedisOutbox implements Outbox {
  private readonly redis: RedisClient;
  private readonly keys: ReturnType<typeof outboxKeys>;
  private readonly replicaAck: ReplicaAck;
  private readonly ownsConnection: boolean;

  constructor({ redis, keyPrefix = DEFAULT_REDIS_KEY_PREFIX, replicaAck = NO_REPLICA_ACK, ownsConnection = true }: RedisOutboxOptions) {
    this.redis = redis;
    this.keys = outboxKeys(keyPrefix);
    this.replicaAck = replicaAck;
    this.ownsConnection = ownsConnection;
  }

  async enqueue(mail: Mail, now: number): Promise<string> {
    const id = newMailId(now);
    await this.run(enqueueScript, [this.keys.due, this.keys.mail(id)], [id, JSON.stringify(mail), now], this.replicaAck);
    return id;
  }

  async claim(now: number, leaseMs: number, limit: number): Promise<QueuedMail[]> {
    const claimed: QueuedMail[] = [];
    // A candidate another replica took first is skipped; its due time moved, so the next read
    // offers the following ones. Bounded, so contention costs a few reads, not a spin.
    for (let round = 0; round < CLAIM_ROUNDS && claimed.length < limit; round += 1) {
      const candidates = await unlessRedisUnavailable(() => this.redis.zrangebyscore(this.keys.due, '-inf', now, 'LIMIT', 0, limit - claimed.length));
      if (candidates.length === 0) break;
      for (const id of candidates) {
        const lease = newLease();
        const reply = await this.run(claimOneScript, [this.keys.due, this.keys.mail(id)], [id, now, now + leaseMs, lease]);
        if (!Array.isArray(reply)) continue;
        const [mail, attempts, createdAt] = reply as string[];
        claimed.push({ id, mail: JSON.parse(mail ?? '{}') as Mail, attempts: Number(attempts), createdAt: Number(createdAt), lease });
      }
    }
    return claimed;
  }

  async markSent(id: string): Promise<void> {
    await this.run(markSentScript, [this.keys.due, this.keys.mail(id)], [id]);
  }

  async reschedule(id: string, lease: string, dueAt: number, attempts: number): Promise<boolean> {
    return (await this.run(rescheduleScript, [this.keys.due, this.keys.mail(id)], [id, lease, dueAt, attempts])) === 1;
  }

  async release(id: string, lease: string, now: number): Promise<boolean> {
    return (await this.run(rescheduleScript, [this.keys.due, this.keys.mail(id)], [id, lease, now, ''])) === 1;
  }

  async giveUp(id: string, lease: string, attempts: number, lastError: string, now: number): Promise<boolean> {
    const reply = await this.run(giveUpScript, [this.keys.due, this.keys.dead, this.keys.mail(id)], [id, lease, attempts, lastError, now, DEAD_LETTER_RETENTION_MS]);
    return reply === 1;
  }

  async deadLetters(limit: number): Promise<DeadMail[]> {
    const ids = await unlessRedisUnavailable(() => this.redis.zrevrange(this.keys.dead, 0, limit - 1));
    const dead: DeadMail[] = [];
    for (const id of ids) {
      const [mail, attempts, lastError, failedAt] = await unlessRedisUnavailable(() => this.redis.hmget(this.keys.mail(id), 'mail', 'attempts', 'lastError', 'failedAt'));
      // Expired with its retention while the set still names it.
      if (!mail) continue;
      const { to, purpose } = JSON.parse(mail) as { to: string; purpose: MailPurpose };
      dead.push({ id, to, purpose, attempts: Number(attempts), lastError: lastError ?? '', failedAt: Number(failedAt) });
    }
    return dead;
  }

  async counts(): Promise<{ queued: number; dead: number }> {
    const [queued, dead] = await unlessRedisUnavailable(() => Promise.all([this.redis.zcard(this.keys.due), this.redis.zcard(this.keys.dead)]));
    return { queued, dead };
  }

  async ping(): Promise<void> {
    await unlessRedisUnavailable(() => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await closeRedis(this.redis);
  }

  private run(script: LuaScript, keys: string[], args: (string | number)[], ack: ReplicaAck = NO_REPLICA_ACK): Promise<unknown> {
    return unlessRedisUnavailable(() => script.run(this.redis, keys, args, ack));
  }
}

/** Connects (single server, Sentinel or Cluster) and returns an outbox that owns the connection. */
export async function connectRedisOutbox(settings: RedisSettings, options: { logger?: Pick<Logger, 'warn'> } = {}): Promise<RedisOutbox> {
  const redis = await connectRedis(settings, 'authgate-auth-mail', options.logger);
  return new RedisOutbox({ redis, keyPrefix: settings.keyPrefix, replicaAck: settings.replicaAck });
}
