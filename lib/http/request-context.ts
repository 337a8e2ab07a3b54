import { randomUUID } from 'node:crypto';
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { trackRoutePattern } from './route-pattern.js';
import { createAccessLog, elapsedMs } from './access-log.js';

/** Logged as the route of requests no route pattern claimed (404s, probes); never the raw path. */
const UNMATCHED = '(unmatched)';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's X-Request-Id is kept when it is sane; otherwise a new one is made. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

/**
 * Gives each request an id and a child logger, and writes one line per request when it ends:
 * id, method, route pattern, status, milliseconds. The path is logged without its query string
 * and no headers are logged, so neither tokens nor cookies can reach the log.
 */
export function requestContext(logger: Logger): RequestHandler {
  const accessLog = createAccessLog(logger);
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const matchedRoute = trackRoutePattern(req);
    req.id = requestIdFrom(req.headers['x-request-id']);
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);
    res.on('close', () => {
      accessLog({
        reqId: req.id,
        method: req.method,
        route: matchedRoute() ?? UNMATCHED,
        path: req.path,
        status: res.statusCode,
        ms: elapsedMs(started),
        ...(res.writableFinished ? {} : { aborted: true as const }),
      });
    });
    next();
  };
}
