import { createHash } from 'node:crypto';
import type { RedisClient } from '../../../../lib/redis/connection.js';
import { NO_REPLICA_ACK, type ReplicaAck } from '../../../../lib/redis/env.js';
import { sendAcknowledged } from './replica-ack.js';

/**
 * A Lua script run by SHA (EVALSHA), sent in full only when the server does not know it yet
 * (after a restart, a failover or SCRIPT FLUSH). Scripts run atomically on the server, which is
 * how the Redis adapter makes read-decide-write steps safe across replicas without WATCH retries.
 * Unlike `defineCommand`, it does not add methods to a connection the adapter was handed.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** `ack`: see sendAcknowledged; none for scripts whose loss a failover may cause. */
  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[], ack: ReplicaAck = NO_REPLICA_ACK): Promise<unknown> {
    try {
      const [reply] = await sendAcknowledged(redis, ack, (p) => p.evalsha(this.sha, keys.length, ...keys, ...args));
      return reply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      const [reply] = await sendAcknowledged(redis, ack, (p) => p.eval(this.source, keys.length, ...keys, ...args));
      return reply;
    }
  }
}
