import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../metrics/registry.js';

/** Route label for requests no route pattern claimed (404s, path probes). */
export const UNMATCHED_ROUTE = 'unmatched';

// Node's parser accepts dozens of methods; only these get a label value of their own.
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Records one finished request: duration histogram and request counter by method, route label
 * and status. `route` is a configured, bounded name (a route pattern or prefix), never the request
 * path, so ids and user names stay out of labels. A client that hangs up before the response is
 * counted with status 499 (nginx's "client closed request"). Called by the one request lifecycle
 * (request-lifecycle.ts) when the response closes.
 */
export function observeRequest(metrics: Metrics, req: IncomingMessage, res: ServerResponse, route: string, seconds: number): void {
  const method = req.method ?? 'OTHER';
  const status = res.writableFinished || res.headersSent ? String(res.statusCode) : '499';
  metrics.requests.observe(KNOWN_METHODS.has(method) ? method : 'OTHER', route, status, seconds);
}
