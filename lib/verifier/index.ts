/**
 * The shared access-token verifier: the gateway, the demo services, the auth service itself and
 * any third-party express service verify RS256 at+jwt tokens with it.
 */
export { createVerifier, MAX_CLOCK_TOLERANCE_SECONDS, type Verifier, type VerifierOptions, type RevocationCheck } from './verifier.js';
export { isTokenRevoked } from './revocation-check.js';
export type { VerifiedToken, AccessTokenClaims, ActorClaim } from './claims.js';
export type { VerificationKeys } from './jwks-cache.js';
export { ACCESS_TOKEN_TYPE, ACCESS_TOKEN_ALGORITHM, JWS_COMPACT } from './jws-header.js';
export { createRequireAuth, type RequireAuthOptions } from './require-auth.js';
export { createBearerStrategy, type BearerStrategyOptions } from './passport-strategy.js';
export { assertAuthorized, type AccessRequirements } from './authorize.js';
export { extractBearerToken, extractAccessToken, isDpopScheme, DEFAULT_MAX_TOKEN_LENGTH } from './bearer.js';
export { createDpopProofVerifier, DPOP_ALGORITHMS, type DpopProofVerifier, type DpopReplayCache } from './dpop.js';
export { checkSenderConstraint, needsSenderCheck, challengedAsDpop, publicUrlOf, FORWARDED_PREFIX, type DpopPolicy } from './dpop-binding.js';
export { createMemoryReplayCache, createRedisReplayCache } from './dpop-replay-cache.js';
export { TOKEN_ERRORS, tokenError, isTokenErrorCode, type TokenErrorCode } from './errors.js';
export { bearerChallenge, errorResponse } from '../http/error-response.js';
