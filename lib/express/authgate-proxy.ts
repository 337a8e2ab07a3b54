import type { RequestHandler } from 'express';
import { isAppError } from '../errors.js';
import type { Env } from '../config.js';
import { parseProxyTrust, type ProxyTrust } from '../http/client-address.js';
import { toAppError } from '../http/error-handler.js';
import { sendError } from '../http/send-json.js';
import type { AccessRequirements, Verifier } from '../verifier/index.js';
import { createRequireAuth, type RequireAuthOptions } from './require-auth.js';
import { createRoutesProxy } from './routes-proxy.js';
import { createForwarder, prepareInbound } from './upstream-forwarder.js';

interface CommonOptions extends RequireAuthOptions {
  /** The verifier (createVerifier from `authgate/verifier`), with `revocations` to refuse revoked tokens. */
  verifier: Verifier;
  /** Peers whose X-Forwarded-* are kept (the gateway's TRUSTED_PROXIES, same syntax); default: none. */
  trustedProxies?: string | ProxyTrust;
}

/** One upstream for the whole mount. */
export interface TargetProxyOptions extends CommonOptions {
  /** The upstream (`http://notes:4001`). The path is the request's as express hands it (a mount path is cut, as express does). */
  target: string | URL;
  routes?: never;
  /** `required` (default): a valid token or a refusal; `none`: public, proxied without verification (the header policy still applies). */
  auth?: 'required' | 'none';
  /** Scopes (all required) and roles (any one), per mount, or per method (as routes.yaml's `scopes: {GET: ...}`). */
  requirements?: AccessRequirements | ((method: string) => AccessRequirements);
  /** The upstream's silence, in ms, before a 504 (the gateway's route `timeoutMs`). Default 30000. */
  timeoutMs?: number;
}

/** The gateway's routes, matched and enforced as the gateway does (lib/edge). */
export interface RoutesProxyOptions extends CommonOptions {
  /**
   * A routes file in the shape of the gateway's routes.yaml (read once, now), or its `routes:`
   * entries as values. Matched against the path below the mount, by the gateway's rules.
   */
  routes: string | readonly unknown[];
  target?: never;
  /** Variables for `${VAR}` in upstreams. Default process.env. */
  env?: Env;
}

export type AuthgateProxyOptions = TargetProxyOptions | RoutesProxyOptions;

/**
 * `authgateProxy({ target | routes, ... })`: an express middleware that does what the standalone
 * gateway does, for a team that keeps its own express edge: the token verified by the given
 * verifier (requireAuth: signature, claims, revocation, DPoP), scopes and roles checked, then the
 * request proxied (http-proxy-middleware) under the gateway's header policy (lib/edge: caller
 * X-Auth-* and hop-by-hop headers removed both ways, identity headers and X-Forwarded-* set).
 * Refusals are the gateway's RFC 6750 401/403 with WWW-Authenticate.
 *
 * `target` proxies the whole mount to one upstream; `routes` takes the gateway's routes.yaml
 * (routes-proxy.ts). Mount it before any body parser: the body is streamed to the upstream untouched.
 */
export function authgateProxy(options: AuthgateProxyOptions): RequestHandler {
  const realm = options.realm ?? 'gateway';
  const trustedProxies = options.trustedProxies ?? '';
  const trust = typeof trustedProxies === 'string' ? parseProxyTrust(trustedProxies) : trustedProxies;
  if (options.routes !== undefined) return createRoutesProxy({ ...options, realm, trust });
  return targetProxy(options, realm, trust);
}

function targetProxy(options: TargetProxyOptions, realm: string, trust: ProxyTrust): RequestHandler {
  const { verifier, target, auth = 'required', requirements = {}, timeoutMs = 30_000 } = options;
  const requireAuth = createRequireAuth(verifier, { ...options, realm });
  // The check is made once when the requirements are fixed; per request only when they depend on the method.
  let checkFor: (method: string) => RequestHandler;
  if (typeof requirements === 'function') checkFor = (method) => requireAuth(requirements(method));
  else {
    const check = requireAuth(requirements);
    checkFor = () => check;
  }
  const forward = createForwarder({ target, timeoutMs, trust, realm });

  return (req, res, next) => {
    const requestId = prepareInbound(req);
    if (auth === 'none') return forward(req, res, next, req.baseUrl);
    checkFor(req.method)(req, res, (err?: unknown) => {
      if (err === undefined) return forward(req, res, next, req.baseUrl);
      res.setHeader('X-Request-Id', requestId);
      sendError(res, isAppError(err) ? err : toAppError(err), realm);
    });
  };
}
