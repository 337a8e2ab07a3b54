import type { RequestHandler, Response } from 'express';
import type { AccessTokenClaims } from '../../../lib/verifier/claims.js';
import { extractAccessToken } from '../../../lib/verifier/bearer.js';
import type { DpopProofVerifier } from '../../../lib/verifier/dpop.js';
import { challengedAsDpop } from '../../../lib/verifier/dpop-binding.js';
import { checkExpressSender } from '../../../lib/express/dpop-binding.js';
import { tokenError } from '../../../lib/verifier/errors.js';
import { isAppError } from '../../../lib/errors.js';

/**
 * Requires `Authorization: Bearer <access token>` (RFC 6750 §2.1), or for a DPoP-bound token
 * `Authorization: DPoP <token>` with a valid proof (RFC 9449 §7), issued by this service and not
 * revoked; the verified claims and token are left for the handler (see `callerOf`,
 * `callerTokenOf`). Refusals carry realm `auth`, rendered by lib/http's one error renderer.
 */
export function bearerAuth(verify: (token: string) => Promise<AccessTokenClaims>, verifyProof: DpopProofVerifier): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = extractAccessToken(req);
      if (token === undefined) throw tokenError('TOKEN_MISSING');
      const claims = await verify(token);
      await checkExpressSender(verifyProof, { token, claims }, req, 'allowed');
      res.locals.caller = claims;
      res.locals.callerToken = token;
    } catch (err) {
      return next(isAppError(err) ? challengedAsDpop(err, req.headers.authorization, 'allowed') : err);
    }
    next();
  };
}

/** The claims `bearerAuth` verified for this request. */
export function callerOf(res: Response): AccessTokenClaims {
  const caller = res.locals.caller as AccessTokenClaims | undefined;
  if (!caller) throw new Error('callerOf used on a route without bearerAuth');
  return caller;
}

/** The access token `bearerAuth` verified for this request. */
export function callerTokenOf(res: Response): string {
  const token = res.locals.callerToken as string | undefined;
  if (token === undefined) throw new Error('callerTokenOf used on a route without bearerAuth');
  return token;
}
