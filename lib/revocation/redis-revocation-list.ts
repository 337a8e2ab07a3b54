import type { Logger } from '../logger.js';
import { closeRedis, createRedisClient } from '../redis/connection.js';
import { redisSettingsForUrl, type RedisSettings } from '../redis/env.js';
import { openRedisSubscriber, type RedisSubscriber } from '../redis/subscriber.js';
import { createFeedHealth } from './feed-health.js';
import { RevokedIds } from './revoked-ids.js';
import type { RevocationList } from './revocation-list.js';
import { decodeRevocationMessage, parseDenylistMember, redisKeys } from './redis-keys.js';

export interface RedisRevocationListOptions {
  /** A single server's URL; or `redis` for Sentinel and Cluster (lib/redis/env.ts). */
  url?: string;
  redis?: RedisSettings;
  /** Must match the auth service's token store prefix. Default: the settings' prefix, else `authgate:`. */
  keyPrefix?: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** How often entries past their exp are dropped even if never looked up again. Default 60 s. */
  sweepIntervalMs?: number;
  /** CLIENT SETNAME base for the two connections (`:feed`, `:snapshot`), so operators can spot them. */
  connectionName?: string;
}

/** What the list exposes beyond the port, for readiness reporting of the feed. */
export interface RedisRevocationList extends RevocationList {
  /** The feed connection: `up`/`down` events and `state` (lib/redis/subscriber.ts). */
  readonly feed: RedisSubscriber;
}

/** A failed snapshot load (e.g. the command connection still down) is retried after this delay. */
const SNAPSHOT_RETRY_MS = 1_000;

/**
 * The gateway's revocation view backed by Redis: a Map of jti -> exp answered synchronously,
 * kept current by the auth service's pub/sub channel. Every time the feed is (re)subscribed it
 * then reads the sorted-set snapshot, so a denial published while it was away is still picked up
 * and none can fall between the two. Two connections, because a subscribed one cannot read; both
 * follow a Sentinel failover or a Cluster node change (lib/redis). Timers are unref'd: the list
 * never keeps a process alive.
 */
export function createRedisRevocationList(options: RedisRevocationListOptions): RedisRevocationList {
  const { logger, sweepIntervalMs = 60_000, connectionName = 'authgate-revocations' } = options;
  const settings = options.redis ?? redisSettingsForUrl(requiredUrl(options.url));
  const keys = redisKeys(options.keyPrefix ?? settings.keyPrefix);
  const revoked = new RevokedIds(sweepIntervalMs);
  const feed = openRedisSubscriber(settings, keys.revocationsChannel, { connectionName: `${connectionName}:feed`, logger });
  const snapshot = createRedisClient(settings, `${connectionName}:snapshot`);
  snapshot.connect().catch(() => undefined);
  let loaded = false;
  let closed = false;
  let lastError: Error | undefined;
  const waiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();
  let retryTimer: NodeJS.Timeout | undefined;
  // One warning per outage (reconnects and snapshot retries report every attempt) and the status for /readyz.
  const health = createFeedHealth('redis', logger);

  /** A denylist member (a jti, or a session in its Redis spelling) and its deadline. */
  const remember = (member: string, exp: number) => revoked.remember({ ...parseDenylistMember(member), until: exp });

  const settle = (error?: Error) => {
    for (const waiter of waiters) error ? waiter.reject(error) : waiter.resolve();
    waiters.clear();
  };

  const readSnapshot = async () => {
    // Runs again on whichever of the two connections becomes ready last.
    if (closed || feed.state !== 'up' || snapshot.status !== 'ready') return;
    try {
      const nowSeconds = Math.floor(Date.now() / 1000);
      const entries = await snapshot.zrangebyscore(keys.denylist, `(${nowSeconds}`, '+inf', 'WITHSCORES');
      for (let i = 0; i + 1 < entries.length; i += 2) remember(entries[i] as string, Number(entries[i + 1]));
      loaded = true;
      lastError = undefined;
      logger?.info({ revoked: revoked.size }, 'revocation snapshot loaded');
      health.up();
      settle();
    } catch (error) {
      if (closed) return;
      health.down(error);
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => void readSnapshot(), SNAPSHOT_RETRY_MS).unref();
    }
  };

  // The subscription is in place before the read, so nothing published meanwhile is missed.
  feed.on('up', () => void readSnapshot());
  snapshot.on('ready', () => void readSnapshot());
  feed.on('down', (error) => {
    health.down(error ?? 'connection to Redis lost');
    if (loaded || !error) return;
    lastError = error;
    settle(error);
  });
  // While the feed is down too, the outage was already reported once.
  snapshot.on('error', (error: Error) => {
    if (health.status().up) logger?.warn({ err: error }, 'revocation snapshot connection error');
  });
  feed.on('message', (raw) => {
    const message = decodeRevocationMessage(raw);
    if (message) remember(message.jti, message.exp);
    else logger?.warn({ channel: keys.revocationsChannel }, 'ignored a malformed revocation message');
  });

  return {
    feed,

    status: () => health.status(),

    isRevoked: (jti) => revoked.has('jti', jti),

    isSessionRevoked: (sid) => revoked.has('sid', sid),

    ready() {
      if (loaded) return Promise.resolve();
      if (lastError) return Promise.reject(lastError);
      return new Promise<void>((resolve, reject) => waiters.add({ resolve, reject }));
    },

    async close() {
      closed = true;
      revoked.close();
      clearTimeout(retryTimer);
      settle(new Error('revocation list closed'));
      await Promise.all([feed.close(), closeRedis(snapshot)]);
    },
  };
}

function requiredUrl(url: string | undefined): string {
  if (!url) throw new Error('createRedisRevocationList needs `url` or `redis`');
  return url;
}
