import type { AppError } from '../errors.js';
import { DPOP_ALGORITHMS } from './dpop-key-policy.js';
import { BARE_CHALLENGE_CODES, isTokenErrorCode } from './errors.js';

/** RFC 9449 §7.1: a DPoP challenge names the proof algorithms accepted. */
const DPOP_ALGS = `algs="${DPOP_ALGORITHMS.join(' ')}"`;

/**
 * The WWW-Authenticate value for a token refusal; also what Passport's `fail(challenge, status)`
 * takes. The scheme is Bearer (RFC 6750 §3) unless the refusal names DPoP (RFC 9449 §7.1: a
 * DPoP-bound token or proof was at fault, or the request used the DPoP scheme). Here, beside the
 * token errors, so a service that renders its own errors needs nothing but the verifier.
 */
export function bearerChallenge(err: AppError, realm: string): string {
  const { realm: ownRealm, scope, scheme, acrValues, maxAge } = err.challenge;
  const space = scheme === 'DPoP' ? `DPoP realm="${ownRealm ?? realm}", ${DPOP_ALGS}` : `Bearer realm="${ownRealm ?? realm}"`;
  if (BARE_CHALLENGE_CODES.has(err.code)) return space;
  // Descriptions are fixed strings without quotes or backslashes, so they sit in a quoted-string as is.
  const params = `${scope === undefined ? '' : `, scope="${scope}"`}${acrValues === undefined ? '' : `, acr_values="${acrValues}"`}${maxAge === undefined ? '' : `, max_age="${maxAge}"`}`;
  return `${space}, error="${err.error}", error_description="${err.message}"${params}`;
}

/** The challenge of a token refusal (a code of TOKEN_ERRORS), undefined for any other error. */
export function tokenChallenge(err: AppError, realm: string): string | undefined {
  return isTokenErrorCode(err.code) ? bearerChallenge(err, realm) : undefined;
}
