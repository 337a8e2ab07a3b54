import { AppError, type ChallengeParams } from '../errors.js';
import { BARE_CHALLENGE_CODES, isTokenErrorCode } from '../verifier/errors.js';
import { DPOP_ALGORITHMS } from '../verifier/dpop.js';

/** RFC 9449 §7.1: a DPoP challenge names the proof algorithms accepted. */
const DPOP_ALGS = `algs="${DPOP_ALGORITHMS.join(' ')}"`;

/** Seconds a client should wait before retrying when a dependency (the issuer's keys, Redis) is unreachable. */
export const DEFAULT_RETRY_AFTER_SECONDS = '5';

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description: string };
}

/**
 * The one place an AppError becomes a response, for every express app (errorHandler) and the
 * gateway's raw path (sendError): status; `Cache-Control: no-store` on every error (RFC 6749
 * §5.1 for token responses, and no error is worth caching); the RFC 6750 §3 challenge for
 * token refusals and a Basic one (RFC 6749 §5.2) for a client that used Basic, in `realm` unless
 * the error names its own; `Retry-After` instead of a
 * challenge on 503, since the client did nothing wrong; the body `{error, error_description}`
 * (RFC 6749 §5.2 / RFC 6750 §3), with a generic description for our own faults.
 */
export function errorResponse(err: AppError, realm: string): ErrorResponse {
  const headers: Record<string, string> = { ...err.headers, 'Cache-Control': 'no-store' };
  if (err.status === 503) headers['Retry-After'] ??= DEFAULT_RETRY_AFTER_SECONDS;
  else if (err.challenge.scheme === 'Basic') headers['WWW-Authenticate'] = `Basic realm="${err.challenge.realm ?? realm}"`;
  else if (isTokenErrorCode(err.code)) headers['WWW-Authenticate'] = bearerChallenge(err, realm);
  return {
    status: err.status,
    headers,
    body: { error: err.error, error_description: err.expose ? err.message : 'internal server error', ...err.details },
  };
}

/**
 * The WWW-Authenticate value for a token refusal; also what Passport's `fail(challenge, status)`
 * takes. The scheme is Bearer (RFC 6750 §3) unless the refusal names DPoP (RFC 9449 §7.1: a
 * DPoP-bound token or proof was at fault, or the request used the DPoP scheme).
 */
export function bearerChallenge(err: AppError, realm: string): string {
  const { realm: ownRealm, scope, scheme } = err.challenge;
  const space = scheme === 'DPoP' ? `DPoP realm="${ownRealm ?? realm}", ${DPOP_ALGS}` : `Bearer realm="${ownRealm ?? realm}"`;
  if (BARE_CHALLENGE_CODES.has(err.code)) return space;
  // Descriptions are fixed strings without quotes or backslashes, so they sit in a quoted-string as is.
  return `${space}, error="${err.error}", error_description="${err.message}"${scope === undefined ? '' : `, scope="${scope}"`}`;
}

/** The same error with challenge parameters added, for layers that know their realm (requireAuth, admin auth). */
export function withChallenge(err: AppError, challenge: ChallengeParams): AppError {
  return new AppError(err.code, err.status, err.message, {
    error: err.error,
    cause: err.cause,
    headers: err.headers,
    details: err.details,
    challenge: { ...challenge, ...err.challenge },
  });
}
