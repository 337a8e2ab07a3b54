import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';
import { ADMIN_ROLE, ADMIN_SCOPE } from '../../domain/users/roles.js';
import { callerOf } from '../bearer-auth.js';
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
 * The admin API's door: `Authorization: Bearer <AUTH_ADMIN_TOKEN>` (bootstrap and automation), or
 * an access token of a user with role `admin` and scope `admin` (Bearer, or DPoP with its proof),
 * checked by `userAuth`. A user token without both: 403 insufficient_scope. Missing or wrong
 * credentials: 401 with a challenge in realm `admin`, reported to the audit trail (address and
 * path, never what was presented).
 */
export function adminAuth(adminToken: string, events: AuthEvents, userAuth?: RequestHandler): RequestHandler {
  const expected = digest(adminToken);
  const refused = (req: Request, reason: 'missing' | 'invalid') => events.adminAuthFailed({ reason, clientIp: clientAddressOf(req), path: pathOf(req) });
  return (req, res, next) => {
    const authorization = parseAuthorization(req);
    if (authorization === undefined) {
      refused(req, 'missing');
      return next(tokenError('ADMIN_TOKEN_MISSING', { realm: REALM }));
    }
    const presented = authorization.scheme === 'bearer' ? authorization.credentials : '';
    if (timingSafeEqual(digest(presented), expected)) return next();
    if (userAuth === undefined || !looksLikeJwt(authorization.credentials)) {
      refused(req, 'invalid');
      return next(tokenError('ADMIN_TOKEN_INVALID', { realm: REALM }));
    }
    void userAuth(req, res, (err?: unknown) => {
      if (err !== undefined) {
        refused(req, 'invalid');
        return next(err);
      }
      next(adminRefusal(callerOf(res)));
    });
  };
}

/**
 * Why a verified user token may not administer authgate (role `admin` and scope `admin` are both
 * needed), or undefined when it may. The one rule of the admin API and the console.
 */
export function adminRefusal(claims: AccessTokenClaims): AppError | undefined {
  if (!claims.roles?.includes(ADMIN_ROLE)) return tokenError('INSUFFICIENT_ROLE', { realm: REALM, scope: ADMIN_SCOPE });
  if (!(claims.scope ?? '').split(' ').includes(ADMIN_SCOPE)) return tokenError('INSUFFICIENT_SCOPE', { realm: REALM, scope: ADMIN_SCOPE });
  return undefined;
}

/** The admin user a request was let in as; undefined when it came with AUTH_ADMIN_TOKEN. */
export function adminUserOf(res: Response): string | undefined {
  return (res.locals.caller as AccessTokenClaims | undefined)?.sub;
}

const looksLikeJwt = (credentials: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(credentials);

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
