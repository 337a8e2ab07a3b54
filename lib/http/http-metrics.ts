import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import { trackRoutePattern } from './route-pattern.js';
import type { Metrics } from '../metrics/registry.js';

/** Route label for requests no route pattern claimed (404s, path probes). */
export const UNMATCHED_ROUTE = 'unmatched';

// Node's parser accepts dozens of methods; only these get a label value of their own.
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const ROUTE_LABEL = Symbol('metricsRoute');
type Labelled = Response & { [ROUTE_LABEL]?: string };

/**
 * Names the route of a request that no express route pattern matches, e.g. a proxy mounted with
 * `app.use(prefix, proxy)`. Pass a configured, bounded name (the route prefix from
 * routes.yaml), never anything taken from the request path.
 */
export function setMetricsRoute(res: Response, route: string): void {
  (res as Labelled)[ROUTE_LABEL] = route;
}

/**
 * The label for a finished request: the name set with `setMetricsRoute`, else the route pattern
 * express matched, else `unmatched`. Never the raw path, so ids and user names stay out of labels.
 */
function routeLabel(res: Response, matched: string | undefined): string {
  return (res as Labelled)[ROUTE_LABEL] ?? matched ?? UNMATCHED_ROUTE;
}

/**
 * Records one observation when the response ends: duration histogram and request counter by
 * method, route label and status. For handlers outside express (the gateway's proxy path); call it
 * when the request arrives. `route` is read at the end, so it may depend on the routing outcome,
 * and must return a configured, bounded name (a route prefix), never the request path. A client
 * that hangs up before the response is counted with status 499 (nginx's "client closed request").
 */
export function recordRequest(metrics: Metrics, req: IncomingMessage, res: ServerResponse, route: () => string): void {
  const started = process.hrtime.bigint();
  res.once('close', () => observeRequest(metrics, req, res, route(), Number(process.hrtime.bigint() - started) / 1e9));
}

/**
 * The observation `recordRequest` makes, for a caller that already listens for the response's
 * end (the gateway's hot path: one `close` listener per request for the log line and this).
 */
export function observeRequest(metrics: Metrics, req: IncomingMessage, res: ServerResponse, route: string, seconds: number): void {
  const method = req.method ?? 'OTHER';
  const status = res.writableFinished || res.headersSent ? String(res.statusCode) : '499';
  metrics.requests.observe(KNOWN_METHODS.has(method) ? method : 'OTHER', route, status, seconds);
}

/** Express middleware recording every request by route pattern (see `recordRequest`). */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const matchedPattern = trackRoutePattern(req);
    recordRequest(metrics, req, res, () => routeLabel(res, matchedPattern()));
    next();
  };
}
