import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { isAppError } from '../errors.js';
import { setForwardedHeaders } from '../edge/forwarded-headers.js';
import { presentHeaders, removeHeader, responseHead, stripInboundHeaders } from '../edge/hop-by-hop.js';
import { setIdentityHeaders } from '../edge/identity-headers.js';
import { restoreStrippedPrefix, upstreamFailure } from '../edge/upstream-response.js';
import { parseProxyTrust, type ProxyTrust } from '../http/client-address.js';
import { toAppError } from '../http/error-handler.js';
import { requestIdFrom } from '../http/request-lifecycle.js';
import { sendError } from '../http/send-json.js';
import { FORWARDED_PREFIX, type AccessRequirements, type Verifier } from '../verifier/index.js';
import { createRequireAuth, type RequireAuthOptions } from './require-auth.js';

export interface AuthgateProxyOptions extends RequireAuthOptions {
  /** The verifier (createVerifier from `authgate/verifier`), with `revocations` to refuse revoked tokens. */
  verifier: Verifier;
  /** The upstream (`http://notes:4001`). The path is the request's as express hands it (a mount path is cut, as express does). */
  target: string | URL;
  /** `required` (default): a valid token or a refusal; `none`: public, proxied without verification (the header policy still applies). */
  auth?: 'required' | 'none';
  /** Scopes (all required) and roles (any one), per mount, or per method (as routes.yaml's `scopes: {GET: ...}`). */
  requirements?: AccessRequirements | ((method: string) => AccessRequirements);
  /** Peers whose X-Forwarded-* are kept (the gateway's TRUSTED_PROXIES, same syntax); default: none. */
  trustedProxies?: string | ProxyTrust;
  /** The upstream's silence, in ms, before a 504 (the gateway's route `timeoutMs`). Default 30000. */
  timeoutMs?: number;
}

/**
 * `authgateProxy({ target, requirements })`: an express middleware that does what the standalone
 * gateway does for one route, for a team that keeps its own express edge: the token verified by
 * the given verifier (requireAuth: signature, claims, revocation, DPoP), the scopes and roles
 * checked, then the request proxied (http-proxy-middleware) under the gateway's header policy
 * (lib/edge: caller X-Auth-* and hop-by-hop headers removed both ways, identity headers and
 * X-Forwarded-* set). Refusals are the gateway's RFC 6750 401/403 with WWW-Authenticate.
 * Mount it before any body parser: the body is streamed to the upstream untouched.
 */
export function authgateProxy(options: AuthgateProxyOptions): RequestHandler {
  const { verifier, target, auth = 'required', requirements = {}, trustedProxies = '', timeoutMs = 30_000, realm = 'gateway' } = options;
  const trust = typeof trustedProxies === 'string' ? parseProxyTrust(trustedProxies) : trustedProxies;
  const requireAuth = createRequireAuth(verifier, { ...options, realm });
  // The check is made once when the requirements are fixed; per request only when they depend on the method.
  let checkFor: (method: string) => RequestHandler;
  if (typeof requirements === 'function') checkFor = (method) => requireAuth(requirements(method));
  else {
    const check = requireAuth(requirements);
    checkFor = () => check;
  }
  const timedOut = new WeakSet<IncomingMessage>();
  const proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: target.toString(),
    // Kept-alive connections to the upstream, as the gateway's pool does.
    agent: new Agent({ keepAlive: true }),
    proxyTimeout: timeoutMs,
    // X-Forwarded-* are set by setForwardedHeaders (trusted peers only), not by http-proxy.
    xfwd: false,
    // The response head goes through responseHead (hop-by-hop removed, X-Request-Id set).
    selfHandleResponse: true,
    on: {
      proxyReq(proxyReq, req) {
        // http-proxy reports its proxyTimeout as a reset socket: remember that it was the timeout.
        proxyReq.on('timeout', () => timedOut.add(req));
      },
      proxyRes(upstream, req, res) {
        // The upstream answers in its own path space: put the mount path express cut back on Location.
        const mountPath = (req as Request).baseUrl;
        if (mountPath !== '') restoreStrippedPrefix(upstream.headers, mountPath);
        res.writeHead(upstream.statusCode ?? 502, responseHead(upstream.headers, req.headers['x-request-id'] as string));
        upstream.pipe(res);
      },
      error(_err, req, res) {
        // Web requests only (no upgrades are proxied), so `res` is the client's response.
        sendError(res as ServerResponse, upstreamFailure(timedOut.has(req)), realm);
      },
    },
  });

  function forward(req: Request, res: ServerResponse, next: (err?: unknown) => void): void {
    setForwardedHeaders(req, trust);
    // What the upstream needs to rebuild the client's URL for a DPoP proof: the mount path express cut.
    if (req.baseUrl === '') removeHeader(req.headers, FORWARDED_PREFIX);
    else req.headers[FORWARDED_PREFIX] = req.baseUrl;
    if (req.auth !== undefined) setIdentityHeaders(req.headers, req.auth);
    // node's http.request (under http-proxy) refuses undefined header values: keep only the present ones.
    req.headers = presentHeaders(req.headers);
    void proxy(req, res, next);
  }

  return (req, res, next) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    req.headers['x-request-id'] = requestId;
    // Caller-sent X-Auth-* (any spelling) and hop-by-hop headers, before anything reads them.
    stripInboundHeaders(req.headers, false);
    removeHeader(req.headers, 'expect');
    // A caller's identity is never trusted, even from an earlier middleware.
    req.auth = undefined;
    if (auth === 'none') return forward(req, res, next);
    checkFor(req.method)(req, res, (err?: unknown) => {
      if (err === undefined) return forward(req, res, next);
      res.setHeader('X-Request-Id', requestId);
      sendError(res, isAppError(err) ? err : toAppError(err), realm);
    });
  };
}
