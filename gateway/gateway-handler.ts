import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { AppError, isAppError, internalError } from '../lib/errors.js';
import { requestIdFrom } from '../lib/http/request-context.js';
import { createAccessLog, elapsedMs } from '../lib/http/access-log.js';
import type { Logger } from '../lib/logger.js';
import { assertAuthorized, tokenError, type AccessRequirements, type Verifier } from '../lib/verifier/index.js';
import { requestAccessToken } from './cookie-credentials.js';
import { setIdentityHeaders, stripIdentityHeaders } from './identity-headers.js';
import type { HttpMethod, RouteDefinition } from './route-config.js';
import { sendError } from './send-json.js';
import type { ProxyHandler } from './upstream-proxy.js';

export const GATEWAY_REALM = 'gateway';

/** A route ready to serve: its definition, its proxy and its per-method requirements worked out at start. */
export interface CompiledRoute {
  definition: RouteDefinition;
  proxy: ProxyHandler;
  requirementsFor(method: string | undefined): AccessRequirements;
}

/** Hooks for metrics, kept out of the handler so it does not depend on a metrics library. */
export interface GatewayObserver {
  /** A request arrived; `route()` names the matched prefix once the response ends. */
  request(req: IncomingMessage, res: ServerResponse, route: () => string): void;
  /** A token verification ended: `ok` or the error code. */
  verification(outcome: string): void;
}

export interface GatewayHandlerOptions {
  findRoute: (path: string) => CompiledRoute | undefined;
  verifier: Verifier;
  /** Serves the operational paths (an express app; kept off the proxy path). */
  ops: RequestListener;
  /** Paths answered by `ops`. Default /healthz and /readyz. */
  opsPaths?: ReadonlySet<string>;
  logger: Logger;
  observer?: GatewayObserver;
  /** Origins allowed to send cookie-authenticated writes (routes with `cookies: true`). */
  allowedOrigins: ReadonlySet<string>;
}

/**
 * Paths an upstream may resolve to another path than the one we routed (and authorised):
 * - `.` / `..` segments, plain or percent-encoded, which upstreams normalise away;
 * - a segment beginning `..` or `.;` (`..;`, `.%3b`): Tomcat/Jetty drop `;params` and then see `..` or `.`;
 * - `%2f` / `%5c`: servers that decode before splitting see an extra segment (`..%2f` is `../`);
 * - a raw `\`: Windows and some frameworks read it as `/`.
 * One case-insensitive regex, run once per request on the path only (the query is not routed).
 */
const UNSAFE_PATH = /%2f|%5c|\\|(?:^|\/)(?:\.|%2e)(?:\.|%2e|;|%3b|\/|$)/i;
const DEFAULT_OPS_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/**
 * The gateway's request listener, plain node http: route by longest prefix, strip caller-sent
 * X-Auth-*, verify the bearer token when the route asks, add the identity headers and proxy.
 * No body parsing and no express on this path; one log line per request.
 */
export function createGatewayHandler({ findRoute, verifier, ops, opsPaths = DEFAULT_OPS_PATHS, logger, observer, allowedOrigins }: GatewayHandlerOptions): RequestListener {
  const accessLog = createAccessLog(logger);
  return (req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    if (opsPaths.has(path)) return ops(req, res);

    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    let route: CompiledRoute | undefined;
    observer?.request(req, res, () => route?.definition.prefix ?? 'unmatched');
    res.once('close', () => {
      accessLog({
        reqId: requestId,
        method: req.method,
        route: route?.definition.prefix ?? '(unmatched)',
        path,
        status: res.statusCode,
        ms: elapsedMs(started),
        ...(res.writableFinished ? {} : { aborted: true as const }),
      });
    });

    if (!path.startsWith('/') || UNSAFE_PATH.test(path)) {
      return sendError(res, new AppError('PATH_INVALID', 400, 'the request path is not valid'), GATEWAY_REALM);
    }
    route = findRoute(path);
    if (route === undefined) return sendError(res, new AppError('NOT_FOUND', 404, 'no route for this path'), GATEWAY_REALM);
    stripIdentityHeaders(req.headers);
    // Node already answered `Expect: 100-continue`; passed on, it would also make http-proxy skip
    // its proxyReq hook, and with it our upstream timeout and disconnect handling.
    if (req.headers.expect !== undefined) delete req.headers.expect;
    rewritePath(req, route.definition.stripPrefix, url);
    if (route.definition.auth === 'none') return route.proxy(req, res);

    let token: string | undefined;
    try {
      // Bearer header, or on `cookies: true` routes the access_token cookie (CSRF-checked, and
      // copied into Authorization so upstreams see what a Bearer client sends).
      token = requestAccessToken(req, route.definition.cookies, allowedOrigins);
    } catch (err) {
      return refuse(res, err);
    }
    if (token === undefined) {
      if (route.definition.auth === 'optional') return route.proxy(req, res);
      return refuse(res, tokenError('TOKEN_MISSING'));
    }
    const matched = route;
    verifier.verify(token).then(
      (identity) => {
        observer?.verification('ok');
        try {
          assertAuthorized(identity, matched.requirementsFor(req.method));
        } catch (err) {
          return refuse(res, err);
        }
        // The client may have left while the keys were fetched: do not start an upstream call for nobody.
        if (res.destroyed) return;
        setIdentityHeaders(req.headers, identity);
        matched.proxy(req, res);
      },
      (err: unknown) => {
        observer?.verification(isAppError(err) ? err.code : 'OTHER');
        refuse(res, err);
      },
    );
  };

  function refuse(res: ServerResponse, err: unknown): void {
    const appError = isAppError(err) ? err : internalError(err);
    if (appError.status >= 500 && appError.code !== 'JWKS_UNAVAILABLE') logger.error({ err: appError.cause ?? appError, code: appError.code }, 'request failed');
    sendError(res, appError, GATEWAY_REALM);
  }
}

function rewritePath(req: IncomingMessage, stripPrefix: string, url: string): void {
  if (stripPrefix === '') return;
  const rest = url.slice(stripPrefix.length);
  req.url = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
}

/** Per-method requirements resolved once at start: HEAD falls back to GET, then `*` applies. */
export function compileRequirements(definition: RouteDefinition): (method: string | undefined) => AccessRequirements {
  const roles = definition.roles;
  const byMethod = new Map<string, AccessRequirements>();
  const fallback: AccessRequirements = { scopes: definition.scopes['*'] ?? [], roles };
  for (const [method, scopes] of Object.entries(definition.scopes)) {
    if (method !== '*') byMethod.set(method, { scopes: scopes ?? [], roles });
  }
  const get = byMethod.get('GET');
  if (get !== undefined && !byMethod.has('HEAD')) byMethod.set('HEAD' satisfies HttpMethod, get);
  return (method) => (method === undefined ? fallback : (byMethod.get(method) ?? fallback));
}
