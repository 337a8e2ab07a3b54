import { context } from '@opentelemetry/api';
import { isAppError } from '../lib/errors.js';
import { traceContextOf } from '../lib/tracing/http-spans.js';
import { assertAuthorized, tokenError, type Verifier, type VerifiedToken } from '../lib/verifier/index.js';
import { challengedAsDpop, checkSenderConstraint, FORWARDED_PREFIX, needsSenderCheck, publicUrlOf, type DpopProofVerifier } from '../lib/verifier/index.js';
import { requestAccessToken } from './cookie-credentials.js';
import type { CompiledRoute, GatewayObserver } from './compiled-route.js';
import { removeHeader } from '../lib/edge/hop-by-hop.js';
import type { RequestExchange } from './request-exchange.js';
import type { ProxyTrust } from '../lib/http/client-address.js';
import { rateLimited } from './rate-limited.js';

const FORWARDED_HEADERS_SET = () => true;

/** What becomes of a request once decided: the proxy port proxies it, the decision port answers 200. */
export interface DecisionOutcome {
  /** Allowed: `identity` is the verified token, undefined on a public route or a tokenless optional one. */
  allow(exchange: RequestExchange, route: CompiledRoute, identity: VerifiedToken | undefined): void;
  /** Refused: `err` is the AppError to answer with (401/403/503 with its challenge) or anything thrown. */
  refuse(exchange: RequestExchange, err: unknown): void;
}

export interface AccessDecisionOptions {
  verifier: Verifier;
  /** Origins allowed to send cookie-authenticated writes (routes with `cookies: true`) and cookie WebSocket upgrades. */
  allowedOrigins: ReadonlySet<string>;
  /** Checks DPoP proofs (RFC 9449) of bound tokens, with the replay cache every replica shares. */
  verifyDpopProof: DpopProofVerifier;
  observer?: GatewayObserver | undefined;
  /** Peers whose X-Forwarded-For is believed when a route's `rate_limit` is keyed by address. */
  addressTrust: ProxyTrust;
}

/** Decides one request on its matched route, then calls `allow` or `refuse` (synchronously for a cached token). */
export type AccessDecision = (exchange: RequestExchange, route: CompiledRoute) => void;

/**
 * The gateway's one access decision, shared by the proxy port and the decision port (issue 27):
 * the route's `auth`, the token from the Authorization header or the session cookie (with the
 * CSRF/Origin rules of cookie routes), its verification (signature, claims, revocation), its
 * sender constraint (DPoP, `htu` built from `X-Forwarded-Proto/Host` and the exchange's path),
 * then the route's scopes, roles and delegation rules. The caller has resolved the route and made
 * `X-Forwarded-Proto/Host` and `req.method` those of the original request.
 *
 * Hot path: the functions are made once per outcome, per-request state is the exchange; no
 * closure or promise is created per request for a token the verifier already holds.
 */
export function createAccessDecision({ verifier, allowedOrigins, verifyDpopProof, observer, addressTrust }: AccessDecisionOptions, outcome: DecisionOutcome): AccessDecision {
  const refuse = outcome.refuse;
  // Every allow spends the route's rate limit first: after verification, so a forged token spends nothing.
  const allow = rateLimited(outcome, addressTrust);
  /** A token verification failed (or its sender check did): count it and answer. */
  function refuseToken(exchange: RequestExchange, route: CompiledRoute, err: unknown): void {
    observer?.verification(isAppError(err) ? err.code : 'OTHER');
    refuse(exchange, dpopAware(err, exchange, route));
  }

  /** A token the verifier already holds (the common case) is handled synchronously; anything else awaits `verify`. */
  function verifyAndAllow(exchange: RequestExchange, route: CompiledRoute, token: string): void {
    let known: VerifiedToken | Promise<VerifiedToken> | undefined;
    try {
      known = verifier.verifyCached(token);
    } catch (err) {
      return refuseToken(exchange, route, err);
    }
    if (known !== undefined && !(known instanceof Promise)) return void authorize(exchange, route, known);
    (known ?? verifier.verify(token)).then(
      (identity) => authorize(exchange, route, identity),
      (err: unknown) => refuseToken(exchange, route, err),
    );
  }

  /** After the token verified: its sender constraint (DPoP), then the route's requirements. */
  function authorize(exchange: RequestExchange, route: CompiledRoute, identity: VerifiedToken): void | Promise<void> {
    // An unbound Bearer token on a route that allows Bearer skips this (the benchmarked path).
    if (needsSenderCheck(identity.claims, exchange.req.headers.authorization, route.definition.dpop)) {
      return checkSender(exchange, route, identity).then(
        () => authorized(exchange, route, identity),
        (err: unknown) => refuseToken(exchange, route, err),
      );
    }
    authorized(exchange, route, identity);
  }

  function authorized(exchange: RequestExchange, route: CompiledRoute, identity: VerifiedToken): void {
    observer?.verification('ok');
    try {
      assertAuthorized(identity, route.requirementsFor(exchange.req.method));
    } catch (err) {
      return refuse(exchange, err);
    }
    // The client may have left while the keys were fetched: do not start an upstream call for nobody.
    if (exchange.res.destroyed) return;
    try {
      allow(exchange, route, identity);
    } catch (err) {
      refuse(exchange, err);
    }
  }

  /** RFC 9449 §7: the proof names the URL the client used (before any prefix is stripped) and binds this token. */
  async function checkSender(exchange: RequestExchange, route: CompiledRoute, identity: VerifiedToken): Promise<void> {
    const req = exchange.req;
    // The caller has made X-Forwarded-Proto/Host true (setForwardedHeaders on the proxy port, the
    // original request's on the decision port), so they are read as from a trusted peer.
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

  return (exchange, route) => {
    if (route.definition.auth === 'none') return allow(exchange, route, undefined);
    const req = exchange.req;
    let token: string | undefined;
    try {
      // Bearer header, or on `cookies: true` routes the access_token cookie (CSRF-checked, or
      // Origin-checked for an upgrade, and copied into Authorization so upstreams see what a
      // Bearer client sends).
      token = requestAccessToken(req, route.definition.cookies, allowedOrigins, exchange.websocket);
    } catch (err) {
      return refuse(exchange, dpopAware(err, exchange, route));
    }
    if (token === undefined) {
      if (route.definition.auth === 'optional') return allow(exchange, route, undefined);
      return refuse(exchange, dpopAware(tokenError('TOKEN_MISSING'), exchange, route));
    }
    // Traced: the verification (and a JWKS fetch it needs) runs in the request span's context.
    const traced = traceContextOf(req);
    if (traced === undefined) verifyAndAllow(exchange, route, token);
    else context.with(traced, verifyAndAllow, undefined, exchange, route, token);
  };
}
