import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type RequestHandler } from 'express';
import typeIs from 'type-is';
import { AppError } from '../errors.js';

/**
 * The one place request bodies are read, for express routes and the plain node:http ones alike:
 * body-parser underneath, so size limits, charsets, Content-Encoding and aborted uploads fail
 * with the errors error-handler.ts maps, on every route. What a body must contain is checked
 * afterwards by body-fields.ts.
 */

/** Forms carry a few named fields; more than this is a mistake or an attack (400). */
export const FORM_PARAMETER_LIMIT = 50;
const DEFAULT_LIMIT = '16kb';

const hasBody = (req: IncomingMessage) => Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/**
 * Parses JSON bodies up to `limit` and refuses anything else on methods that carry one, so a
 * handler can trust `req.body` to be a plain object. Errors go to the error handler as 400/413/415.
 */
export function jsonBody({ limit = DEFAULT_LIMIT }: { limit?: string } = {}): RequestHandler[] {
  // strict: false, because strict mode reports a valid non-object root ("str", [1]) as a JSON
  // syntax error; parsed here, `requireObject` can tell the caller it must be an object instead.
  const parse = express.json({ limit, strict: false });
  const requireObject: RequestHandler = (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return next();
    if (hasBody(req) && !req.is('application/json')) {
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

/** application/x-www-form-urlencoded bodies of the hosted pages' forms, into `req.body` (repeated names become arrays). */
export function formBody({ limit = DEFAULT_LIMIT }: { limit?: string } = {}): RequestHandler {
  return express.urlencoded({ extended: false, limit, parameterLimit: FORM_PARAMETER_LIMIT });
}

/** Why a form could not be read before its fields were looked at. */
export type FormRefusal = 'not_a_form' | 'too_many_parameters';

/**
 * The same form reading for a plain node:http handler: resolves to the parsed fields, or rejects
 * with what `refuse` makes of a body that is not a form or has too many fields (so each caller
 * answers in its own protocol's words), or with body-parser's own error.
 */
export function formReader({ limit = DEFAULT_LIMIT, refuse }: { limit?: string; refuse: (why: FormRefusal) => Error }) {
  const urlencoded = formBody({ limit });
  return (req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown>> => {
    if (hasBody(req) && typeIs(req, ['application/x-www-form-urlencoded']) === false) return Promise.reject(refuse('not_a_form'));
    return new Promise((resolve, reject) => {
      urlencoded(req as express.Request, res as express.Response, (err?: unknown) => {
        if (err === undefined) return resolve(((req as { body?: unknown }).body ?? {}) as Record<string, unknown>);
        const type = typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
        reject(type === 'parameters.too.many' ? refuse('too_many_parameters') : err);
      });
    });
  };
}
