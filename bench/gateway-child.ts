import { loadGatewayConfig } from '../gateway/config.js';
import { startGateway } from '../gateway/gateway.js';
import { parseRoutes } from '../gateway/route-config.js';
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
}

/**
 * The real gateway (startGateway, as gateway/main.ts builds it, minus Redis) in front of the
 * bench upstream: `/api/notes` needs a token with `notes:read` for GET, `/public` needs none,
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
      // Ten hours: longer than any bench run, so every token (signed at start) stays fresh enough.
      { prefix: '/step-up/notes', upstream: '${BENCH_UPSTREAM}', auth: 'required', scopes: { GET: ['notes:read'], POST: ['notes:write'] }, stripPrefix: '/step-up', timeoutMs: 10_000, acr: 'mfa', max_age: 36_000 },
    ],
  },
  env,
);
const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: args.issuer, LOG_LEVEL: args.logLevel });
// As gateway/main.ts builds it.
const logger = createLogger({ name: 'gateway', level: args.logLevel, bufferBytes: 32 * 1024 });
const gateway = await startGateway(config, { logger, routes, env, ...(args.metrics ? { metrics: createMetrics({ service: 'gateway' }) } : {}) });
serveParent(gateway.url);
