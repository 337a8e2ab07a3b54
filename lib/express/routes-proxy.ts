import { readFileSync } from 'node:fs';
import type { RequestHandler, Request, Response } from 'express';
import type { Env } from '../config.js';
import { AppError, isAppError } from '../errors.js';
import type { ProxyTrust } from '../http/client-address.js';
import { toAppError } from '../http/error-handler.js';
import { sendError } from '../http/send-json.js';
import { RateBudgets } from '../edge/rate-budgets.js';
import { resolvePath } from '../edge/request-path.js';
import { parseRoutes, parseRoutesYaml, type RouteDefinition } from '../edge/route-config.js';
import { compileRequirements } from '../edge/route-requirements.js';
import { createRouteRateLimit, type RouteRateLimit } from '../edge/route-rate-limit.js';
import { createRouteTable } from '../edge/route-table.js';
import { stripPathPrefix } from '../edge/strip-prefix.js';
import type { AccessRequirements, Verifier } from '../verifier/index.js';
import { createMemoryReplayCache } from '../verifier/memory-replay-cache.js';
import { createRequireAuth, type RequireAuthOptions } from './require-auth.js';
import { createForwarder, prepareInbound, type Forward } from './upstream-forwarder.js';

export interface RoutesProxySettings extends RequireAuthOptions {
  verifier: Verifier;
  routes: string | readonly unknown[];
  env?: Env;
  realm: string;
  trust: ProxyTrust;
}

interface MountedRoute {
  definition: RouteDefinition;
  forward: Forward;
  /** The requireAuth middleware of each method's requirements (made once per distinct requirements). */
  checkFor(method: string): RequestHandler;
  rateLimit: RouteRateLimit | undefined;
}

/** Fields of routes.yaml the express mount does not serve: refused at start, never silently ignored. */
const GATEWAY_ONLY = [
  ['cookies', (route: RouteDefinition) => route.cookies, 'cookies: true (session-cookie routes)'],
  ['websocket', (route: RouteDefinition) => route.websocket, 'websocket: true (WebSocket tunnels)'],
  ['cors', (route: RouteDefinition) => route.cors !== undefined, 'cors:'],
] as const;

/**
 * authgateProxy's routes mode: the gateway's routes.yaml, with the gateway's own code for it
 * (lib/edge): the same validation (route-config.ts), the same route choice with its bypass rules
 * (request-path.ts, a path that could reach two routes is 400), the same per-method requirements
 * and `dpop`/`delegation` rules, `stripPrefix`, `timeoutMs`, and `rate_limit` (per process: the
 * express mount has no Redis). Paths are read below the mount (`req.url`); a path no route
 * matches goes to `next()`, so the app's own routes and 404 still apply.
 */
export function createRoutesProxy(settings: RoutesProxySettings): RequestHandler {
  const { verifier, realm, trust } = settings;
  const env = settings.env ?? process.env;
  const definitions = typeof settings.routes === 'string' ? parseRoutesYaml(readFileSync(settings.routes, 'utf8'), settings.routes, env) : parseRoutes({ routes: settings.routes }, env);
  definitions.forEach((definition, index) => {
    for (const [, used, what] of GATEWAY_ONLY) {
      if (used(definition)) throw new Error(`authgateProxy: route ${index} (${definition.prefix}): ${what} is served by the standalone gateway only`);
    }
  });
  // One proof cache for every route, whichever its dpop policy.
  const dpopReplay = settings.dpopReplay ?? createMemoryReplayCache();
  const requireAuthOf = {
    allowed: createRequireAuth(verifier, { realm, dpop: 'allowed', dpopReplay }),
    required: createRequireAuth(verifier, { realm, dpop: 'required', dpopReplay }),
  };
  const budgets = definitions.some((definition) => definition.rateLimit !== undefined) ? new RateBudgets() : undefined;
  const routes: MountedRoute[] = definitions.map((definition, index) => {
    const requirementsFor = compileRequirements(definition);
    const checks = new Map<AccessRequirements, RequestHandler>();
    return {
      definition,
      forward: createForwarder({ target: definition.upstream, timeoutMs: definition.timeoutMs, trust, realm }),
      checkFor(method) {
        const requirements = requirementsFor(method);
        let check = checks.get(requirements);
        if (check === undefined) checks.set(requirements, (check = requireAuthOf[definition.dpop](requirements)));
        return check;
      },
      rateLimit: definition.rateLimit && budgets ? createRouteRateLimit(index, definition.prefix, definition.rateLimit, budgets) : undefined,
    };
  });
  const findRoute = createRouteTable(routes, (route) => route.definition.prefix);

  const refuse = (res: Response, requestId: string, err: unknown) => {
    res.setHeader('X-Request-Id', requestId);
    sendError(res, isAppError(err) ? err : toAppError(err), realm);
  };

  /** Verified (or public): spend the route's budget, then proxy with the route's prefix cut. */
  const pass = (route: MountedRoute, req: Request, res: Response, next: (err?: unknown) => void, requestId: string) => {
    const limit = route.rateLimit;
    if (limit !== undefined) {
      const spent = limit.spend(req, req.auth, trust);
      if (typeof spent !== 'string') return refuse(res, requestId, spent);
      // Express has set headers on every response already: no fast writeHead path to keep here.
      res.setHeader('RateLimit-Policy', limit.policy.policy);
      res.setHeader('RateLimit', spent);
    }
    const url = req.url;
    stripPathPrefix(req, route.definition.stripPrefix, url);
    route.forward(req, res, next, req.baseUrl + route.definition.stripPrefix);
  };

  return (req, res, next) => {
    const url = req.url;
    const queryAt = url.indexOf('?');
    const verdict = resolvePath(queryAt === -1 ? url : url.slice(0, queryAt), findRoute);
    if (verdict.kind === 'route' && verdict.route === undefined) return next();
    const requestId = prepareInbound(req);
    if (verdict.kind === 'invalid') return refuse(res, requestId, new AppError('PATH_INVALID', 400, verdict.reason));
    const route = verdict.route!;
    const { auth } = route.definition;
    // `optional` without credentials passes anonymously, as on the gateway; with them they must verify.
    if (auth === 'none' || (auth === 'optional' && req.headers.authorization === undefined)) return pass(route, req, res, next, requestId);
    route.checkFor(req.method)(req, res, (err?: unknown) => {
      if (err !== undefined) return refuse(res, requestId, err);
      pass(route, req, res, next, requestId);
    });
  };
}
