import { MAX_CLOCK_TOLERANCE_SECONDS } from '../../../../lib/verifier/claims.js';

/**
 * How long a revoked access token must stay denied (epoch seconds). Verifiers (the gateway, the
 * services) accept a token up to MAX_CLOCK_TOLERANCE_SECONDS past its `exp`, so a denial that
 * ended at `exp` would let a revoked token back in for that long.
 */
export function deniedUntil(exp: number): number {
  return exp + MAX_CLOCK_TOLERANCE_SECONDS;
}
