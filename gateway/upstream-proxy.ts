import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse, ClientRequest } from 'node:http';
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
 * method, path and query go through as they are (path already rewritten by the caller);
 * X-Forwarded-For/Port/Proto are appended and X-Forwarded-Host set by http-proxy's `xfwd`.
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
  /** Called once per failed upstream exchange that got a 502/504 (metrics). */
  onUpstreamError?: (err: Error, timedOut: boolean) => void;
}

export function createUpstreamProxy(options: UpstreamProxyOptions): ProxyHandler {
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
    xfwd: true,
    changeOrigin: false,
    ejectPlugins: true,
    plugins: [guard],
  });

  return (req, res) => {
    void middleware(req, res, (err?: unknown) => {
      // hpm reports synchronous failures (e.g. an invalid outgoing header) through next.
      options.logger.error({ err, upstream: options.upstream.origin }, 'proxy failed');
      options.onUpstreamError?.(err instanceof Error ? err : new Error(String(err)), false);
      sendError(res, new AppError('UPSTREAM_UNAVAILABLE', 502, 'the upstream service is unavailable', { error: 'bad_gateway' }), REALM);
    });
  };
}
