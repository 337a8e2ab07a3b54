import { createLogger, type Logger } from '../lib/logger.js';
import { createGatewayMetrics, recordRequest, upstreamErrorKind, type Metrics } from '../lib/metrics/index.js';
import type { Env } from '../lib/config.js';
import { listen } from '../lib/http/server.js';
import { revocationFeedReadiness } from '../lib/revocation/feed-observability.js';
import { noRevocations, type RevocationList } from '../lib/revocation/revocation-list.js';
import { createVerifier } from '../lib/verifier/index.js';
import type { GatewayConfig } from './config.js';
import { compileRequirements, createGatewayHandler, type CompiledRoute, type GatewayObserver } from './gateway-handler.js';
import { createOpsApp, opsPaths } from './ops-app.js';
import { loadRoutesFile, type RouteDefinition } from './route-config.js';
import { createRouteTable } from './route-table.js';
import { createUpstreamAgents, createUpstreamProxy } from './upstream-proxy.js';

export interface GatewayDeps {
  logger?: Logger;
  /** Revoked-token feed (Redis in production); owned by the caller, not closed here. */
  revocations?: RevocationList;
  /** Routes given directly instead of reading `config.routesFile` (tests). */
  routes?: RouteDefinition[];
  /** Variables for `${VAR}` in route upstreams. Default process.env. */
  env?: Env;
  /** Clock for the verifier (tests). */
  now?: () => number;
  /** When given: GET /metrics, request latency by route prefix, verification outcomes, JWKS fetches, upstream errors. */
  metrics?: Metrics;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then frees upstream sockets. */
  close(graceMs?: number): Promise<void>;
}

/** Request heads up to 32 KiB reach our own checks (oversized tokens get a proper RFC 6750 answer, not a bare 431). */
const MAX_HEADER_BYTES = 32 * 1024;

/**
 * Starts the gateway: loads and validates the routes, builds the verifier, listens.
 *
 * @example
 * ```ts
 * const gateway = await startGateway(loadGatewayConfig({ GATEWAY_PORT: '0' }), { routes });
 * await fetch(`${gateway.url}/api/notes`, { headers: { authorization: `Bearer ${token}` } });
 * await gateway.close();
 * ```
 */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<RunningGateway> {
  const logger = deps.logger ?? createLogger({ name: 'gateway', level: config.logLevel });
  const env = { ...(deps.env ?? process.env), AUTH_URL: config.verifier.authUrl };
  const definitions = deps.routes ?? (await loadRoutesFile(config.routesFile, env));
  const revocations = deps.revocations ?? noRevocations;
  const gatewayMetrics = deps.metrics ? createGatewayMetrics(deps.metrics) : undefined;
  const verifier = createVerifier({
    issuer: config.verifier.issuer,
    audience: config.verifier.audience,
    jwksUri: config.verifier.jwksUri,
    revocations,
    logger,
    ...(deps.now ? { now: deps.now } : {}),
    ...(gatewayMetrics ? { onJwksFetch: (result: 'ok' | 'error') => gatewayMetrics.jwksFetches.inc({ result }) } : {}),
  });
  const agents = createUpstreamAgents();
  const compiled: CompiledRoute[] = definitions.map((definition) => ({
    definition,
    proxy: createUpstreamProxy({
      upstream: definition.upstream,
      agent: agents.agentFor(definition.upstream),
      timeoutMs: definition.timeoutMs,
      stripPrefix: definition.stripPrefix,
      logger,
      ...(gatewayMetrics
        ? { onUpstreamError: (err: Error, timedOut: boolean) => gatewayMetrics.upstreamErrors.inc({ upstream: definition.prefix, kind: timedOut ? 'timeout' : upstreamErrorKind(err) }) }
        : {}),
    }),
    requirementsFor: compileRequirements(definition),
  }));
  const ops = createOpsApp(
    logger,
    [
      { name: 'routes', check: () => {} },
      { name: 'jwks', check: () => (verifier.keysLoaded() ? undefined : verifier.loadKeys()) },
      revocationFeedReadiness(revocations),
    ],
    deps.metrics,
  );
  const metrics = deps.metrics;
  const observer: GatewayObserver | undefined =
    metrics && gatewayMetrics
      ? {
          request: (req, res, route) => recordRequest(metrics, req, res, route),
          verification: (outcome) => gatewayMetrics.tokenVerifications.inc({ outcome }),
        }
      : undefined;
  const handler = createGatewayHandler({
    findRoute: createRouteTable(compiled, (route) => route.definition.prefix),
    verifier,
    ops,
    opsPaths: opsPaths(metrics !== undefined),
    logger,
    allowedOrigins: config.allowedOrigins,
    ...(observer ? { observer } : {}),
  });
  const server = await listen(handler, { port: config.port, host: config.host, maxHeaderSize: MAX_HEADER_BYTES });
  // Warm the key set so the first request does not pay for it; an issuer still starting is fine.
  verifier.loadKeys().catch(() => logger.warn({ jwksUri: config.verifier.jwksUri }, 'JWKS not reachable yet; /readyz reports it'));
  logger.info({ url: server.url, routes: definitions.map((route) => `${route.prefix} -> ${route.upstream.origin}`) }, 'gateway listening');
  return {
    url: server.url,
    port: server.port,
    async close(graceMs) {
      await server.close(graceMs);
      agents.destroy();
      verifier.close();
    },
  };
}
