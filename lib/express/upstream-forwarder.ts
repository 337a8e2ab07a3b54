import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Request } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { setForwardedHeaders } from '../edge/forwarded-headers.js';
import { presentHeaders, removeHeader, responseHead, stripInboundHeaders } from '../edge/hop-by-hop.js';
import { setIdentityHeaders } from '../edge/identity-headers.js';
import { restoreStrippedPrefix, upstreamFailure } from '../edge/upstream-response.js';
import type { ProxyTrust } from '../http/client-address.js';
import { requestIdFrom } from '../http/request-lifecycle.js';
import { sendError } from '../http/send-json.js';
import { FORWARDED_PREFIX } from '../verifier/index.js';

/**
 * Sends a decided request to one upstream (http-proxy-middleware) under the gateway's header
 * policy: X-Forwarded-* (trusted peers only), the identity headers of `req.auth`, and
 * `X-Forwarded-Prefix` naming `cutPrefix`, the path the upstream does not see (express's mount
 * path, plus a route's `stripPrefix`), which is also put back on the upstream's Location.
 */
export type Forward = (req: Request, res: ServerResponse, next: (err?: unknown) => void, cutPrefix: string) => void;

export interface ForwarderOptions {
  target: string | URL;
  timeoutMs: number;
  trust: ProxyTrust;
  realm: string;
}

export function createForwarder({ target, timeoutMs, trust, realm }: ForwarderOptions): Forward {
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
        // The upstream answers in its own path space: put what was cut before it back on Location.
        const cut = req.headers[FORWARDED_PREFIX];
        if (typeof cut === 'string') restoreStrippedPrefix(upstream.headers, cut);
        res.writeHead(upstream.statusCode ?? 502, responseHead(upstream.headers, req.headers['x-request-id'] as string));
        upstream.pipe(res);
      },
      error(_err, req, res) {
        // Web requests only (no upgrades are proxied), so `res` is the client's response.
        sendError(res as ServerResponse, upstreamFailure(timedOut.has(req)), realm);
      },
    },
  });

  return (req, res, next, cutPrefix) => {
    setForwardedHeaders(req, trust);
    // What the upstream needs to rebuild the client's URL for a DPoP proof, and Location's prefix.
    if (cutPrefix === '') removeHeader(req.headers, FORWARDED_PREFIX);
    else req.headers[FORWARDED_PREFIX] = cutPrefix;
    if (req.auth !== undefined) setIdentityHeaders(req.headers, req.auth);
    // node's http.request (under http-proxy) refuses undefined header values: keep only the present ones.
    req.headers = presentHeaders(req.headers);
    void proxy(req, res, next);
  };
}

/**
 * What every request gets before anything reads it: its X-Request-Id, and the caller's X-Auth-*
 * (any spelling) and hop-by-hop headers removed; a caller's identity is never trusted, even from
 * an earlier middleware. Returns the request id.
 */
export function prepareInbound(req: Request): string {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  req.headers['x-request-id'] = requestId;
  stripInboundHeaders(req.headers, false);
  removeHeader(req.headers, 'expect');
  req.auth = undefined;
  return requestId;
}
