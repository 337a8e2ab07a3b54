import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { trackRoutePattern } from './route-pattern.js';
import { createAccessLog, elapsedMs } from './access-log.js';
import { UNMATCHED_LOG_ROUTE } from './request-end.js';

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

const BASE_LOGGER = Symbol('baseLogger');
const CHILD_LOGGER = Symbol('childLogger');
type WithLoggers = Request & { [BASE_LOGGER]?: Logger; [CHILD_LOGGER]?: Logger };

// `req.log` is made on first read: most requests never log anything but their access line, and a
// pino child (bindings serialised, redaction set up) is the dearest thing requestContext would do.
// On express's base request prototype, so every app's requests have it without a per-request
// defineProperty.
Object.defineProperty(express.request, 'log', {
  configurable: true,
  get(this: WithLoggers): Logger | undefined {
    const base = this[BASE_LOGGER];
    if (base === undefined) return undefined;
    return (this[CHILD_LOGGER] ??= base.child({ reqId: this.id }));
  },
  set(this: WithLoggers, logger: Logger) {
    this[CHILD_LOGGER] = logger;
  },
});

/**
 * Gives each request an id and a child logger (made when first used), and writes one line per
 * request when it ends: id, method, route pattern, status, milliseconds. The path is logged
 * without its query string and no headers are logged, so neither tokens nor cookies can reach
 * the log.
 */
export function requestContext(logger: Logger): RequestHandler {
  const accessLog = createAccessLog(logger);
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const matchedRoute = trackRoutePattern(req);
    req.id = requestIdFrom(req.headers['x-request-id']);
    (req as WithLoggers)[BASE_LOGGER] = logger;
    res.setHeader('X-Request-Id', req.id);
    res.on('close', () => {
      accessLog({
        reqId: req.id,
        method: req.method,
        route: matchedRoute() ?? UNMATCHED_LOG_ROUTE,
        path: req.path,
        status: res.statusCode,
        ms: elapsedMs(started),
        aborted: !res.writableFinished,
      });
    });
    next();
  };
}
