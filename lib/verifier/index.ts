/**
 * The shared access-token verifier: the gateway, the demo services and any third-party express
 * service verify RS256 at+jwt tokens with it, locally, against the issuer's JWKS.
 */
export { createVerifier, MAX_CLOCK_TOLERANCE_SECONDS, type Verifier, type VerifierOptions } from './verifier.js';
export type { VerifiedToken, AccessTokenClaims } from './verified-token.js';
export { createRequireAuth, type RequireAuthOptions } from './require-auth.js';
export { createBearerStrategy, type BearerStrategyOptions } from './passport-strategy.js';
export { assertAuthorized, type AccessRequirements } from './authorize.js';
export { extractBearerToken, DEFAULT_MAX_TOKEN_LENGTH } from './bearer.js';
export { TOKEN_ERRORS, tokenError, challenge, challengeHeaders, withChallenge, type TokenErrorCode } from './errors.js';
