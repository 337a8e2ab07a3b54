import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessRequirements } from '../lib/verifier/index.js';
import type { CorsPolicy } from './cors.js';
import type { RouteDefinition } from '../lib/edge/route-config.js';
import type { ProxyHandler } from './upstream-proxy.js';
import type { RouteRateLimit } from '../lib/edge/route-rate-limit.js';

/** A route ready to serve: its definition, its proxy and its per-method requirements worked out at start. */
export interface CompiledRoute {
  definition: RouteDefinition;
  proxy: ProxyHandler;
  requirementsFor(method: string | undefined): AccessRequirements;
  /** Answers CORS for this route (`cors:` in routes.yaml); undefined when the route has none. */
  cors?: CorsPolicy | undefined;
  /** Spends the caller's budget (`rate_limit:` in routes.yaml); undefined when the route has none. */
  rateLimit?: RouteRateLimit | undefined;
}

/** Hooks for metrics, kept out of the handler so it does not depend on a metrics library. */
export interface GatewayObserver {
  /** A response ended (or the client left): `route` is the matched prefix or `unmatched`. */
  finished(req: IncomingMessage, res: ServerResponse, route: string, seconds: number): void;
  /** A token verification ended: `ok` or the error code. */
  verification(outcome: string): void;
}
