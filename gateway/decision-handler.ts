import type { OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import { AppError } from '../lib/errors.js';
import type { ProxyTrust } from '../lib/http/client-address.js';
import { createRequestEndReporter } from '../lib/http/request-lifecycle.js';
import type { Logger } from '../lib/logger.js';
import type { VerifiedToken } from '../lib/verifier/index.js';
import { createAccessDecision, type AccessDecisionOptions } from './access-decision.js';
import { readOriginalRequest } from './decision-request.js';
import type { CompiledRoute } from './compiled-route.js';
import { createRefusal } from './refusal.js';
import { removeHeader } from '../lib/edge/hop-by-hop.js';
import { setIdentityHeaders } from '../lib/edge/identity-headers.js';
import { EXCHANGE, RequestExchange, type Tracked } from './request-exchange.js';
import { assignRequestId } from './request-id.js';
import { addAnswerFields } from './answer-fields.js';
import { claimRoute } from './claim-route.js';
import { startServerSpan } from '../lib/tracing/http-spans.js';
import { tracingEnabled } from '../lib/tracing/tracer.js';

export interface DecisionHandlerOptions extends AccessDecisionOptions {
  /** The proxy port's route lookup: the same routes, matched by the same rules. */
  findRoute: (lowerCasePath: string) => CompiledRoute | undefined;
  /** Peers that may ask (loopback and TRUSTED_PROXIES): only they say what the original request was. */
  trust: ProxyTrust;
  logger: Logger;
}

/**
 * The decision port (GATEWAY_DECISION_PORT, issue 27): an ingress asks "may this request pass,
 * and as whom?" (nginx auth_request, Traefik/Caddy forward auth, Envoy ext_authz) and gets the
 * answer the proxy port would give the same request, from the same code: the route by
 * claim-route.ts, then createAccessDecision. 200 with the X-Auth-* identity headers for the
 * ingress to copy upstream (none on a public route), or the refusal the proxy port would send
 * (401/403/503 with its WWW-Authenticate and JSON body; 400 for a path it would refuse; 404 when
 * no route matches).
 *
 * Every header here says what the original request was, so only a trusted peer may ask: any other
 * gets 403, never an answer built on what it claims.
 */
export function createDecisionHandler({ findRoute, trust, logger, observer, ...decision }: DecisionHandlerOptions): RequestListener {
  const reportEnd = createRequestEndReporter(logger, observer?.finished);
  const refuse = createRefusal(logger);

  function onClose(this: ServerResponse): void {
    const exchange = (this as Tracked)[EXCHANGE];
    if (exchange !== undefined) reportEnd(exchange);
  }

  function allow(exchange: RequestExchange, _route: CompiledRoute, identity: VerifiedToken | undefined): void {
    const headers: OutgoingHttpHeaders = { 'content-length': '0', 'cache-control': 'no-store' };
    if (identity !== undefined) setIdentityHeaders(headers as Record<string, string>, identity);
    addAnswerFields(headers, exchange.res);
    exchange.res.writeHead(200, headers).end();
  }

  const decide = createAccessDecision({ ...decision, observer }, { allow, refuse: (exchange, err) => refuse(exchange.res, err) });

  return (req, res) => {
    const requestId = assignRequestId(req);
    const peer = req.socket.remoteAddress;
    if (peer === undefined || !trust(peer)) {
      return refuse(res, new AppError('DECISION_PEER_NOT_TRUSTED', 403, 'decision requests are answered for loopback and TRUSTED_PROXIES only', { error: 'forbidden' }));
    }
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    let original;
    try {
      original = readOriginalRequest(req, queryAt === -1 ? url : url.slice(0, queryAt));
    } catch (err) {
      return refuse(res, err);
    }
    if (original === undefined) return refuse(res, new AppError('NOT_FOUND', 404, 'the decision port answers /decide/auth-request, /decide/forward-auth and /decide/ext-authz/<path>'));

    // From here the decision request stands for the original one: every rule reads its method
    // (per-method scopes, CSRF on unsafe methods, DPoP `htm`) and its scheme and host (`htu`).
    req.method = original.method;
    req.headers['x-forwarded-proto'] = original.proto;
    if (original.host === undefined) removeHeader(req.headers, 'x-forwarded-host');
    else req.headers['x-forwarded-host'] = original.host;
    const originalQueryAt = original.uri.indexOf('?');
    const path = originalQueryAt === -1 ? original.uri : original.uri.slice(0, originalQueryAt);
    const exchange = new RequestExchange(req, res, path, requestId);
    (res as Tracked)[EXCHANGE] = exchange;
    // Traced like the proxy port: a SERVER span named by the original method and route, continuing
    // the traceparent the decision request carries, with the token check in its context.
    if (tracingEnabled()) {
      exchange.span = startServerSpan(req, path, requestId);
      exchange.span.setAttribute('authgate.decision', true);
    }
    res.on('close', onClose);

    // The original request's upgrade is refused where the proxy port would refuse it.
    const route = claimRoute(exchange, findRoute, req.headers.upgrade?.toLowerCase() === 'websocket', refuse);
    if (route !== undefined) decide(exchange, route);
  };
}
