import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../../../lib/errors.js';
import { parseAuthorization } from '../../../../lib/verifier/bearer.js';
import { tokenError } from '../../../../lib/verifier/errors.js';
import type { AuthEvents } from '../../domain/auth-events.js';
import { clientAddressOf } from '../../../../lib/http/client-address.js';

const REALM = 'admin';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Requires `Authorization: Bearer <secret>`. Both sides are hashed with SHA-256 first and the
 * digests compared with timingSafeEqual, so neither the content nor the length of the configured
 * secret leaks through timing. Missing or wrong: the errors the caller chose, after `refused`
 * (when given) has heard of it.
 */
export function sharedSecretAuth(
  secret: string,
  errors: { missing: () => AppError; invalid: () => AppError },
  refused: (req: Request, reason: 'missing' | 'invalid') => void = () => {},
): RequestHandler {
  const expected = digest(secret);
  return (req, _res, next) => {
    const authorization = parseAuthorization(req);
    if (authorization === undefined) {
      refused(req, 'missing');
      return next(errors.missing());
    }
    const presented = authorization.scheme === 'bearer' ? authorization.credentials : '';
    if (!timingSafeEqual(digest(presented), expected)) {
      refused(req, 'invalid');
      return next(errors.invalid());
    }
    next();
  };
}

/**
 * `Authorization: Bearer <AUTH_ADMIN_TOKEN>`; missing or wrong: 401 with a Bearer challenge in
 * realm `admin`, reported to the audit trail (address and path, never what was presented).
 */
export function adminAuth(adminToken: string, events: AuthEvents): RequestHandler {
  return sharedSecretAuth(
    adminToken,
    {
      missing: () => tokenError('ADMIN_TOKEN_MISSING', { realm: REALM }),
      invalid: () => tokenError('ADMIN_TOKEN_INVALID', { realm: REALM }),
    },
    (req, reason) => events.adminAuthFailed({ reason, clientIp: clientAddressOf(req), path: pathOf(req) }),
  );
}

/** `Authorization: Bearer <REVOCATION_FEED_TOKEN>`, for the internal revocation feed. */
export function feedAuth(feedToken: string): RequestHandler {
  return sharedSecretAuth(feedToken, {
    missing: () => tokenError('TOKEN_MISSING', { realm: 'revocation-feed' }),
    invalid: () => new AppError('FEED_TOKEN_INVALID', 401, 'the revocation feed token is not valid', { error: 'invalid_token' }),
  });
}

/** The path without its query string (which may hold anything), capped: it is the caller's text. */
function pathOf(req: Request): string {
  return (req.originalUrl.split('?')[0] ?? '').slice(0, 200);
}
