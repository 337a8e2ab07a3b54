import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, type Span } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/registry.js';
import { endServerSpan, startServerSpan, traceContextOf } from '../tracing/http-spans.js';
import { tracingEnabled } from '../tracing/tracer.js';
import { createAccessLog, elapsedMs } from './access-log.js';
import { observeRequest, UNMATCHED_ROUTE } from './http-metrics.js';

/**
 * The one request lifecycle of every process: a request id, a SERVER span when tracing is on,
 * and when the response closes the request metrics, the end of the span and one access line.
 * Three callers share it: the gateway's proxy path (gateway-handler.ts, which keeps its own
 * per-request object for speed and calls `reportEnd`), the plain node:http routes
 * (plain-route.ts) and every express app (express-lifecycle.ts). Failures are rendered by
 * error-response.ts and logged by error-handler.ts's `logFailure`, on either path.
 */

/** Logged as the route of requests no route claimed (404s, probes); never the raw path. */
export const UNMATCHED_LOG_ROUTE = '(unmatched)';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's X-Request-Id is kept when it is sane; otherwise a new one is made. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

/** What a request knows about itself when its response closes. */
export interface EndedRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** `process.hrtime.bigint()` at arrival. */
  readonly started: bigint;
  readonly requestId: string;
  /** The route pattern or configured prefix that claimed it; undefined when none did. */
  readonly route: string | undefined;
  /** The path without its query string. */
  readonly path: string;
  /** The request's SERVER span, when tracing is on. */
  readonly span: Span | undefined;
}

/** The request metrics' hook: `route` is the label (`unmatched` when no route claimed the request). */
export type ObserveRequest = (req: IncomingMessage, res: ServerResponse, route: string, seconds: number) => void;

/** The hook that records a request in `metrics` (none without metrics). */
export function metricsObserver(metrics: Metrics | undefined): ObserveRequest | undefined {
  return metrics ? (req, res, route, seconds) => observeRequest(metrics, req, res, route, seconds) : undefined;
}

/** The one report of a request that ended: its metrics, the end of its span and its access line. */
export function createRequestEndReporter(logger: Logger, observe?: ObserveRequest): (ended: EndedRequest) => void {
  const accessLog = createAccessLog(logger);
  return ({ req, res, started, requestId, route, path, span }) => {
    const ms = elapsedMs(started);
    const aborted = !res.writableFinished;
    observe?.(req, res, route ?? UNMATCHED_ROUTE, ms / 1000);
    if (span !== undefined) endServerSpan(span, req.method, route, res.statusCode, aborted);
    accessLog({ reqId: requestId, method: req.method, route: route ?? UNMATCHED_LOG_ROUTE, path, status: res.statusCode, ms, aborted });
  };
}

export interface BeginRequest {
  requestId: string;
  /** The path without its query string: the span's name until a route claims the request. */
  path: string;
  /** Read when the response closes, so it may depend on the routing outcome; a bounded name, never the path. */
  route: () => string | undefined;
}

/**
 * Starts the lifecycle of one request (X-Request-Id on the answer, the span, the end report on
 * close) and runs `next` in the span's context. The body's events come from the socket, so `req`
 * and `res` are bound to that context too, and what runs after the body is read stays in it.
 */
export function beginRequest(
  reportEnd: (ended: EndedRequest) => void,
  req: IncomingMessage,
  res: ServerResponse,
  { requestId, path, route }: BeginRequest,
  next: () => unknown,
): void {
  const started = process.hrtime.bigint();
  res.setHeader('X-Request-Id', requestId);
  const span = tracingEnabled() ? startServerSpan(req, path, requestId) : undefined;
  res.once('close', () => reportEnd({ req, res, started, requestId, route: route(), path, span }));
  if (span === undefined) return void next();
  const active = traceContextOf(req)!;
  context.bind(active, req);
  context.bind(active, res);
  context.with(active, next);
}
