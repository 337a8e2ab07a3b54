import type { Logger } from '../../../../lib/logger.js';
import { closeRedis, connectRedis, type RedisClient } from '../../../../lib/redis/connection.js';
import { NO_REPLICA_ACK, type RedisSettings, type ReplicaAck } from '../../../../lib/redis/env.js';
import { unlessRedisUnavailable } from '../../../../lib/redis/unavailable.js';
import { DEFAULT_REDIS_KEY_PREFIX } from '../../../../lib/revocation/redis-keys.js';
import type { DeadMail, Mail, OutboxPayload, QueuedMail } from '../../domain/mail/mail.js';
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
 * Another queue (`queue`, e.g. back-channel logout) has the same keys under its own hash tag.
 */
export function outboxKeys(prefix: string, queue = 'mail') {
  return {
    due: `${prefix}{${queue}}:due`,
    dead: `${prefix}{${queue}}:dead`,
    mail: (id: string) => `${prefix}{${queue}}:m:${id}`,
  };
}

/** Reads of due candidates per claim when other replicas keep taking them first. */
const CLAIM_ROUNDS = 3;

export interface RedisOutboxOptions {
  redis: RedisClient;
  /** Default `authgate:`. */
  keyPrefix?: string;
  /** The queue's name in its keys (and Cluster hash tag). Default `mail`. */
  queue?: string;
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
export class RedisOutbox<P extends OutboxPayload = Mail> implements Outbox<P> {
  private readonly redis: RedisClient;
  private readonly keys: ReturnType<typeof outboxKeys>;
  private readonly replicaAck: ReplicaAck;
  private readonly ownsConnection: boolean;

  constructor({ redis, keyPrefix = DEFAULT_REDIS_KEY_PREFIX, queue = 'mail', replicaAck = NO_REPLICA_ACK, ownsConnection = true }: RedisOutboxOptions) {
    this.redis = redis;
    this.keys = outboxKeys(keyPrefix, queue);
    this.replicaAck = replicaAck;
    this.ownsConnection = ownsConnection;
  }

  async enqueue(mail: P, now: number): Promise<string> {
    const id = newMailId(now);
    await this.run(enqueueScript, [this.keys.due, this.keys.mail(id)], [id, JSON.stringify(mail), now], this.replicaAck);
    return id;
  }

  async claim(now: number, leaseMs: number, limit: number): Promise<Array<QueuedMail<P>>> {
    const claimed: Array<QueuedMail<P>> = [];
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
        claimed.push({ id, mail: JSON.parse(mail ?? '{}') as P, attempts: Number(attempts), createdAt: Number(createdAt), lease });
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

  async deadLetters(limit: number): Promise<Array<DeadMail<P>>> {
    const ids = await unlessRedisUnavailable(() => this.redis.zrevrange(this.keys.dead, 0, limit - 1));
    const dead: Array<DeadMail<P>> = [];
    for (const id of ids) {
      const [mail, attempts, lastError, failedAt] = await unlessRedisUnavailable(() => this.redis.hmget(this.keys.mail(id), 'mail', 'attempts', 'lastError', 'failedAt'));
      // Expired with its retention while the set still names it.
      if (!mail) continue;
      const { to, purpose } = JSON.parse(mail) as P;
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
export async function connectRedisOutbox<P extends OutboxPayload = Mail>(settings: RedisSettings, options: { logger?: Pick<Logger, 'warn'>; queue?: string } = {}): Promise<RedisOutbox<P>> {
  const queue = options.queue ?? 'mail';
  const redis = await connectRedis(settings, `authgate-auth-${queue}`, options.logger);
  return new RedisOutbox<P>({ redis, keyPrefix: settings.keyPrefix, queue, replicaAck: settings.replicaAck });
}
