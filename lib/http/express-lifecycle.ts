import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/registry.js';
import { beginRequest, createRequestEndReporter, metricsObserver, requestIdFrom } from './request-lifecycle.js';
import { trackRoutePattern } from './route-pattern.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

const BASE_LOGGER = Symbol('baseLogger');
const CHILD_LOGGER = Symbol('childLogger');
type WithLoggers = Request & { [BASE_LOGGER]?: Logger; [CHILD_LOGGER]?: Logger };

/**
 * Express's side of the one request lifecycle (request-lifecycle.ts): first middleware of every
 * express app, so the recorded duration covers everything after it. The metrics label and the
 * access line's route are the route pattern express matched (`/notes/:id`), never the raw path;
 * the path is logged without its query string and no headers are logged, so neither tokens nor
 * cookies reach the log.
 *
 * `req.log` is this app's: made on first read, on the app's own request prototype (`app.request`,
 * not express's global one), since most requests never log anything but their access line and a
 * pino child (bindings serialised, redaction set up) would be the dearest thing done per request.
 */
export function expressLifecycle(app: Express, logger: Logger, metrics?: Metrics): RequestHandler {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: WithLoggers): Logger | undefined {
      const base = this[BASE_LOGGER];
      if (base === undefined) return undefined;
      return (this[CHILD_LOGGER] ??= base.child({ reqId: this.id }));
    },
    set(this: WithLoggers, child: Logger) {
      this[CHILD_LOGGER] = child;
    },
  });
  const reportEnd = createRequestEndReporter(logger, metricsObserver(metrics));
  return (req: Request, res: Response, next: NextFunction) => {
    req.id = requestIdFrom(req.headers['x-request-id']);
    (req as WithLoggers)[BASE_LOGGER] = logger;
    beginRequest(reportEnd, req, res, { requestId: req.id, path: req.path, route: trackRoutePattern(req) }, next);
  };
}
