import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../../../lib/errors.js';
import { parseAuthorization } from '../../../lib/verifier/bearer.js';
import { tokenError } from '../../../lib/verifier/errors.js';

const REALM = 'admin';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Requires `Authorization: Bearer <secret>`. Both sides are hashed with SHA-256 first and the
 * digests compared with timingSafeEqual, so neither the content nor the length of the configured
 * secret leaks through timing. Missing or wrong: the errors the caller chose.
 */
export function sharedSecretAuth(secret: string, errors: { missing: () => AppError; invalid: () => AppError }): RequestHandler {
  const expected = digest(secret);
  return (req, _res, next) => {
    const authorization = parseAuthorization(req);
    if (authorization === undefined) return next(errors.missing());
    const presented = authorization.scheme === 'bearer' ? authorization.credentials : '';
    if (!timingSafeEqual(digest(presented), expected)) return next(errors.invalid());
    next();
  };
}

/** `Authorization: Bearer <AUTH_ADMIN_TOKEN>`; missing or wrong: 401 with a Bearer challenge in realm `admin`. */
export function adminAuth(adminToken: string): RequestHandler {
  return sharedSecretAuth(adminToken, {
    missing: () => tokenError('ADMIN_TOKEN_MISSING', { realm: REALM }),
    invalid: () => tokenError('ADMIN_TOKEN_INVALID', { realm: REALM }),
  });
}

/** `Authorization: Bearer <REVOCATION_FEED_TOKEN>`, for the internal revocation feed. */
export function feedAuth(feedToken: string): RequestHandler {
  return sharedSecretAuth(feedToken, {
    missing: () => tokenError('TOKEN_MISSING', { realm: 'revocation-feed' }),
    invalid: () => new AppError('FEED_TOKEN_INVALID', 401, 'the revocation feed token is not valid', { error: 'invalid_token' }),
  });
}
