/**
 * The access-token verifier, as a service imports it (`authgate/verifier`): verification, claims,
 * errors and their challenges, JWKS cache, DPoP proofs, revocation checks. It loads no express,
 * passport, Redis or OpenTelemetry: the express middleware and Passport strategy are
 * `authgate/express` (lib/express), the Redis replay cache lib/redis/dpop-replay-cache.ts, and
 * spans are plugged in by lib/tracing when a process turns tracing on
 * (tests/lib/verifier/entry-isolation.test.ts holds it to that).
 */
export { createVerifier, MAX_CLOCK_TOLERANCE_SECONDS, type Verifier, type VerifierOptions, type RevocationCheck } from './verifier.js';
export { isTokenRevoked } from './revocation-check.js';
export type { VerifiedToken, AccessTokenClaims, ActorClaim } from './claims.js';
export type { VerificationKeys } from './jwks-cache.js';
export { ACCESS_TOKEN_TYPE, ACCESS_TOKEN_ALGORITHM, JWS_COMPACT } from './jws-header.js';
export { assertAuthorized, type AccessRequirements } from './authorize.js';
export { ACR_MFA, ACR_PASSWORD, assertUserAuthentication, checkUserAuthenticationRequirements, type UserAuthenticationRequirements } from './step-up.js';
export { extractBearerToken, extractAccessToken, isDpopScheme, DEFAULT_MAX_TOKEN_LENGTH } from './bearer.js';
export { createDpopProofVerifier, DPOP_ALGORITHMS, type DpopProofVerifier, type DpopReplayCache } from './dpop.js';
export { checkSenderConstraint, needsSenderCheck, challengedAsDpop, publicUrlOf, FORWARDED_PREFIX, type DpopPolicy } from './dpop-binding.js';
export { createMemoryReplayCache } from './memory-replay-cache.js';
export { TOKEN_ERRORS, tokenError, isTokenErrorCode, type TokenErrorCode } from './errors.js';
export { bearerChallenge, tokenChallenge } from './challenge.js';
export { traceVerifiersWith, type VerifierTracing } from './tracing.js';
