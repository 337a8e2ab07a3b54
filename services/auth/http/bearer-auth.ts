import type { RequestHandler, Response } from 'express';
import type { AccessTokenClaims } from '../../../lib/verifier/claims.js';
import { extractBearerToken } from '../../../lib/verifier/bearer.js';
import { tokenError } from '../../../lib/verifier/errors.js';

/**
 * Requires `Authorization: Bearer <access token>` (RFC 6750 §2.1) issued by this service and not
 * revoked; the verified claims are left for the handler (see `callerOf`). Refusals carry realm
 * `auth`, rendered by lib/http's one error renderer.
 */
export function bearerAuth(verify: (token: string) => Promise<AccessTokenClaims>): RequestHandler {
  return async (req, res, next) => {
    const token = extractBearerToken(req);
    if (token === undefined) return next(tokenError('TOKEN_MISSING'));
    res.locals.caller = await verify(token);
    next();
  };
}

/** The claims `bearerAuth` verified for this request. */
export function callerOf(res: Response): AccessTokenClaims {
  const caller = res.locals.caller as AccessTokenClaims | undefined;
  if (!caller) throw new Error('callerOf used on a route without bearerAuth');
  return caller;
}
