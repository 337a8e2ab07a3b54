import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../../../../lib/redis/connection.js';
import type { ReplicaAck } from '../../../../lib/redis/env.js';
import { redisUnavailable } from '../../../../lib/redis/unavailable.js';

/**
 * Sends the commands `add` queues in one pipeline (one connection, one slot on Cluster) and, when
 * `ack.replicas` > 0, a WAIT behind them: the write is acknowledged only once that many replicas
 * have it, so a failover cannot lose it after the caller was told it happened. A write the
 * replicas did not confirm in time is answered as Redis being unavailable (503): it may or may not
 * survive, and every such write here is safe to repeat. Returns the replies of the added commands.
 */
export async function sendAcknowledged(
  redis: RedisClient,
  ack: ReplicaAck,
  add: (pipeline: ChainableCommander) => void,
): Promise<unknown[]> {
  const pipeline = redis.pipeline();
  add(pipeline);
  const added = pipeline.length;
  if (ack.replicas > 0) pipeline.wait(ack.replicas, ack.timeoutMs);
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([error]) => error);
  if (failed) throw failed[0];
  if (ack.replicas > 0 && Number(replies[added]?.[1] ?? 0) < ack.replicas) {
    throw redisUnavailable(new Error(`write not confirmed by ${ack.replicas} replica(s) within ${ack.timeoutMs} ms`));
  }
  return replies.slice(0, added).map(([, value]) => value);
}
