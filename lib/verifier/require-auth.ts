import type { RequestHandler } from 'express';
import { isAppError } from '../errors.js';
import { toAppError } from '../http/error-handler.js';
import { assertAuthorized, type AccessRequirements } from './authorize.js';
import { extractBearerToken } from './bearer.js';
import { withChallenge } from '../http/error-response.js';
import { tokenError } from './errors.js';
import type { Verifier } from './verifier.js';
import type { VerifiedToken } from './claims.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by requireAuth once the bearer token is verified and authorized. */
    auth?: VerifiedToken;
  }
}

export interface RequireAuthOptions {
  /** The realm in WWW-Authenticate challenges. Default `api`. */
  realm?: string;
}

/**
 * Returns `requireAuth({ scopes, roles })`, an express middleware that verifies the bearer
 * token, checks scopes (all required) and roles (any one), sets `req.auth` and calls next; or
 * passes an AppError carrying the RFC 6750 challenge to next(), which lib/http's errorHandler
 * renders as `401/403 {error, error_description}` with `WWW-Authenticate`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createVerifier, createRequireAuth } from './lib/verifier/index.js';
 * import { errorHandler } from './lib/http/error-handler.js';
 *
 * const verifier = createVerifier({ issuer: 'http://localhost:4000', audience: 'api', jwksUri: 'http://localhost:4000/.well-known/jwks.json' });
 * const requireAuth = createRequireAuth(verifier, { realm: 'notes' });
 * const app = express();
 * app.get('/notes', requireAuth({ scopes: ['notes:read'] }), (req, res) => res.json({ owner: req.auth!.sub }));
 * app.delete('/notes', requireAuth({ scopes: ['notes:write'], roles: ['admin'] }), (req, res) => res.sendStatus(204));
 * app.use(errorHandler()); // renders {error, error_description} + WWW-Authenticate
 * ```
 */
export function createRequireAuth(verifier: Verifier, { realm = 'api' }: RequireAuthOptions = {}) {
  return function requireAuth(requirements: AccessRequirements = {}): RequestHandler {
    return (req, _res, next) => {
      let token: string | undefined;
      try {
        token = extractBearerToken(req);
      } catch (err) {
        return next(challengeOrFault(err, realm));
      }
      if (token === undefined) return next(tokenError('TOKEN_MISSING', { realm }));
      verifier.verify(token).then(
        (identity) => {
          try {
            assertAuthorized(identity, requirements);
          } catch (err) {
            return next(challengeOrFault(err, realm));
          }
          req.auth = identity;
          next();
        },
        (err: unknown) => next(challengeOrFault(err, realm)),
      );
    };
  };
}

function challengeOrFault(err: unknown, realm: string) {
  return isAppError(err) ? withChallenge(err, { realm }) : toAppError(err);
}
