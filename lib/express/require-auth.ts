import type { RequestHandler } from 'express';
import { isAppError, withChallenge } from '../errors.js';
import { toAppError } from '../http/error-handler.js';
import { assertAuthorized, type AccessRequirements } from '../verifier/authorize.js';
import { checkUserAuthenticationRequirements } from '../verifier/step-up.js';
import { extractAccessToken } from '../verifier/bearer.js';
import { createDpopProofVerifier, type DpopReplayCache } from '../verifier/dpop.js';
import { challengedAsDpop, type DpopPolicy } from '../verifier/dpop-binding.js';
import { checkExpressSender } from './dpop-binding.js';
import { createMemoryReplayCache } from '../verifier/memory-replay-cache.js';
import { tokenError } from '../verifier/errors.js';
import type { Verifier } from '../verifier/verifier.js';
import type { Request } from 'express';
import type { VerifiedToken } from '../verifier/claims.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by requireAuth once the bearer token is verified and authorized. */
    auth?: VerifiedToken;
  }
}

export interface RequireAuthOptions {
  /** The realm in WWW-Authenticate challenges. Default `api`. */
  realm?: string;
  /**
   * `allowed` (default): Bearer tokens pass, and a DPoP-bound token (`cnf.jkt`) only as
   * `Authorization: DPoP` with a valid proof (RFC 9449 §7); `required`: only the latter.
   */
  dpop?: DpopPolicy;
  /** Where proof `jti`s are remembered (lib/redis/dpop-replay-cache.ts to share it between replicas). Default: this process's memory. */
  dpopReplay?: DpopReplayCache;
}

/**
 * Returns `requireAuth({ scopes, roles, delegation, acr, maxAge })`, an express middleware that
 * verifies the bearer token, checks scopes (all required), roles (any one) and the sign-in
 * (`acr: 'mfa'`, `maxAge` seconds: RFC 9470 step-up, 401 insufficient_user_authentication with
 * `acr_values` / `max_age` in the challenge), sets `req.auth` and calls next; or
 * passes an AppError carrying the RFC 6750 challenge to next(), which lib/http's errorHandler
 * renders as `401/403 {error, error_description}` with `WWW-Authenticate`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createVerifier } from 'authgate/verifier';
 * import { createRequireAuth, errorHandler } from 'authgate/express';
 *
 * const verifier = createVerifier({ issuer: 'http://localhost:4000', audience: 'api', jwksUri: 'http://localhost:4000/.well-known/jwks.json' });
 * const requireAuth = createRequireAuth(verifier, { realm: 'notes' });
 * const app = express();
 * app.get('/notes', requireAuth({ scopes: ['notes:read'] }), (req, res) => res.json({ owner: req.auth!.sub }));
 * app.delete('/notes', requireAuth({ scopes: ['notes:write'], roles: ['admin'] }), (req, res) => res.sendStatus(204));
 * app.post('/payouts', requireAuth({ scopes: ['payouts'], acr: 'mfa', maxAge: 300 }), (req, res) => res.sendStatus(201));
 * app.use(errorHandler()); // renders {error, error_description} + WWW-Authenticate
 * ```
 */
export function createRequireAuth(verifier: Verifier, { realm = 'api', dpop = 'allowed', dpopReplay = createMemoryReplayCache() }: RequireAuthOptions = {}) {
  const verifyProof = createDpopProofVerifier({ replay: dpopReplay });
  return function requireAuth(requirements: AccessRequirements = {}): RequestHandler {
    checkUserAuthenticationRequirements(requirements);
    return (req, _res, next) => {
      const refuse = (err: unknown) => next(challengeOrFault(err, realm, req, dpop));
      let token: string | undefined;
      try {
        token = extractAccessToken(req);
      } catch (err) {
        return refuse(err);
      }
      if (token === undefined) return refuse(tokenError('TOKEN_MISSING'));
      const authorize = (identity: VerifiedToken) => {
        try {
          assertAuthorized(identity, requirements);
        } catch (err) {
          return refuse(err);
        }
        req.auth = identity;
        next();
      };
      verifier.verify(token).then((identity) => {
        // Undefined for an unbound Bearer token: no extra promise hop in the common case.
        const binding = checkExpressSender(verifyProof, identity, req, dpop);
        if (binding === undefined) return authorize(identity);
        binding.then(() => authorize(identity), refuse);
      }, refuse);
    };
  };
}

function challengeOrFault(err: unknown, realm: string, req: Request, dpop: DpopPolicy) {
  return isAppError(err) ? challengedAsDpop(withChallenge(err, { realm }), req.headers.authorization, dpop) : toAppError(err);
}
