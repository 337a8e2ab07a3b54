import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createRequestEndReporter } from '../lib/http/request-lifecycle.js';
import type { Logger } from '../lib/logger.js';
import { startServerSpan } from '../lib/tracing/http-spans.js';
import { tracingEnabled } from '../lib/tracing/tracer.js';
import type { ProxyTrust } from '../lib/http/client-address.js';
import type { DpopProofVerifier, Verifier, VerifiedToken } from '../lib/verifier/index.js';
import { createAccessDecision } from './access-decision.js';
import { setForwardedHeaders } from '../lib/edge/forwarded-headers.js';
import { stripPathPrefix } from '../lib/edge/strip-prefix.js';
import { removeHeader, stripInboundHeaders } from '../lib/edge/hop-by-hop.js';
import { setIdentityHeaders } from '../lib/edge/identity-headers.js';
import { assignRequestId } from './request-id.js';
import { createRefusal } from './refusal.js';
import { claimRoute } from './claim-route.js';
import type { CompiledRoute, GatewayObserver } from './compiled-route.js';
import { EXCHANGE, RequestExchange, type Tracked } from './request-exchange.js';

export type { CompiledRoute, GatewayObserver } from './compiled-route.js';

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
  /** Peers whose X-Forwarded-For names the client for `rate_limit` keyed by address (TRUSTED_PROXIES). */
  addressTrust: ProxyTrust;
  /** Tunnels an authorised upgrade on a `websocket: true` route. */
  tunnel?: UpgradeTunnel;
  /** Checks DPoP proofs (RFC 9449) of bound tokens, with the replay cache every replica shares. */
  verifyDpopProof: DpopProofVerifier;
}

/** A request handler that also takes upgrades: `upgrade` is true when `res` stands for an upgrade's socket. */
export type GatewayHandler = (req: IncomingMessage, res: ServerResponse, upgrade?: boolean) => void;

/**
 * The gateway's request listener, plain node http: claim the route (claim-route.ts), strip
 * caller-sent X-Auth-* and hop-by-hop headers, answer CORS preflights, verify the token when the
 * route asks, add the identity headers and proxy (or tunnel a WebSocket). No body parsing and
 * no express on this path; one log line per request.
 */
export function createGatewayHandler({ findRoute, verifier, ops, opsPaths, logger, observer, allowedOrigins, trust, addressTrust, tunnel, verifyDpopProof }: GatewayHandlerOptions): GatewayHandler {
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

  const refuse = createRefusal(logger);
  // The same decision the decision port answers with (access-decision.ts); allowed means proxied.
  const decide = createAccessDecision({ verifier, allowedOrigins, verifyDpopProof, observer, addressTrust }, { allow: pass, refuse: (exchange, err) => refuse(exchange.res, err) });

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

    const route = claimRoute(exchange, findRoute, upgrade, refuse);
    if (route === undefined) return;
    // Caller-sent X-Auth-* (any spelling) and hop-by-hop headers, in one pass.
    stripInboundHeaders(req.headers, exchange.websocket);
    // Node already answered `Expect: 100-continue`; the upstream gets the body without waiting.
    removeHeader(req.headers, 'expect');
    setForwardedHeaders(req, trust);
    stripPathPrefix(req, route.definition.stripPrefix, url);
    decide(exchange, route);
  };
}
