import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { context, type Span } from '@opentelemetry/api';
import { AppError, isAppError, internalError } from '../lib/errors.js';
import { logFailure } from '../lib/http/error-handler.js';
import { createRequestEndReporter, type EndedRequest } from '../lib/http/request-lifecycle.js';
import type { Logger } from '../lib/logger.js';
import { startServerSpan, traceContextOf } from '../lib/tracing/http-spans.js';
import { tracingEnabled } from '../lib/tracing/tracer.js';
import type { ProxyTrust } from '../lib/http/client-address.js';
import { assertAuthorized, tokenError, type AccessRequirements, type Verifier, type VerifiedToken } from '../lib/verifier/index.js';
import { challengedAsDpop, checkSenderConstraint, FORWARDED_PREFIX, needsSenderCheck, publicUrlOf, type DpopProofVerifier } from '../lib/verifier/index.js';
import { requestAccessToken } from './cookie-credentials.js';
import type { CorsPolicy } from './cors.js';
import { setForwardedHeaders } from './forwarded-headers.js';
import { resolvePath } from './request-path.js';
import { removeHeader, stripInboundHeaders } from './hop-by-hop.js';
import { setIdentityHeaders } from './identity-headers.js';
import { assignRequestId, stampRequestId } from './request-id.js';
import type { RouteDefinition } from './route-config.js';
import { sendError } from '../lib/http/send-json.js';
import type { ProxyHandler } from './upstream-proxy.js';

export const GATEWAY_REALM = 'gateway';

const FORWARDED_HEADERS_SET = () => true;

/** A route ready to serve: its definition, its proxy and its per-method requirements worked out at start. */
export interface CompiledRoute {
  definition: RouteDefinition;
  proxy: ProxyHandler;
  requirementsFor(method: string | undefined): AccessRequirements;
  /** Answers CORS for this route (`cors:` in routes.yaml); undefined when the route has none. */
  cors?: CorsPolicy | undefined;
}

/** Hooks for metrics, kept out of the handler so it does not depend on a metrics library. */
export interface GatewayObserver {
  /** A response ended (or the client left): `route` is the matched prefix or `unmatched`. */
  finished(req: IncomingMessage, res: ServerResponse, route: string, seconds: number): void;
  /** A token verification ended: `ok` or the error code. */
  verification(outcome: string): void;
}

/** What a WebSocket upgrade needs once it is authorised: the route, and the verified identity when there was a token. */
export type UpgradeTunnel = (req: IncomingMessage, res: ServerResponse, route: CompiledRoute, identity: VerifiedToken | undefined) => void;

export interface GatewayHandlerOptions {
  /** Longest-prefix lookup; given the lower-cased path (prefixes match case-insensitively). */
  findRoute: (lowerCasePath: string) => CompiledRoute | undefined;
  verifier: Verifier;
  /** Serves the paths in `opsPaths` (an express app; kept off the proxy path). */
  ops: RequestListener;
  /** Paths answered by `ops`: /healthz, /readyz and, with GATEWAY_DEMO_PAGE, the demo page. */
  opsPaths: ReadonlySet<string>;
  logger: Logger;
  observer?: GatewayObserver;
  /** Origins allowed to send cookie-authenticated writes (routes with `cookies: true`) and cookie WebSocket upgrades. */
  allowedOrigins: ReadonlySet<string>;
  /** Peers whose X-Forwarded-* are kept (TRUSTED_PROXIES). */
  trust: ProxyTrust;
  /** Tunnels an authorised upgrade on a `websocket: true` route. */
  tunnel?: UpgradeTunnel;
  /** Checks DPoP proofs (RFC 9449) of bound tokens, with the replay cache every replica shares. */
  verifyDpopProof: DpopProofVerifier;
}

/** A request handler that also takes upgrades: `upgrade` is true when `res` stands for an upgrade's socket. */
export type GatewayHandler = (req: IncomingMessage, res: ServerResponse, upgrade?: boolean) => void;

/**
 * The gateway's request listener, plain node http: resolve the route (request-path.ts), strip
 * caller-sent X-Auth-* and hop-by-hop headers, answer CORS preflights, verify the token when the
 * route asks, add the identity headers and proxy (or tunnel a WebSocket). No body parsing and
 * no express on this path; one log line per request.
 */
export function createGatewayHandler({ findRoute, verifier, ops, opsPaths, logger, observer, allowedOrigins, trust, tunnel, verifyDpopProof }: GatewayHandlerOptions): GatewayHandler {
  const reportEnd = createRequestEndReporter(logger, observer?.finished);

  // Per-request state lives in an Exchange object and the functions below are made once: no
  // closure is created per request (closures are what a busy proxy allocates most of).
  function onClose(this: ServerResponse): void {
    reportEnd((this as Tracked)[EXCHANGE]!);
  }

  function pass(exchange: RequestExchange, route: CompiledRoute, identity: VerifiedToken | undefined): void {
    if (identity !== undefined) setIdentityHeaders(exchange.req.headers, identity);
    if (exchange.websocket) tunnel?.(exchange.req, exchange.res, route, identity);
    else route.proxy(exchange.req, exchange.res);
  }

  /** A token verification failed (or its sender check did): count it and answer. */
  function refuseToken(exchange: RequestExchange, route: CompiledRoute, err: unknown): void {
    observer?.verification(isAppError(err) ? err.code : 'OTHER');
    refuse(exchange.res, dpopAware(err, exchange, route));
  }

  /**
   * Verifies and passes the request on. A token the verifier already holds (the common case) is
   * handled synchronously, without a promise per request; anything else awaits `verify`.
   */
  function verifyAndPass(exchange: RequestExchange, route: CompiledRoute, token: string): void {
    let known: VerifiedToken | Promise<VerifiedToken> | undefined;
    try {
      known = verifier.verifyCached(token);
    } catch (err) {
      return refuseToken(exchange, route, err);
    }
    if (known !== undefined && !(known instanceof Promise)) return void authorizeAndPass(exchange, route, known);
    (known ?? verifier.verify(token)).then(
      (identity) => authorizeAndPass(exchange, route, identity),
      (err: unknown) => refuseToken(exchange, route, err),
    );
  }

  /** After the token verified: its sender constraint (DPoP), the route's requirements, then the upstream. */
  function authorizeAndPass(exchange: RequestExchange, route: CompiledRoute, identity: VerifiedToken): void | Promise<void> {
    // An unbound Bearer token on a route that allows Bearer skips this (the benchmarked path).
    if (needsSenderCheck(identity.claims, exchange.req.headers.authorization, route.definition.dpop)) {
      return checkSender(exchange, route, identity).then(
        () => authorizedPass(exchange, route, identity),
        (err: unknown) => refuseToken(exchange, route, err),
      );
    }
    authorizedPass(exchange, route, identity);
  }

  function authorizedPass(exchange: RequestExchange, route: CompiledRoute, identity: VerifiedToken): void {
    observer?.verification('ok');
    try {
      assertAuthorized(identity, route.requirementsFor(exchange.req.method));
    } catch (err) {
      return refuse(exchange.res, err);
    }
    // The client may have left while the keys were fetched: do not start an upstream call for nobody.
    if (exchange.res.destroyed) return;
    try {
      pass(exchange, route, identity);
    } catch (err) {
      refuse(exchange.res, err);
    }
  }

  /** RFC 9449 §7: the proof names the URL the client used (before any prefix is stripped) and binds this token. */
  async function checkSender(exchange: RequestExchange, route: CompiledRoute, identity: VerifiedToken): Promise<void> {
    const req = exchange.req;
    // setForwardedHeaders has made X-Forwarded-Proto/Host true (kept from TRUSTED_PROXIES, else
    // rewritten from the connection), so they are read as from a trusted peer.
    const url = publicUrlOf(req, FORWARDED_HEADERS_SET, { path: exchange.path });
    await checkSenderConstraint(verifyDpopProof, identity, { authorization: req.headers.authorization, proof: req.headers.dpop, method: req.method ?? 'GET', url }, route.definition.dpop);
    // Services behind us check the proof again: tell them the prefix we strip, so they rebuild the same URL.
    const stripped = route.definition.stripPrefix;
    if (stripped === '') removeHeader(req.headers, FORWARDED_PREFIX);
    else req.headers[FORWARDED_PREFIX] = stripped;
  }

  /** Refusals of a DPoP-scheme request, or on a `dpop: required` route, are challenged with DPoP. */
  function dpopAware(err: unknown, exchange: RequestExchange, route: CompiledRoute): unknown {
    return isAppError(err) ? challengedAsDpop(err, exchange.req.headers.authorization, route.definition.dpop) : err;
  }

  function refuse(res: ServerResponse, err: unknown): void {
    const appError = isAppError(err) ? err : internalError(err);
    // The JWKS fetcher warns once per outage; every refusal it causes would repeat that.
    if (appError.status >= 500 && appError.code !== 'JWKS_UNAVAILABLE') logFailure(logger.child({ reqId: res.req.headers['x-request-id'] }), appError);
    stampRequestId(res.req, res);
    sendError(res, appError, GATEWAY_REALM);
  }

  return (req, res, upgrade = false) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    if (!upgrade && opsPaths.has(path)) return ops(req, res);

    const requestId = assignRequestId(req);
    const exchange = new RequestExchange(req, res, path, requestId);
    (res as Tracked)[EXCHANGE] = exchange;
    if (tracingEnabled()) exchange.span = startServerSpan(req, path, requestId);
    // One listener for the log line and the metrics. `on`, not `once`: a response closes once, and
    // `once` would wrap the listener in a new closure per request.
    res.on('close', onClose);

    const verdict = resolvePath(path, findRoute);
    if (verdict.kind === 'invalid') return refuse(res, new AppError('PATH_INVALID', 400, verdict.reason));
    const route = verdict.route;
    if (route === undefined) return refuse(res, new AppError('NOT_FOUND', 404, 'no route for this path'));
    exchange.route = route.definition.prefix;
    const websocket = upgrade && route.definition.websocket;
    exchange.websocket = websocket;
    if (upgrade && !websocket) return refuse(res, new AppError('UPGRADE_NOT_ALLOWED', 400, 'this route does not take WebSocket upgrades'));
    if (route.cors !== undefined && route.cors.handle(req, res)) return;
    // Caller-sent X-Auth-* (any spelling) and hop-by-hop headers, in one pass.
    stripInboundHeaders(req.headers, websocket);
    // Node already answered `Expect: 100-continue`; the upstream gets the body without waiting.
    removeHeader(req.headers, 'expect');
    setForwardedHeaders(req, trust);
    rewritePath(req, route.definition.stripPrefix, url);
    if (route.definition.auth === 'none') return pass(exchange, route, undefined);

    let token: string | undefined;
    try {
      // Bearer header, or on `cookies: true` routes the access_token cookie (CSRF-checked, or
      // Origin-checked for an upgrade, and copied into Authorization so upstreams see what a
      // Bearer client sends).
      token = requestAccessToken(req, route.definition.cookies, allowedOrigins, websocket);
    } catch (err) {
      return refuse(res, dpopAware(err, exchange, route));
    }
    if (token === undefined) {
      if (route.definition.auth === 'optional') return pass(exchange, route, undefined);
      return refuse(res, dpopAware(tokenError('TOKEN_MISSING'), exchange, route));
    }
    // Traced: the verification (and a JWKS fetch it needs) runs in the request span's context.
    const traced = traceContextOf(req);
    if (traced === undefined) verifyAndPass(exchange, route, token);
    else context.with(traced, verifyAndPass, undefined, exchange, route, token);
  };
}

const EXCHANGE = Symbol('gatewayExchange');
type Tracked = ServerResponse & { [EXCHANGE]?: RequestExchange };

/** What the gateway knows about one request, for its log line and metrics. */
class RequestExchange implements EndedRequest {
  readonly started = process.hrtime.bigint();
  /** The matched route's prefix. */
  route: string | undefined = undefined;
  websocket = false;
  /** The request's SERVER span, when tracing is on. */
  span: Span | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly path: string,
    readonly requestId: string,
  ) {}
}

function rewritePath(req: IncomingMessage, stripPrefix: string, url: string): void {
  if (stripPrefix === '') return;
  const rest = url.slice(stripPrefix.length);
  req.url = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
}
