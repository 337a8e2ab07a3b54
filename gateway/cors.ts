import type { CorsSettings } from '../lib/edge/route-config.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../lib/errors.js';
import { sendError } from '../lib/http/send-json.js';
import { stampAnswerFields } from './answer-fields.js';

/** A route's `cors:` block, validated (route-config.ts). */
export type { CorsSettings };

export interface CorsPolicy {
  /**
   * Answers a preflight itself (true: the request is done, never verified, never sent upstream),
   * or marks an actual cross-origin request's response (false: carry on).
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** `Access-Control-Request-Headers`: comma-separated header names (RFC 9110 tokens). */
const HEADER_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;
/** Headers a browser script may read beyond the CORS-safelisted ones: errors and created resources. */
const EXPOSED = 'WWW-Authenticate, Location, X-Request-Id, Retry-After';

/**
 * CORS per route, answered by the gateway (Fetch standard §3.2): preflights never need a token
 * and never reach the upstream; only exact listed origins get `Access-Control-Allow-Origin`
 * (echoed, never `*`), `Allow-Credentials` only when configured, and `Vary: Origin` always, so
 * a cache never serves one origin's answer to another. CORS only loosens what a browser lets a
 * page read: the CSRF check of cookie routes (ALLOWED_ORIGINS + X-CSRF-Token) runs as before.
 */
export function createCorsPolicy(settings: CorsSettings): CorsPolicy {
  const origins = new Set(settings.origins);
  const maxAge = String(settings.maxAgeSeconds);
  return {
    handle(req, res) {
      stampAnswerFields(res);
      const origin = req.headers.origin;
      const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      res.setHeader('Vary', preflight ? 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' : 'Origin');
      const allowed = origin !== undefined && origins.has(origin);
      if (!preflight) {
        if (allowed) allowOrigin(res, origin, settings.credentials);
        return false;
      }
      if (!allowed) {
        sendError(res, new AppError('CORS_ORIGIN_NOT_ALLOWED', 403, 'this origin is not in the route\'s cors.origins', { error: 'forbidden' }), 'gateway');
        return true;
      }
      const method = String(req.headers['access-control-request-method']);
      const requested = req.headers['access-control-request-headers'];
      if (!METHODS.has(method) || (requested !== undefined && requested.trim() !== '' && !HEADER_LIST.test(requested.trim()))) {
        sendError(res, new AppError('CORS_REQUEST_INVALID', 403, 'the preflight asks for a method or headers that are not allowed', { error: 'forbidden' }), 'gateway');
        return true;
      }
      allowOrigin(res, origin, settings.credentials);
      res.setHeader('Access-Control-Allow-Methods', method);
      if (requested !== undefined && requested.trim() !== '') res.setHeader('Access-Control-Allow-Headers', requested.trim());
      res.setHeader('Access-Control-Max-Age', maxAge);
      res.statusCode = 204;
      res.end();
      return true;
    },
  };
}

function allowOrigin(res: ServerResponse, origin: string, credentials: boolean): void {
  res.setHeader('Access-Control-Allow-Origin', origin);
  if (credentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED);
}
