import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import { UNMATCHED_ROUTE } from './http-metrics.js';
import { endServerSpan } from '../tracing/http-spans.js';
import { createAccessLog, elapsedMs } from './access-log.js';

/** Logged as the route of requests no route claimed (404s, probes); never the raw path. */
export const UNMATCHED_LOG_ROUTE = '(unmatched)';

/** What a request served outside express knows about itself when its response closes. */
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

/**
 * The one report of a request that ended, for the handlers outside express (the gateway's proxy
 * path, auth's OAuth endpoints): the request metrics, the end of its span and its access line.
 * Express apps get the same from requestContext, httpMetrics and traceRequests.
 */
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
