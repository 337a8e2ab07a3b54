import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { Span } from '@opentelemetry/api';
import { errors, Pool, type Dispatcher } from 'undici';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { endClientSpan, startClientSpan, traceContextOf } from '../lib/tracing/http-spans.js';
import { removeHeader, responseHead } from './hop-by-hop.js';
import { sendError } from '../lib/http/send-json.js';
import { stampRequestId } from './request-id.js';

export type ProxyHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface UpstreamPools {
  /** The keep-alive connection pool of `upstream`'s origin, created on first use and shared by its routes. */
  poolFor(upstream: URL): Pool;
  close(): Promise<void>;
}

/**
 * One undici `Pool` per upstream origin. undici rather than `http.request` (or http-proxy on top
 * of it): its HTTP/1.1 client parses responses with llhttp in WebAssembly and keeps no per-request
 * ClientRequest/IncomingMessage/Agent bookkeeping, which is most of what a Node proxy spends per
 * request (bench/README.md has the numbers). Idle sockets are reused most-recent first.
 */
export function createUpstreamPools(): UpstreamPools {
  const pools = new Map<string, Pool>();
  return {
    poolFor(upstream) {
      let pool = pools.get(upstream.origin);
      if (pool === undefined) {
        pool = new Pool(upstream.origin, { connections: null, pipelining: 1 });
        pools.set(upstream.origin, pool);
      }
      return pool;
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((pool) => pool.destroy()));
    },
  };
}

export interface UpstreamProxyOptions {
  upstream: URL;
  pool: Dispatcher;
  /**
   * Idle timeout, from the start of the upstream call: 504 when no response head comes for this
   * long (connecting, sending the request and waiting all count); a response that then stalls this
   * long mid-body is cut. Time the gateway spends waiting for a slow client to take the response
   * does not count against the upstream.
   */
  timeoutMs: number;
  logger: Logger;
  /** The part of the path the route strips before proxying ('' for none); restored in Location headers. */
  stripPrefix?: string;
  /** Called once per failed upstream exchange that got a 502/504 (metrics). */
  onUpstreamError?: (err: Error, timedOut: boolean) => void;
}

const REALM = 'gateway';
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * A streaming proxy to one upstream: the body is streamed both ways, never parsed; method, path
 * and query go through as they are (the path already rewritten by the caller), headers too,
 * less the hop-by-hop ones (the caller strips the request's; the response's are stripped here).
 * With a stripped prefix, an absolute-path Location/Content-Location gets the prefix back.
 * Failures before the response starts answer 502/504 JSON; after, the client's response is cut,
 * so it never mistakes half a body for a whole one. A client that leaves aborts the upstream
 * exchange, so neither side is left hanging.
 */
export function createUpstreamProxy(options: UpstreamProxyOptions): ProxyHandler {
  const route: RouteSide = {
    options,
    // URL#origin builds a new string on every read.
    origin: options.upstream.origin,
    stripPrefix: options.stripPrefix ?? '',
    basePath: options.upstream.pathname === '/' ? '' : options.upstream.pathname.replace(/\/$/, ''),
  };
  return (req, res) => {
    // The caller stripped the other hop-by-hop headers (stripInboundHeaders); Transfer-Encoding
    // was left to tell whether a body follows. undici frames the body itself.
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (chunked) removeHeader(req.headers, 'transfer-encoding');
    const hasBody = chunked || req.headers['content-length'] !== undefined;
    const exchange = new Exchange(route, req, res);
    // Traced: a CLIENT span for the upstream call, whose context replaces the caller's traceparent.
    const traced = traceContextOf(req);
    if (traced !== undefined) exchange.span = startClientSpan(traced, req.headers, req.method ?? 'GET', options.upstream);
    try {
      options.pool.dispatch(
        {
          origin: route.origin,
          method: req.method ?? 'GET',
          path: route.basePath + (req.url ?? '/'),
          headers: req.headers as Record<string, string | string[]>,
          body: hasBody ? bodyOf(req, exchange) : null,
          // The route timeout is the Exchange's own timer. undici's would start a timer object per
          // request that lives until its 0.5 s clock sweeps it, twice a request (the socket's
          // keep-alive timeout takes turns with it): at 20,000 requests/s those were most of
          // what each young-generation GC kept and promoted (bench/README.md).
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        exchange,
      );
    } catch (err) {
      // undici validates the request synchronously (a header value it refuses, for instance).
      options.logger.error({ err, upstream: options.upstream.origin }, 'proxy failed');
      exchange.onResponseError(undefined, err as Error);
    }
  };
}

interface RouteSide {
  options: UpstreamProxyOptions;
  origin: string;
  stripPrefix: string;
  basePath: string;
}

const UPSTREAM_EXCHANGE = Symbol('upstreamExchange');
type WithExchange = ServerResponse & { [UPSTREAM_EXCHANGE]?: Exchange };

/** The client went away (or the response ended): stop an upstream call still running. */
function abortIfUnfinished(this: ServerResponse): void {
  (this as WithExchange)[UPSTREAM_EXCHANGE]?.clientGone();
}

/**
 * One proxied exchange, as undici's dispatch handler: a class rather than closures, since one is
 * made per request. The client leaving aborts the upstream side; the upstream failing before its
 * response head answers 502/504, after it cuts the client's response.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private done = false;
  /** The route's idle timeout; undefined once the exchange is over, or while the client is slow to take the response. */
  private idle: NodeJS.Timeout | undefined;
  /** The upstream call's CLIENT span, when tracing is on; ended once, by whichever way the exchange ends. */
  span: Span | undefined = undefined;

  constructor(
    private readonly route: RouteSide,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    (res as WithExchange)[UPSTREAM_EXCHANGE] = this;
    // `on`: a response closes once, and `once` would allocate a wrapper per request.
    res.on('close', abortIfUnfinished);
    this.startIdleTimer();
  }

  clientGone(): void {
    if (this.done) return;
    this.stopIdleTimer();
    this.endSpan(undefined, 'client_gone');
    this.controller?.abort(new Error('client went away'));
  }

  /** Something moved (request body, response head or body): the idle timeout starts over. */
  touch(): void {
    this.idle?.refresh();
  }

  /** The upstream was silent for the route's timeout: 504 before its response head, a cut response after. */
  timedOut(): void {
    this.idle = undefined;
    const err = this.res.headersSent ? new errors.BodyTimeoutError() : new errors.HeadersTimeoutError();
    // Still queued for a connection: answer now; onRequestStart aborts it when its turn comes.
    if (this.controller === undefined) this.onResponseError(undefined, err);
    else this.controller.abort(err);
  }

  private startIdleTimer(): void {
    // Never two: a second would fire on an exchange the first one's owner thinks is healthy.
    if (this.idle !== undefined) return void this.idle.refresh();
    this.idle = setTimeout(idleTimedOut, this.route.options.timeoutMs, this);
    // A request in flight is the server's to wait for (the drain on SIGTERM), not this timer's.
    this.idle.unref();
  }

  private stopIdleTimer(): void {
    if (this.idle === undefined) return;
    clearTimeout(this.idle);
    this.idle = undefined;
  }

  private endSpan(statusCode: number | undefined, errorType?: string): void {
    if (this.span === undefined) return;
    endClientSpan(this.span, statusCode, errorType);
    this.span = undefined;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.done || this.res.destroyed) controller.abort(new Error('client went away'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    // 1xx (103 Early Hints, a stray 100) are not passed on: the final head follows.
    if (statusCode < 200) return;
    const res = this.res;
    this.span?.setAttribute('http.response.status_code', statusCode);
    if (this.route.stripPrefix !== '') restoreStrippedPrefix(headers, this.route.stripPrefix);
    if (res.hasHeader('vary')) gatewayCorsWins(headers, res);
    if (statusMessage) res.statusMessage = statusMessage;
    res.writeHead(statusCode, responseHead(headers, this.req.headers['x-request-id'] as string));
    this.touch();
    if (res.writableNeedDrain) this.pauseUntilDrain(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.touch();
    if (!this.res.write(chunk)) this.pauseUntilDrain(controller);
  }

  onResponseEnd(): void {
    this.done = true;
    this.stopIdleTimer();
    this.res.end();
    this.endSpan(this.res.statusCode);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error & { code?: string }): void {
    // Answered already (the timeout fired while the call was still queued): this is its abort coming back.
    if (this.done) return;
    this.done = true;
    this.stopIdleTimer();
    this.endSpan(undefined, err.code ?? err.name);
    const { req, res } = this;
    if (res.headersSent) return void res.destroy();
    if (res.destroyed || req.socket === null || req.socket.destroyed) return;
    const { options } = this.route;
    const timedOut = err.code !== undefined && TIMEOUT_CODES.has(err.code);
    options.onUpstreamError?.(err, timedOut);
    options.logger.warn({ upstream: options.upstream.origin, code: err.code, reqId: req.headers['x-request-id'] }, timedOut ? 'upstream timed out' : 'upstream unreachable');
    stampRequestId(req, res);
    sendError(res, upstreamFailure(timedOut), REALM);
  }

  /** The client is slow to take the response: stop reading the upstream, and its clock, until it catches up. */
  private pauseUntilDrain(controller: Dispatcher.DispatchController): void {
    controller.pause();
    this.stopIdleTimer();
    this.res.once('drain', () => {
      if (this.done) return;
      this.startIdleTimer();
      controller.resume();
    });
  }
}

function idleTimedOut(exchange: Exchange): void {
  exchange.timedOut();
}

/** The answer to a failed upstream exchange: 504 when it timed out, 502 otherwise. */
export function upstreamFailure(timedOut: boolean): AppError {
  return timedOut
    ? new AppError('UPSTREAM_TIMEOUT', 504, 'the upstream service did not answer in time', { error: 'gateway_timeout' })
    : new AppError('UPSTREAM_UNAVAILABLE', 502, 'the upstream service is unavailable', { error: 'bad_gateway' });
}

/**
 * The request body as undici's stream. Not `req` itself: undici destroys the body stream when the
 * exchange fails, and destroying an IncomingMessage closes the client's socket, so the 502/504
 * could never be sent. The pipe keeps backpressure both ways.
 */
function bodyOf(req: IncomingMessage, exchange: Exchange): Readable {
  const body = new PassThrough();
  req.pipe(body);
  // A body still arriving is an exchange still moving: an upload slower than the timeout in all is fine.
  req.on('data', () => exchange.touch());
  return body;
}

/**
 * On a `cors:` route the gateway's CORS answer stands: the upstream's own Access-Control-*
 * headers are dropped (they would replace ours in writeHead), and its Vary is merged with ours.
 */
function gatewayCorsWins(headers: IncomingHttpHeaders, res: ServerResponse): void {
  // Undefined, not deleted: responseHead skips it (hop-by-hop.ts says why).
  for (const name in headers) if (name.startsWith('access-control-')) headers[name] = undefined;
  const upstreamVary = headers.vary;
  if (upstreamVary !== undefined) headers.vary = `${String(res.getHeader('vary'))}, ${upstreamVary}`;
}

/**
 * The upstream answers in its own path space (`Location: /notes/1`) but the client only knows the
 * gateway's (`/api/notes/1`): put the stripped part back on absolute paths. Absolute URLs,
 * scheme-relative `//host` refs and relative refs are left alone (a client resolves the latter
 * against the URL it used, which already carries the prefix).
 */
function restoreStrippedPrefix(headers: IncomingHttpHeaders, stripPrefix: string): void {
  const location = headers.location;
  if (typeof location === 'string' && isAbsolutePath(location)) headers.location = stripPrefix + location;
  const contentLocation = headers['content-location'];
  if (typeof contentLocation === 'string' && isAbsolutePath(contentLocation)) headers['content-location'] = stripPrefix + contentLocation;
}

function isAbsolutePath(ref: string): boolean {
  return ref.charCodeAt(0) === 47 /* / */ && ref.charCodeAt(1) !== 47;
}
