import type { Request } from 'express';

const READ_PATTERN = Symbol('readRoutePattern');
type Tracked = Request & { [READ_PATTERN]?: () => string | undefined };

/**
 * Remembers the full route pattern (`/notes/:id`) at the moment express matches a route, and
 * returns a reader for it. Reading `req.baseUrl + req.route.path` at the end of the request would
 * be wrong: a sub-router restores `req.baseUrl` to its parent's when an error leaves it, so
 * `/notes` + `/:id` would come out as `/:id`. `req.baseUrl` is the matched mount text, so
 * sub-routers must be mounted at fixed strings, never at `/:param` paths.
 *
 * Idempotent per request: the request log and the metrics share one tracker.
 */
export function trackRoutePattern(req: Request): () => string | undefined {
  const tracked = req as Tracked;
  const existing = tracked[READ_PATTERN];
  if (existing) return existing;
  let current: unknown = req.route;
  let pattern: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (route: unknown) => {
      current = route;
      if (route && typeof route === 'object' && 'path' in route) pattern = `${req.baseUrl}${String(route.path)}`;
    },
  });
  const read = () => pattern;
  tracked[READ_PATTERN] = read;
  return read;
}
