import { createLogger, type Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics/index.js';
import { observeRequest } from '../lib/http/http-metrics.js';
import { createGatewayMetrics, upstreamErrorKind } from './gateway-metrics.js';
import type { Env } from '../lib/config.js';
import { eitherTrust, parseProxyTrust } from '../lib/http/client-address.js';
import { listen } from '../lib/http/server.js';
import { revocationFeedReadiness } from '../lib/revocation/feed-observability.js';
import { noRevocations, type RevocationList } from '../lib/revocation/revocation-list.js';
import { createDpopProofVerifier, createVerifier } from '../lib/verifier/index.js';
import { openDpopReplayCache } from './dpop-replay.js';
import type { GatewayConfig } from './config.js';
import { responseForUpgrade } from '../lib/http/upgrade-response.js';
import { createCorsPolicy } from './cors.js';
import { createDecisionHandler } from './decision-handler.js';
import { createGatewayHandler, type CompiledRoute, type GatewayObserver } from './gateway-handler.js';
import { compileRequirements } from '../lib/edge/route-requirements.js';
import { createOpsApp, createPublicOpsApp, publicOpsPaths } from './ops-app.js';
import { loadRoutesFile, type RouteDefinition } from '../lib/edge/route-config.js';
import { createRouteTable } from '../lib/edge/route-table.js';
import { createUpstreamPools } from './upstream-pools.js';
import { createUpstreamProxy } from './upstream-proxy.js';
import { createWebSocketTunnel } from './websocket-tunnel.js';
import { openGatewayRateLimits } from './rate-limits.js';
import { cachedTrust } from '../lib/edge/cached-trust.js';

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
  /** The ops port (GATEWAY_OPS_PORT): /metrics, /healthz, /readyz. */
  opsUrl: string;
  /** The decision port (GATEWAY_DECISION_PORT): /decide/* for an ingress's auth subrequests. */
  decisionUrl: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then frees upstream sockets. */
  close(graceMs?: number): Promise<void>;
}

const LOOPBACK = parseProxyTrust('127.0.0.0/8, ::1/128');

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
  const pools = createUpstreamPools();
  // Shared by every replica through Redis when configured, so a proof is accepted once cluster-wide.
  const dpopReplay = await openDpopReplayCache(config, logger, deps.now);
  // The same connection carries the rate limits' batched reports: one budget for every replica.
  const rateLimits = openGatewayRateLimits({ redis: dpopReplay.redis, keyPrefix: config.redisKeyPrefix, logger, metrics: deps.metrics, ...(deps.now ? { now: deps.now } : {}) });
  const compiled: CompiledRoute[] = definitions.map((definition, index) => ({
    definition,
    cors: definition.cors ? createCorsPolicy(definition.cors) : undefined,
    proxy: createUpstreamProxy({
      upstream: definition.upstream,
      pool: pools.poolFor(definition.upstream),
      timeoutMs: definition.timeoutMs,
      stripPrefix: definition.stripPrefix,
      logger,
      ...(gatewayMetrics
        ? { onUpstreamError: (err: Error, timedOut: boolean) => gatewayMetrics.upstreamErrors.inc({ upstream: definition.prefix, kind: timedOut ? 'timeout' : upstreamErrorKind(err) }) }
        : {}),
    }),
    requirementsFor: compileRequirements(definition),
    rateLimit: rateLimits.forRoute(index, definition),
  }));
  const readiness = [
    { name: 'routes', check: () => {} },
    { name: 'jwks', check: () => (verifier.keysLoaded() ? undefined : verifier.loadKeys()) },
    revocationFeedReadiness(revocations),
    rateLimits.readiness,
  ];
  const websockets = createWebSocketTunnel(logger, revocations, deps.now);
  const metrics = deps.metrics;
  const observer: GatewayObserver | undefined =
    metrics && gatewayMetrics
      ? {
          finished: (req, res, route, seconds) => observeRequest(metrics, req, res, route, seconds),
          verification: (outcome) => gatewayMetrics.tokenVerifications.inc({ outcome }),
        }
      : undefined;
  const findRoute = createRouteTable(compiled, (route) => route.definition.prefix);
  const verifyDpopProof = createDpopProofVerifier({ replay: dpopReplay.cache, ...(deps.now ? { now: deps.now } : {}) });
  // Asked on every request (X-Forwarded-*, rate limits by address): remembered per peer.
  const proxyTrust = cachedTrust(config.trustedProxies);
  const handler = createGatewayHandler({
    findRoute,
    verifier,
    ops: createPublicOpsApp(logger, readiness, config.demoPage),
    opsPaths: publicOpsPaths(config.demoPage),
    logger,
    allowedOrigins: config.allowedOrigins,
    trust: proxyTrust,
    addressTrust: proxyTrust,
    tunnel: websockets.tunnel,
    verifyDpopProof,
    ...(observer ? { observer } : {}),
  });
  // The ingress asks from the same host (loopback) or is listed in TRUSTED_PROXIES; nobody else
  // may say what the original request was (docs/edge.md).
  const decisionTrust = cachedTrust(eitherTrust(LOOPBACK, config.trustedProxies));
  const decisionHandler = createDecisionHandler({ findRoute, verifier, allowedOrigins: config.allowedOrigins, verifyDpopProof, observer, trust: decisionTrust, addressTrust: decisionTrust, logger });
  const server = await listen(handler, { port: config.port, host: config.host, maxHeaderSize: MAX_HEADER_BYTES });
  // Upgrades run through the same handler, with a response bound to the raw socket so refusals
  // are ordinary JSON answers; on routes without `websocket: true` they are refused.
  server.server.on('upgrade', (req, socket, head) => handler(req, responseForUpgrade(req, socket, head), true));
  const opsServer = await listen(createOpsApp(logger, readiness, deps.metrics), { port: config.opsPort, host: config.host }).catch(async (err: unknown) => {
    await server.close(0);
    throw err;
  });
  const decisionServer = await listen(decisionHandler, { port: config.decisionPort, host: config.host, maxHeaderSize: MAX_HEADER_BYTES }).catch(async (err: unknown) => {
    await Promise.all([server.close(0), opsServer.close(0)]);
    throw err;
  });
  // Warm the key set so the first request does not pay for it; an issuer still starting is fine.
  verifier.loadKeys().catch(() => logger.warn({ jwksUri: config.verifier.jwksUri }, 'JWKS not reachable yet; /readyz reports it'));
  logger.info({ url: server.url, opsUrl: opsServer.url, decisionUrl: decisionServer.url, routes: definitions.map((route) => `${route.prefix} -> ${route.upstream.origin}`) }, 'gateway listening');
  return {
    url: server.url,
    port: server.port,
    opsUrl: opsServer.url,
    decisionUrl: decisionServer.url,
    async close(graceMs) {
      websockets.closeAll();
      await Promise.all([server.close(graceMs), opsServer.close(graceMs), decisionServer.close(graceMs)]);
      await pools.close();
      verifier.close();
      rateLimits.close();
      await dpopReplay.close();
    },
  };
}
