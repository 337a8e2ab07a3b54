import { Gauge } from 'prom-client';
import { RateBudgets } from '../lib/edge/rate-budgets.js';
import { shareBudgets, type SharedBudgets } from '../lib/edge/shared-budgets.js';
import type { ReadinessCheck } from '../lib/http/health.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics/index.js';
import type { RedisClient } from '../lib/redis/connection.js';
import type { RouteDefinition } from '../lib/edge/route-config.js';
import { createRouteRateLimit, type RouteRateLimit } from '../lib/edge/route-rate-limit.js';

export interface GatewayRateLimits {
  /** The route's limit, undefined for a route without `rate_limit`. */
  forRoute(index: number, definition: RouteDefinition): RouteRateLimit | undefined;
  readiness: ReadinessCheck;
  close(): void;
}

export interface GatewayRateLimitsOptions {
  /** The gateway's Redis command connection (the one its DPoP replay cache uses); undefined: per process. */
  redis?: RedisClient | undefined;
  keyPrefix: string;
  logger: Logger;
  metrics?: Metrics | undefined;
  now?: () => number;
}

/**
 * The gateway's rate limits (`rate_limit:` in routes.yaml): budgets in this process's memory,
 * shared with every replica through Redis when it is configured (lib/edge/shared-budgets.ts).
 * `gateway_rate_limit_shared` (1 shared, 0 counted per replica: Redis away or not configured)
 * and the `rate_limits` detail of /readyz say which; an outage marks readiness degraded, never
 * failed, since every replica still limits on its own.
 */
export function openGatewayRateLimits({ redis, keyPrefix, logger, metrics, now }: GatewayRateLimitsOptions): GatewayRateLimits {
  const budgets = new RateBudgets(now);
  const shared: SharedBudgets | undefined = redis ? shareBudgets(budgets, redis, keyPrefix, logger) : undefined;
  const refused = metrics?.counter('gateway_rate_limited_total', 'Requests refused 429 by a route rate limit, by route prefix.', ['route']);
  if (metrics) registerSharedGauge(metrics, () => shared?.status().up ?? false);
  return {
    forRoute(index, definition) {
      if (definition.rateLimit === undefined) return undefined;
      const route = definition.prefix;
      return createRouteRateLimit(index, definition.prefix, definition.rateLimit, budgets, refused ? () => refused.inc({ route }) : undefined);
    },
    readiness: {
      name: 'rate_limits',
      check: () => {
        if (shared === undefined) return { detail: { mode: 'per_replica' } };
        const { up, downSince, reason } = shared.status();
        const detail: Record<string, unknown> = { mode: up ? 'shared' : 'per_replica', redis: up ? 'up' : 'down' };
        if (downSince !== undefined) detail.down_since = new Date(downSince).toISOString();
        if (reason !== undefined) detail.reason = reason;
        return { degraded: !up, detail };
      },
    },
    close() {
      shared?.close();
      budgets.close();
    },
  };
}

function registerSharedGauge(metrics: Metrics, sharedNow: () => boolean): void {
  const name = 'gateway_rate_limit_shared';
  if (metrics.registry.getSingleMetric(name)) metrics.registry.removeSingleMetric(name);
  new Gauge({
    name,
    help: 'Whether route rate limits are one budget for every replica through Redis (1) or counted per replica (0: Redis away or not configured).',
    registers: [metrics.registry],
    collect() {
      this.set(sharedNow() ? 1 : 0);
    },
  });
}
