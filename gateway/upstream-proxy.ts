import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { Span } from '@opentelemetry/api';
import { errors, type Dispatcher } from 'undici';
import type { Logger } from '../lib/logger.js';
import { endClientSpan, startClientSpan, traceContextOf } from '../lib/tracing/http-spans.js';
import { removeHeader } from '../lib/edge/hop-by-hop.js';
import { sendError } from '../lib/http/send-json.js';
import { proxiedHead, stampAnswerFields } from './answer-fields.js';
import { gatewayCorsWins, restoreStrippedPrefix, upstreamFailure } from '../lib/edge/upstream-response.js';

export type ProxyHandler = (req: IncomingMessage, res: ServerResponse) => void;

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
    res.writeHead(statusCode, proxiedHead(headers, res));
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
    stampAnswerFields(res);
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
