import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse, ClientRequest } from 'node:http';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { Plugin } from 'http-proxy-middleware';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { sendError } from './send-json.js';

export type ProxyHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface UpstreamAgents {
  /** The keep-alive agent of `upstream`'s origin, created on first use and shared by its routes. */
  agentFor(upstream: URL): http.Agent;
  destroy(): void;
}

/** One keep-alive agent per upstream origin, so proxied requests reuse warm connections. */
export function createUpstreamAgents(): UpstreamAgents {
  const agents = new Map<string, http.Agent>();
  return {
    agentFor(upstream) {
      let agent = agents.get(upstream.origin);
      if (agent === undefined) {
        const options = { keepAlive: true, scheduling: 'lifo' as const };
        agent = upstream.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
        agents.set(upstream.origin, agent);
      }
      return agent;
    },
    destroy() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
}

const REALM = 'gateway';

/**
 * A streaming proxy to one upstream with http-proxy-middleware: the body is piped, never parsed;
 * method, path and query go through as they are (path already rewritten by the caller).
 * X-Forwarded-For/Proto/Host/Port are overwritten from the connection (see setForwardedHeaders);
 * with a stripped prefix, an absolute-path Location/Content-Location gets the prefix back.
 *
 * hpm's default plugins are ejected: its error plugin answers in text and its logger logs per
 * request; this plugin answers 502/504 as JSON, bounds the wait with an idle timeout, and ties the
 * upstream exchange to the client's connection so neither side is left hanging.
 */
export interface UpstreamProxyOptions {
  upstream: URL;
  agent: http.Agent;
  timeoutMs: number;
  logger: Logger;
  /** The part of the path the route strips before proxying ('' for none); restored in Location headers. */
  stripPrefix?: string;
  /** Called once per failed upstream exchange that got a 502/504 (metrics). */
  onUpstreamError?: (err: Error, timedOut: boolean) => void;
}

export function createUpstreamProxy(options: UpstreamProxyOptions): ProxyHandler {
  const stripPrefix = options.stripPrefix ?? '';
  const guard: Plugin = (proxyServer) => {
    proxyServer.on('proxyReq', (proxyReq: ClientRequest, _req: IncomingMessage, res: ServerResponse) => {
      // Idle timeout: fires when the upstream sends nothing for timeoutMs, before or during the response.
      proxyReq.setTimeout(options.timeoutMs, () => {
        if (!res.writableFinished) proxyReq.destroy(new UpstreamTimeoutError('upstream timed out'));
      });
      // Client went away: stop the upstream exchange so its socket is not left half-read.
      if (res.destroyed) return void proxyReq.destroy();
      res.once('close', () => {
        if (!res.writableFinished) proxyReq.destroy();
      });
    });
    proxyServer.on('proxyRes', (proxyRes: IncomingMessage, _req: IncomingMessage, res: ServerResponse) => {
      // Emitted before http-proxy copies the headers to the client, so edits here are what it sees.
      if (stripPrefix !== '') restoreStrippedPrefix(proxyRes.headers, stripPrefix);
      // Upstream died mid-response: the client must see a cut response, not wait forever.
      proxyRes.once('error', () => res.destroy());
      proxyRes.once('close', () => {
        if (!proxyRes.complete) res.destroy();
      });
    });
    proxyServer.on('error', (err: Error & { code?: string }, req: IncomingMessage, res: ServerResponse | import('node:net').Socket) => {
      if (!('setHeader' in res)) return res.destroy();
      if (req.socket.destroyed || res.destroyed) return;
      const timedOut = err instanceof UpstreamTimeoutError;
      options.onUpstreamError?.(err, timedOut);
      options.logger.warn({ upstream: options.upstream.origin, code: err.code, reqId: req.headers['x-request-id'] }, timedOut ? 'upstream timed out' : 'upstream unreachable');
      sendError(
        res,
        timedOut
          ? new AppError('UPSTREAM_TIMEOUT', 504, 'the upstream service did not answer in time', { error: 'gateway_timeout' })
          : new AppError('UPSTREAM_UNAVAILABLE', 502, 'the upstream service is unavailable', { error: 'bad_gateway' }),
        REALM,
      );
    });
    // A client reset while the upstream is busy is routine; http-proxy reports it here, not as an error.
    proxyServer.on('econnreset', () => {});
  };

  const middleware = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: options.upstream.href,
    agent: options.agent,
    // Off: xfwd appends to the client's X-Forwarded-For; as the public edge we overwrite it instead.
    xfwd: false,
    changeOrigin: false,
    ejectPlugins: true,
    plugins: [guard],
  });

  return (req, res) => {
    setForwardedHeaders(req);
    void middleware(req, res, (err?: unknown) => {
      // hpm reports synchronous failures (e.g. an invalid outgoing header) through next.
      options.logger.error({ err, upstream: options.upstream.origin }, 'proxy failed');
      options.onUpstreamError?.(err instanceof Error ? err : new Error(String(err)), false);
      sendError(res, new AppError('UPSTREAM_UNAVAILABLE', 502, 'the upstream service is unavailable', { error: 'bad_gateway' }), REALM);
    });
  };
}

const PORT_IN_HOST = /:(\d+)$/;

/**
 * The gateway is the public edge, so nothing a client sends in X-Forwarded-* is true: appended to,
 * a client's `X-Forwarded-For: 10.9.9.9` would become the address auth's trusted-proxy parsing
 * reads, dodging (or aiming) its per-IP login limit. Set all four from the connection instead,
 * directly on the headers http-proxy copies (no extra middleware on the hot path).
 */
function setForwardedHeaders(req: IncomingMessage): void {
  const headers = req.headers;
  // Other spellings of "who is the client" that an upstream might trust: the gateway is the edge,
  // so only its own X-Forwarded-* say that.
  delete headers.forwarded;
  delete headers['x-real-ip'];
  const address = req.socket.remoteAddress;
  if (address === undefined) delete headers['x-forwarded-for'];
  else headers['x-forwarded-for'] = address;
  const encrypted = 'encrypted' in req.socket && req.socket.encrypted === true;
  headers['x-forwarded-proto'] = encrypted ? 'https' : 'http';
  const host = headers.host;
  if (host === undefined) {
    delete headers['x-forwarded-host'];
    delete headers['x-forwarded-port'];
    return;
  }
  headers['x-forwarded-host'] = host;
  // The port the client addressed, as http-proxy's xfwd reported it; anchored at the end so an IPv6 literal's colons are not read as one.
  headers['x-forwarded-port'] = PORT_IN_HOST.exec(host)?.[1] ?? (encrypted ? '443' : '80');
}

/**
 * The upstream answers in its own path space (`Location: /notes/1`) but the client only knows the
 * gateway's (`/api/notes/1`): put the stripped part back on absolute paths. Absolute URLs,
 * scheme-relative `//host` refs and relative refs are left alone (a client resolves the latter
 * against the URL it used, which already carries the prefix).
 */
function restoreStrippedPrefix(headers: IncomingHttpHeaders, stripPrefix: string): void {
  const location = headers.location;
  if (location !== undefined && isAbsolutePath(location)) headers.location = stripPrefix + location;
  const contentLocation = headers['content-location'];
  if (typeof contentLocation === 'string' && isAbsolutePath(contentLocation)) headers['content-location'] = stripPrefix + contentLocation;
}

function isAbsolutePath(ref: string): boolean {
  return ref.charCodeAt(0) === 47 /* / */ && ref.charCodeAt(1) !== 47;
}
