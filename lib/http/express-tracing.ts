import { context } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { trackRoutePattern } from './route-pattern.js';
import { endServerSpan, startServerSpan, traceContextOf } from '../tracing/http-spans.js';
import { tracingEnabled } from '../tracing/tracer.js';

/**
 * A SERVER span per request of an express app (after requestContext, for the request id),
 * continuing the caller's `traceparent`. The rest of the chain runs in the span's context, and
 * `req`/`res` are bound to it as well, so a listener put on either stream (a body parser's, whose
 * events come from the socket) sees the request's context whatever the parser does with async
 * resources. Off, a flag check per request.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    if (!tracingEnabled()) return next();
    const span = startServerSpan(req, req.path, req.id);
    const matchedRoute = trackRoutePattern(req);
    res.once('close', () => endServerSpan(span, req.method, matchedRoute(), res.statusCode, !res.writableFinished));
    const active = traceContextOf(req)!;
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, next);
  };
}
