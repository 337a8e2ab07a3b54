import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { parseAuthorization } from '../../../lib/verifier/bearer.js';
import { tokenError } from '../../../lib/verifier/errors.js';

const REALM = 'admin';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Requires `Authorization: Bearer <AUTH_ADMIN_TOKEN>`. Both sides are hashed with SHA-256 first
 * and the digests compared with timingSafeEqual, so neither the content nor the length of the
 * configured token leaks through timing. Missing or wrong: 401 with a Bearer challenge in realm
 * `admin`.
 */
export function adminAuth(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req, _res, next) => {
    const authorization = parseAuthorization(req);
    if (authorization === undefined) return next(tokenError('ADMIN_TOKEN_MISSING', { realm: REALM }));
    const presented = authorization.scheme === 'bearer' ? authorization.credentials : '';
    if (!timingSafeEqual(digest(presented), expected)) return next(tokenError('ADMIN_TOKEN_INVALID', { realm: REALM }));
    next();
  };
}
