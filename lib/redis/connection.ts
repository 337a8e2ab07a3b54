import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import type { RedisHostPort, RedisSettings } from './env.js';

/** A command connection in any mode: both speak the same commands, scripts and pipelines. */
export type RedisClient = Redis | Cluster;

/**
 * Fail fast. A command waits at most this long for its reply (a hung or partitioned server), and
 * with no offline queue a command issued while the connection is down fails at once instead of
 * piling up: a caller learns "Redis is unavailable" within about a second, never after ioredis's
 * reconnect loop. A WAIT (replica acknowledgement) gets its own timeout plus this margin, so a
 * slow replica is reported as unconfirmed, not as a hung server.
 */
export const COMMAND_TIMEOUT_MS = 800;
const WAIT_REPLY_MARGIN_MS = 500;
const CONNECT_TIMEOUT_MS = 1_000;
/** How long the first connection may take at start before the process gives up naming the variable. */
const STARTUP_TIMEOUT_MS = 5_000;

/** Reconnects quickly and keeps trying forever, at most once a second: recovery needs no restart. */
const reconnectDelay = (attempt: number) => Math.min(50 * 2 ** attempt, 1_000);

/** Per-connection options shared by every mode. */
function baseOptions(settings: RedisSettings, connectionName: string): RedisOptions {
  return {
    connectionName,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: Math.max(COMMAND_TIMEOUT_MS, settings.replicaAck.timeoutMs + WAIT_REPLY_MARGIN_MS),
    enableOfflineQueue: false,
    // A command in flight when the socket drops is failed, never replayed after the caller was
    // told it failed (a replayed rotation would spend a token whose holder got a 503).
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: reconnectDelay,
    lazyConnect: true,
    ...(settings.username ? { username: settings.username } : {}),
    ...(settings.password ? { password: settings.password } : {}),
  };
}

const toClusterNode = ({ host, port }: RedisHostPort): ClusterNode => ({ host, port });


/**
 * A not yet connected client for `settings` (call `connectRedis` to wait for it). `subscriber`
 * connections keep their subscriptions to the caller: it resubscribes on every ready, and reads
 * whatever it may have missed meanwhile.
 */
export function createRedisClient(settings: RedisSettings, connectionName: string): RedisClient {
  const options = baseOptions(settings, connectionName);
  const { target } = settings;
  switch (target.mode) {
    case 'standalone':
      return new Redis(target.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
        name: target.name,
        sentinelRetryStrategy: reconnectDelay,
        sentinelCommandTimeout: COMMAND_TIMEOUT_MS,
        // Subscribes to +switch-master, so a failover is followed at once, not at the next error.
        failoverDetector: true,
      });
    case 'cluster': {
      const { retryStrategy: _ignored, enableOfflineQueue: _alsoIgnored, lazyConnect: _lazy, ...redisOptions } = options;
      return new Cluster(target.nodes.map(toClusterNode), {
        lazyConnect: true,
        enableOfflineQueue: false,
        enableReadyCheck: true,
        clusterRetryStrategy: reconnectDelay,
        // MOVED / TRYAGAIN / CLUSTERDOWN during a resharding or failover: retried briefly, bounded.
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        maxRedirections: 6,
        slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
        redisOptions,
      });
    }
  }
}

/**
 * Opens a client and resolves once it is ready; rejects with the first connection error (without
 * any password) when Redis does not answer within a few seconds, so a wrong address stops the
 * process at start. Afterwards the client reconnects by itself; errors go to `logger` only.
 */
export async function connectRedis(
  settings: RedisSettings,
  connectionName: string,
  logger?: Pick<Logger, 'warn'>,
): Promise<RedisClient> {
  const client = createRedisClient(settings, connectionName);
  try {
    await untilReady(client);
  } catch (error) {
    client.disconnect();
    throw withoutSecrets(error, settings);
  }
  client.on('error', (error: Error) => logger?.warn({ err: error, connection: connectionName }, 'redis connection error'));
  return client;
}

function untilReady(client: RedisClient): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // ioredis reports the reason on 'error' and only "Connection is closed." from connect().
    let firstError: Error | undefined;
    const done = (error?: Error) => {
      clearTimeout(timer);
      client.off('error', onError);
      client.off('ready', onReady);
      error ? reject(error) : resolve();
    };
    const onError = (error: Error) => {
      firstError ??= error;
      done(firstError);
    };
    const onReady = () => done();
    const timer = setTimeout(() => done(firstError ?? new Error(`redis did not become ready within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    client.on('error', onError);
    client.once('ready', onReady);
    client.connect().catch((error: unknown) => {
      // Give the 'error' event (which carries the cause) the first word.
      setImmediate(() => done(firstError ?? (error instanceof Error ? error : new Error(String(error)))));
    });
  });
}

/** QUIT if connected, else drop the socket: closing never waits on a Redis that is gone. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * The start-up failure as an Error whose message cannot carry a password. ioredis does not put it
 * in messages today; this keeps it that way whatever a future version reports.
 */
function withoutSecrets(error: unknown, settings: RedisSettings): Error {
  const cause = error instanceof Error ? error : new Error(String(error));
  const secrets = [settings.password, urlPassword(settings)].filter((s): s is string => !!s);
  const leaked = secrets.filter((secret) => cause.message.includes(secret));
  if (leaked.length === 0) return cause;
  // No `cause`: a logger serialising the chain would print the original message.
  return new Error(leaked.reduce((message, secret) => message.replaceAll(secret, '***'), cause.message));
}

function urlPassword(settings: RedisSettings): string {
  if (settings.target.mode !== 'standalone') return '';
  try {
    return decodeURIComponent(new URL(settings.target.url).password);
  } catch {
    // An unparsable URL has no password to hide here; ioredis would have refused it already.
    return '';
  }
}
