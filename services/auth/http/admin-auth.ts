import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../../../lib/errors.js';

const CHALLENGE = 'Bearer realm="admin"';
const BEARER = /^Bearer +(\S+)$/i;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Requires `Authorization: Bearer <AUTH_ADMIN_TOKEN>`. Both sides are hashed with SHA-256 first
 * and the digests compared with timingSafeEqual, so neither the content nor the length of the
 * configured token leaks through timing. Missing or wrong: 401 with a Bearer challenge.
 */
export function adminAuth(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      return next(new AppError('ADMIN_TOKEN_MISSING', 401, 'the admin API needs Authorization: Bearer <admin token>', { error: 'unauthorized', headers: { 'WWW-Authenticate': CHALLENGE } }));
    }
    const presented = BEARER.exec(header)?.[1] ?? '';
    if (!timingSafeEqual(digest(presented), expected)) {
      return next(
        new AppError('ADMIN_TOKEN_INVALID', 401, 'the admin token is not valid', {
          error: 'invalid_token',
          headers: { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` },
        }),
      );
    }
    next();
  };
}
