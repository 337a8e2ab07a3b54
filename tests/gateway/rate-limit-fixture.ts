import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { createLogger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics/index.js';
import { send, type RawResponse } from './http-client.js';

/**
 * A gateway with rate-limited routes (issue 27, point 2) in front of `upstreamUrl`, trusting
 * `issuer`; with `redis` one budget shared with every other gateway on the same Redis and prefix.
 * Windows are a day long (aligned to 00:00 UTC), so none ends during a test.
 */
export const DAY = 86_400;

export function rateLimitedRoutes(upstreamUrl: string) {
  return parseRoutes(
    {
      routes: [
        { prefix: '/limited', upstream: '${UP}', auth: 'required', rate_limit: { requests: 3, per_seconds: DAY, key: 'subject' } },
        { prefix: '/by-client', upstream: '${UP}', auth: 'required', rate_limit: { requests: 2, per_seconds: DAY, key: 'client' } },
        { prefix: '/by-address', upstream: '${UP}', auth: 'none', rate_limit: { requests: 2, per_seconds: DAY, key: 'address' } },
        { prefix: '/shared', upstream: '${UP}', auth: 'required', rate_limit: { requests: 10, per_seconds: DAY, key: 'subject' } },
        { prefix: '/burst', upstream: '${UP}', auth: 'required', rate_limit: { requests: 200, per_seconds: DAY, key: 'subject' } },
        { prefix: '/unlimited', upstream: '${UP}', auth: 'required' },
        { prefix: '/public', upstream: '${UP}', auth: 'none' },
      ],
    },
    { UP: upstreamUrl },
  );
}

export async function startRateLimitedGateway(options: { issuer: string; upstreamUrl: string; redis?: { url: string; prefix: string }; metrics?: Metrics }): Promise<RunningGateway> {
  const env: Record<string, string> = { GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: options.issuer, LOG_LEVEL: 'silent' };
  if (options.redis) Object.assign(env, { REDIS_URL: options.redis.url, REDIS_KEY_PREFIX: options.redis.prefix });
  return startGateway(loadGatewayConfig(env), {
    routes: rateLimitedRoutes(options.upstreamUrl),
    env: { UP: options.upstreamUrl },
    logger: createLogger({ name: 'gateway', level: 'silent' }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}

/** GET `path` on `base` with a Bearer `token` (and any further headers). */
export function get(base: string, path: string, token?: string, headers: Array<[string, string]> = []): Promise<RawResponse> {
  return send(base, { path, headers: [...(token ? ([['Authorization', `Bearer ${token}`]] as Array<[string, string]>) : []), ...headers] });
}

/** The decision port's nginx flavour, asked about GET `path`. */
export function decide(decisionUrl: string, path: string, token?: string): Promise<RawResponse> {
  return get(decisionUrl, '/decide/auth-request', token, [['X-Original-Method', 'GET'], ['X-Original-URI', path]]);
}
