import type { RequestHandler, Response } from 'express';
import { authErrors } from '../domain/errors.js';
import type { AccessTokenClaims } from '../domain/tokens/access-token-claims.js';
import type { AccessTokenVerifier } from '../domain/tokens/access-token-verifier.js';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Requires `Authorization: Bearer <access token>` (RFC 6750 §2.1) issued by this service and not
 * revoked; the verified claims are left for the handler (see `callerOf`).
 */
export function bearerAuth(verify: AccessTokenVerifier): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) return next(authErrors.missingBearerToken());
    const token = BEARER.exec(header)?.[1];
    if (!token) return next(authErrors.invalidAccessToken('TOKEN_MALFORMED', 'the Authorization header is not a bearer token'));
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
