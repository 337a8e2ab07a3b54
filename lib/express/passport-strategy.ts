import { Strategy } from 'passport-strategy';
import type { Request } from 'express';
import { isAppError } from '../errors.js';
import { assertAuthorized, type AccessRequirements } from '../verifier/authorize.js';
import { checkUserAuthenticationRequirements } from '../verifier/step-up.js';
import { extractAccessToken } from '../verifier/bearer.js';
import { createDpopProofVerifier, type DpopProofVerifier, type DpopReplayCache } from '../verifier/dpop.js';
import { challengedAsDpop, type DpopPolicy } from '../verifier/dpop-binding.js';
import { checkExpressSender } from './dpop-binding.js';
import { createMemoryReplayCache } from '../verifier/memory-replay-cache.js';
import type { VerifiedToken } from '../verifier/claims.js';
import { bearerChallenge } from '../verifier/challenge.js';
import { tokenError } from '../verifier/errors.js';
import type { Verifier } from '../verifier/verifier.js';

export interface BearerStrategyOptions extends AccessRequirements {
  /** Strategy name for `passport.use` / `passport.authenticate`. Default `authgate-bearer`. */
  name?: string;
  /** The realm in WWW-Authenticate challenges. Default `api`. */
  realm?: string;
  /** As requireAuth's: `allowed` (default) or `required`; a DPoP-bound token always needs its proof. */
  dpop?: DpopPolicy;
  /** Where proof `jti`s are remembered. Default: this process's memory. */
  dpopReplay?: DpopReplayCache;
}

/**
 * A Passport strategy on the same verifier as requireAuth, for services that already use
 * Passport (the passport-jwt shape). On success `req.user` is the VerifiedToken; token and
 * authorization failures call `fail(challenge, status)`, so Passport answers 401/403 with the
 * RFC 6750 `WWW-Authenticate` header; an unreachable JWKS is an `error()` (503 via your error handler).
 *
 * @example
 * ```ts
 * import passport from 'passport';
 * import { createVerifier } from 'authgate/verifier';
 * import { createBearerStrategy } from 'authgate/express';
 *
 * const verifier = createVerifier({ issuer: 'http://localhost:4000', audience: 'api', jwksUri: 'http://localhost:4000/.well-known/jwks.json' });
 * passport.use(createBearerStrategy(verifier, { realm: 'notes', scopes: ['notes:read'] }));
 * app.use(passport.initialize());
 * app.get('/notes', passport.authenticate('authgate-bearer', { session: false }), (req, res) => {
 *   res.json({ owner: (req.user as VerifiedToken).sub });
 * });
 * ```
 */
export function createBearerStrategy(verifier: Verifier, options: BearerStrategyOptions = {}): Strategy & { name: string } {
  return new VerifierBearerStrategy(verifier, options);
}

class VerifierBearerStrategy extends Strategy {
  readonly name: string;
  private readonly realm: string;
  private readonly dpop: DpopPolicy;
  private readonly verifyProof: DpopProofVerifier;

  constructor(
    private readonly verifier: Verifier,
    private readonly options: BearerStrategyOptions,
  ) {
    super();
    checkUserAuthenticationRequirements(options);
    this.name = options.name ?? 'authgate-bearer';
    this.realm = options.realm ?? 'api';
    this.dpop = options.dpop ?? 'allowed';
    this.verifyProof = createDpopProofVerifier({ replay: options.dpopReplay ?? createMemoryReplayCache() });
  }

  override authenticate(req: Request): void {
    let token: string | undefined;
    try {
      token = extractAccessToken(req);
    } catch (err) {
      return this.refuse(req, err);
    }
    if (token === undefined) return this.refuse(req, tokenError('TOKEN_MISSING'));
    const authorize = (identity: VerifiedToken) => {
      try {
        assertAuthorized(identity, this.options);
      } catch (err) {
        return this.refuse(req, err);
      }
      this.success(identity);
    };
    this.verifier.verify(token).then(
      (identity) => {
        const binding = checkExpressSender(this.verifyProof, identity, req, this.dpop);
        if (binding === undefined) return authorize(identity);
        binding.then(() => authorize(identity), (err: unknown) => this.refuse(req, err));
      },
      (err: unknown) => this.refuse(req, err),
    );
  }

  private refuse(req: Request, err: unknown): void {
    if (!isAppError(err) || err.status >= 500) return this.error(err instanceof Error ? err : new Error(String(err)));
    const value = bearerChallenge(challengedAsDpop(err, req.headers.authorization, this.dpop), this.realm);
    // Passport writes challenges only on 401; RFC 6750 §3 wants one on 400 and 403 too.
    if (err.status !== 401) req.res?.setHeader('WWW-Authenticate', value);
    this.fail(value, err.status);
  }
}
