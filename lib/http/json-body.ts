import express, { type RequestHandler } from 'express';
import { AppError } from '../errors.js';

/**
 * Parses JSON bodies up to `limit` and refuses anything else on methods that carry one, so a
 * handler can trust `req.body` to be a plain object. Errors go to the error handler as 400/413/415.
 */
export function jsonBody({ limit = '16kb' }: { limit?: string } = {}): RequestHandler[] {
  // strict: false, because strict mode reports a valid non-object root ("str", [1]) as a JSON
  // syntax error; parsed here, `requireObject` can tell the caller it must be an object instead.
  const parse = express.json({ limit, strict: false });
  const requireObject: RequestHandler = (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return next();
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json')) {
      return next(new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'request body must be application/json'));
    }
    if (req.body === undefined) req.body = {};
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      return next(new AppError('MALFORMED_BODY', 400, 'request body must be a JSON object'));
    }
    next();
  };
  return [parse, requireObject];
}
