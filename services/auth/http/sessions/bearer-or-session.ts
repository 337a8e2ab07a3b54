import type { RequestHandler } from 'express';
import { readCookie } from '../../../../lib/http/cookies.js';
import { checkCsrf, UNSAFE_METHODS } from '../../../../lib/http/csrf.js';
import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';
import { tokenError } from '../../../../lib/verifier/errors.js';
import { ACCESS_COOKIE } from './session-cookies.js';

/**
 * The caller of an account endpoint the account pages call (passkeys, TOTP, the account): `Authorization` (bearerAuth) when the request has
 * one, else the browser session's access cookie (the account page), verified by the same
 * verifier. A cookie-authenticated unsafe request must carry the CSRF proofs of the browser
 * session (Origin allowed, X-CSRF-Token = csrf_token cookie), as POST /auth/session/refresh does.
 * A sender-constrained (DPoP) token in a cookie is refused: it is only valid with its proof.
 */
export function bearerOrSessionCookie(bearer: RequestHandler, verify: (token: string) => Promise<AccessTokenClaims>, allowedOrigins: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const cookie = readCookie(req.headers.cookie, ACCESS_COOKIE);
    if (req.headers.authorization !== undefined || cookie.kind !== 'present' || cookie.value === '') return bearer(req, res, next);
    if (UNSAFE_METHODS.has(req.method)) {
      const forged = checkCsrf(req.headers, allowedOrigins);
      if (forged) return next(forged);
    }
    const token = cookie.value;
    verify(token).then(
      (claims) => {
        if (claims.cnf !== undefined) return next(tokenError('TOKEN_CLAIMS_INVALID'));
        res.locals.caller = claims;
        res.locals.callerToken = token;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
