import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { sessionRevocationId, type RevocationList } from './revocation-list.js';
import { DEFAULT_REDIS_KEY_PREFIX, decodeRevocationMessage, redisKeys } from './redis-keys.js';

export interface RedisRevocationListOptions {
  url: string;
  /** Must match the auth service's token store prefix. Default `authgate:`. */
  keyPrefix?: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** How often entries past their exp are dropped even if never looked up again. Default 60 s. */
  sweepIntervalMs?: number;
  /** CLIENT SETNAME base for the two connections (`:feed`, `:snapshot`), so operators can spot them. */
  connectionName?: string;
}

/** A failed snapshot load (e.g. the command connection still down) is retried after this delay. */
const SNAPSHOT_RETRY_MS = 1_000;

/**
 * The gateway's revocation view backed by Redis: a Map of jti -> exp answered synchronously,
 * kept current by the auth service's pub/sub channel. On every (re)connect it subscribes first
 * and then reads the sorted-set snapshot, so a denial published while it was away is still
 * picked up and none can fall between the two. Two connections, because a subscribed one cannot
 * read. Timers are unref'd: the list never keeps a process alive.
 */
export function createRedisRevocationList(options: RedisRevocationListOptions): RevocationList {
  const { url, logger, sweepIntervalMs = 60_000, connectionName = 'authgate-revocations' } = options;
  const keys = redisKeys(options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
  const revoked = new Map<string, number>();
  const feed = new Redis(url, { autoResubscribe: false, connectionName: `${connectionName}:feed` });
  const snapshot = new Redis(url, { connectionName: `${connectionName}:snapshot` });
  let loaded = false;
  let closed = false;
  let lastError: Error | undefined;
  const waiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();
  let retryTimer: NodeJS.Timeout | undefined;

  const remember = (jti: string, exp: number) => {
    if (exp * 1000 <= Date.now()) return;
    // A later exp wins: a duplicate denial must never shorten a revocation.
    if ((revoked.get(jti) ?? 0) < exp) revoked.set(jti, exp);
  };

  const settle = (error?: Error) => {
    for (const waiter of waiters) error ? waiter.reject(error) : waiter.resolve();
    waiters.clear();
  };

  const sync = async () => {
    if (closed) return;
    try {
      await feed.subscribe(keys.revocationsChannel);
      const nowSeconds = Math.floor(Date.now() / 1000);
      const entries = await snapshot.zrangebyscore(keys.denylist, `(${nowSeconds}`, '+inf', 'WITHSCORES');
      for (let i = 0; i + 1 < entries.length; i += 2) remember(entries[i] as string, Number(entries[i + 1]));
      loaded = true;
      lastError = undefined;
      logger?.info({ revoked: revoked.size }, 'revocation snapshot loaded');
      settle();
    } catch (error) {
      if (closed) return;
      logger?.warn({ err: error }, 'revocation snapshot failed; retrying');
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => void sync(), SNAPSHOT_RETRY_MS).unref();
    }
  };

  const onError = (error: Error) => {
    logger?.warn({ err: error }, 'revocation feed connection error');
    if (loaded) return;
    lastError = error;
    settle(error);
  };

  feed.on('ready', () => void sync());
  feed.on('error', onError);
  snapshot.on('error', onError);
  feed.on('message', (channel: string, raw: string) => {
    if (channel !== keys.revocationsChannel) return;
    const message = decodeRevocationMessage(raw);
    if (message) remember(message.jti, message.exp);
    else logger?.warn({ channel }, 'ignored a malformed revocation message');
  });

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [jti, exp] of revoked) if (exp * 1000 <= now) revoked.delete(jti);
  }, sweepIntervalMs).unref();

  function isRevoked(id: string): boolean {
    const exp = revoked.get(id);
    if (exp === undefined) return false;
    if (exp * 1000 > Date.now()) return true;
    revoked.delete(id);
    return false;
  }

  return {
    isRevoked,
    isSessionRevoked: (sid) => isRevoked(sessionRevocationId(sid)),

    ready() {
      if (loaded) return Promise.resolve();
      if (lastError) return Promise.reject(lastError);
      return new Promise<void>((resolve, reject) => waiters.add({ resolve, reject }));
    },

    async close() {
      closed = true;
      clearInterval(sweep);
      clearTimeout(retryTimer);
      settle(new Error('revocation list closed'));
      await Promise.all([feed, snapshot].map(stop));
    },
  };
}

async function stop(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
