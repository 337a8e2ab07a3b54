import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/registry.js';
import { logFailure, toAppError } from './error-handler.js';
import { beginRequest, createRequestEndReporter, metricsObserver, requestIdFrom } from './request-lifecycle.js';
import { sendError } from './send-json.js';

/** A handler outside express: resolves once it has answered; a rejection is rendered as errorHandler would. */
export type PlainHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Serves one request on `route`, a fixed pattern (the access line's and the metrics' label), never the raw path. */
export type PlainRouteServer = (req: IncomingMessage, res: ServerResponse, route: string, handler: PlainHandler) => void;

export interface PlainRouteOptions {
  logger: Logger;
  metrics?: Metrics | undefined;
  /** The protection space named in challenges of refusals that carry none of their own. */
  realm: string;
}

/**
 * For the few endpoints a service answers outside express because express's per-request cost
 * matters there (auth's OAuth endpoints: each token is one signature, and the router, the
 * middleware chain and express's request/response decoration cost most of another). Each request
 * gets what createBaseApp gives an express one: the caller's sane X-Request-Id (or a new one),
 * one access line and the request metrics when it ends, a SERVER span when tracing is on (the one
 * lifecycle, request-lifecycle.ts), and a failure rendered by lib/http/error-response.ts and
 * logged as errorHandler logs it.
 */
export function plainRoutes({ logger, metrics, realm }: PlainRouteOptions): PlainRouteServer {
  const reportEnd = createRequestEndReporter(logger, metricsObserver(metrics));

  function fail(res: ServerResponse, requestId: string, err: unknown): void {
    const appError = toAppError(err);
    logFailure(logger.child({ reqId: requestId }), appError);
    sendError(res, appError, realm);
  }

  return (req, res, route, handler) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    beginRequest(reportEnd, req, res, { requestId, path, route: () => route }, () => handler(req, res).catch((err: unknown) => fail(res, requestId, err)));
  };
}
