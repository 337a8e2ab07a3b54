import { z } from 'zod';
import { AppError } from '../errors.js';
import { ConfigError, envField, loadConfig, type Env } from '../config.js';
import type { Logger } from '../logger.js';
import type { RedisSettings } from '../redis/env.js';
import type { Metrics } from '../metrics/index.js';
import { registerRevocationFeedGauge } from './feed-observability.js';
import { createHttpRevocationList } from './http-revocation-list.js';
import { noRevocations, type RevocationList } from './revocation-list.js';

/** The variables every verifying process reads to hear revocations, besides REDIS_URL. */
export const revocationEnvSchema = z.object({
  /** Shared with the auth service; lets this process read its revocation feed when Redis is not used. */
  REVOCATION_FEED_TOKEN: envField.secret().optional(),
  /** true: refuse every token with 503 while revocations cannot be heard (default: accept, report in /readyz). */
  REVOCATION_FEED_REQUIRED: envField.boolean(false),
});

/** The part of a verifying process's configuration that says where revocations come from. */
export interface RevocationSourceConfig {
  /** Set when this process is configured for Redis (URL, Sentinel or Cluster): Redis is then the feed, as before. */
  redis?: RedisSettings | undefined;
  /** `authUrl`: the auth service as this process reaches it (AUTH_URL), the feed without Redis. */
  verifier: { authUrl: string };
}

export interface OpenRevocationListOptions {
  /** Names the Redis connections (CLIENT SETNAME) and the log lines, e.g. `authgate-gateway`. */
  connectionName: string;
  logger: Logger;
  /** Where `revocation_feed_up` is registered. */
  metrics?: Metrics;
  env?: Env;
}

/**
 * The one place that decides how a verifying process (gateway, notes, reports, or yours) hears
 * revocations: Redis pub/sub when Redis is configured (many auth replicas share it), else the
 * auth service's own HTTP feed, which needs REVOCATION_FEED_TOKEN (`npm start` generates it).
 * Neither: nothing is known revoked, said once at start and in /readyz. With
 * REVOCATION_FEED_REQUIRED=true every token is refused with 503 while the feed is down.
 * The caller owns the list and closes it.
 */
export async function openRevocationList(config: RevocationSourceConfig, options: OpenRevocationListOptions): Promise<RevocationList> {
  const { logger } = options;
  const env = loadConfig(revocationEnvSchema, options.env ?? process.env);
  let list: RevocationList;
  if (config.redis) {
    // Loaded only when used, so a process without Redis never loads ioredis.
    const { createRedisRevocationList } = await import('./redis-revocation-list.js');
    list = createRedisRevocationList({ redis: config.redis, logger, connectionName: options.connectionName });
  } else if (env.REVOCATION_FEED_TOKEN) {
    list = createHttpRevocationList({ authUrl: config.verifier.authUrl, token: env.REVOCATION_FEED_TOKEN, logger });
  } else {
    if (env.REVOCATION_FEED_REQUIRED) {
      throw new ConfigError('REVOCATION_FEED_REQUIRED', 'invalid configuration: REVOCATION_FEED_REQUIRED: needs Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES) or REVOCATION_FEED_TOKEN');
    }
    logger.warn('no revocation feed (neither REDIS_URL nor REVOCATION_FEED_TOKEN is set): revoked tokens are accepted until they expire');
    if (options.metrics) registerRevocationFeedGauge(options.metrics, noRevocations);
    return noRevocations;
  }
  if (options.metrics) registerRevocationFeedGauge(options.metrics, list);
  logger.info({ source: list.status().source, required: env.REVOCATION_FEED_REQUIRED }, 'revocation feed configured');
  return env.REVOCATION_FEED_REQUIRED ? requireFeed(list) : list;
}

/** What a token gets while the feed is down and REVOCATION_FEED_REQUIRED is true. */
export const revocationFeedUnavailable = () =>
  new AppError('REVOCATION_FEED_UNAVAILABLE', 503, 'revocations cannot be checked right now, retry shortly', {
    error: 'temporarily_unavailable',
    headers: { 'Retry-After': '1' },
  });

/**
 * The list, refusing to answer while it is not current: the operator chose to refuse tokens
 * rather than accept one that may have been revoked during the outage.
 */
export function requireFeed(list: RevocationList): RevocationList {
  return {
    ...list,
    isRevoked(jti) {
      if (!list.status().up) throw revocationFeedUnavailable();
      return list.isRevoked(jti);
    },
    isSessionRevoked(sid) {
      if (!list.status().up) throw revocationFeedUnavailable();
      return list.isSessionRevoked(sid);
    },
  };
}
