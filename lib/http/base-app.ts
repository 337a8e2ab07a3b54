import express, { type Express } from 'express';
import { clientAddressOf, eitherTrust, INTERNAL_NETWORKS, parseProxyTrust, type ProxyTrust } from './client-address.js';
import type { Logger } from '../logger.js';
import { expressLifecycle } from './express-lifecycle.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { errorHandler, notFound } from './error-handler.js';
import type { Metrics } from '../metrics/registry.js';
import { hasMalformedPercentEncoding, malformedPathError } from './percent-encoding.js';

export interface BaseAppOptions {
  logger: Logger;
  readiness?: ReadinessCheck[];
  /** When given: GET /metrics is served and every request is recorded by route pattern and status. */
  metrics?: Metrics;
  /**
   * Proxies trusted besides our own networks (TRUSTED_PROXIES: the ingress in front of the
   * gateway), for `req.ip` and `clientAddressOf`.
   */
  trustedProxies?: ProxyTrust;
}

const INTERNAL: ProxyTrust = parseProxyTrust(INTERNAL_NETWORKS);

/**
 * The express app every process starts from: request ids and one log line per request, then
 * the operational routes. Callers mount their routes, then call `finishApp` to add 404 and errors.
 */
export function createBaseApp({ logger, readiness = [], metrics, trustedProxies }: BaseAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // One trust for req.protocol / req.host (express) and the client address.
  app.set('trust proxy', trustedProxies ? eitherTrust(INTERNAL, trustedProxies) : INTERNAL);
  // One rule for the client address: express's own (proxy-addr) would return whatever string a
  // client put behind a trusted proxy, and the IPv4-mapped peer as is. This app's request
  // prototype only; express.request itself is not touched.
  Object.defineProperty(app.request, 'ip', {
    configurable: true,
    enumerable: true,
    get(this: Parameters<typeof clientAddressOf>[0]) {
      return clientAddressOf(this);
    },
  });
  // First, so the recorded duration covers every later middleware, health routes included.
  app.use(expressLifecycle(app, logger, metrics));
  // `/notes/%ZZ`: express would throw decoding the route parameter, answered as a 500 with a stack.
  app.use((req, _res, next) => next(hasMalformedPercentEncoding(req.path) ? malformedPathError() : undefined));
  app.use(healthRoutes(readiness));
  if (metrics) app.get('/metrics', metrics.metricsHandler);
  return app;
}

/** `realm` names the protection space in challenges of refusals that carry none of their own. */
export function finishApp(app: Express, { realm }: { realm?: string } = {}): Express {
  app.use(notFound());
  app.use(errorHandler(realm === undefined ? {} : { realm }));
  return app;
}
