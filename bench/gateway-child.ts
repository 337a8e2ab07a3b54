import { loadGatewayConfig } from '../gateway/config.js';
import { startGateway } from '../gateway/gateway.js';
import { parseRoutes } from '../lib/edge/route-config.js';
import { createLogger } from '../lib/logger.js';
import { createMetrics } from '../lib/metrics/index.js';
import { startTracing } from '../lib/tracing/start-tracing.js';
import { childArgs, serveParent } from './child-ipc.js';

export interface GatewayChildArgs {
  upstreamUrl: string;
  issuer: string;
  /** pino level; `info` is the production default. Lines go to this process's stdout (/dev/null or a file). */
  logLevel: 'info' | 'silent';
  /** Prometheus metrics on, as gateway/main.ts does in production. */
  metrics: boolean;
  /** OpenTelemetry on, exporting OTLP/HTTP to this endpoint (the bench's discarding sink), as gateway/main.ts does with OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint?: string;
  /** Redis for the rate limits' shared budgets (and the DPoP replay cache), as production runs it; absent: per process. */
  redisUrl?: string;
  /** Redis key prefix (replicas sharing budgets give the same one). Default: one per process. */
  redisKeyPrefix?: string;
  /** `/limited/notes`'s budget per user per hour; default 10^9 (never reached: the limit's cost alone). */
  limitedRequests?: number;
  /** Announce the decision port's URL instead of the proxy port's (the edge bench asks it). */
  announce?: 'proxy' | 'decision';
}

/**
 * The real gateway (startGateway, as gateway/main.ts builds it, minus Redis) in front of the
 * bench upstream: `/api/notes` needs a token with `notes:read` for GET, `/public` needs none,
 * `/limited/notes` is `/api/notes` with a per-user rate limit (issue 27, point 2).
 * `/step-up/notes` is `/api/notes` plus RFC 9470 step-up (`acr: mfa`, `max_age`).
 */
const args = childArgs<GatewayChildArgs>();
if (args.otlpEndpoint !== undefined) await startTracing('gateway', { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: args.otlpEndpoint });
const env = { BENCH_UPSTREAM: args.upstreamUrl };
const routes = parseRoutes(
  {
    routes: [
      { prefix: '/api/notes', upstream: '${BENCH_UPSTREAM}', auth: 'required', scopes: { GET: ['notes:read'], POST: ['notes:write'] }, stripPrefix: '/api', timeoutMs: 10_000 },
      { prefix: '/public', upstream: '${BENCH_UPSTREAM}', auth: 'none' },
      // The same route with a rate limit per user no bench run reaches: the limit's cost, never a 429.
      { prefix: '/limited/notes', upstream: '${BENCH_UPSTREAM}', auth: 'required', scopes: { GET: ['notes:read'], POST: ['notes:write'] }, stripPrefix: '/limited', timeoutMs: 10_000, rate_limit: { requests: args.limitedRequests ?? 1_000_000_000, per_seconds: 3_600, key: 'subject' } },
      // Ten hours: longer than any bench run, so every token (signed at start) stays fresh enough.
      { prefix: '/step-up/notes', upstream: '${BENCH_UPSTREAM}', auth: 'required', scopes: { GET: ['notes:read'], POST: ['notes:write'] }, stripPrefix: '/step-up', timeoutMs: 10_000, acr: 'mfa', max_age: 36_000 },
    ],
  },
  env,
);
const redis = args.redisUrl === undefined ? {} : { REDIS_URL: args.redisUrl, REDIS_KEY_PREFIX: args.redisKeyPrefix ?? `bench:${process.pid}:` };
const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: args.issuer, LOG_LEVEL: args.logLevel, ...redis });
// As gateway/main.ts builds it.
const logger = createLogger({ name: 'gateway', level: args.logLevel, bufferBytes: 32 * 1024 });
const gateway = await startGateway(config, { logger, routes, env, ...(args.metrics ? { metrics: createMetrics({ service: 'gateway' }) } : {}) });
serveParent(args.announce === 'decision' ? gateway.decisionUrl : gateway.url);
