import { AppError } from '../errors.js';

/**
 * Every way a bearer token can be refused, with its HTTP status, its RFC 6750 wire error and a
 * fixed description. The description is the same for every occurrence of a code, so it never
 * echoes attacker input and tests can rely on it; it contains no quote or backslash, so it can
 * sit inside a WWW-Authenticate quoted-string as is.
 */
export const TOKEN_ERRORS = {
  TOKEN_MISSING: { status: 401, error: 'unauthorized', description: 'an access token is required' },
  AUTHORIZATION_INVALID: {
    status: 400,
    error: 'invalid_request',
    description: 'the request must carry exactly one Authorization header of the form Bearer token',
  },
  TOKEN_TOO_LARGE: { status: 401, error: 'invalid_token', description: 'the access token is too large' },
  TOKEN_MALFORMED: { status: 401, error: 'invalid_token', description: 'the access token is malformed' },
  TOKEN_EXPIRED: { status: 401, error: 'invalid_token', description: 'the access token expired' },
  TOKEN_NOT_YET_VALID: { status: 401, error: 'invalid_token', description: 'the access token is not valid yet' },
  TOKEN_SIGNATURE_INVALID: { status: 401, error: 'invalid_token', description: 'the access token signature is invalid' },
  TOKEN_ALGORITHM_INVALID: { status: 401, error: 'invalid_token', description: 'the access token must be signed with RS256' },
  TOKEN_TYPE_INVALID: { status: 401, error: 'invalid_token', description: 'the access token type must be at+jwt' },
  TOKEN_ISSUER_INVALID: { status: 401, error: 'invalid_token', description: 'the access token was issued by an unexpected issuer' },
  TOKEN_AUDIENCE_INVALID: { status: 401, error: 'invalid_token', description: 'the access token is not meant for this audience' },
  TOKEN_CLAIMS_INVALID: { status: 401, error: 'invalid_token', description: 'the access token claims are missing or invalid' },
  TOKEN_CRIT_UNSUPPORTED: { status: 401, error: 'invalid_token', description: 'the access token uses critical header parameters that are not supported' },
  TOKEN_REVOKED: { status: 401, error: 'invalid_token', description: 'the access token was revoked' },
  KEY_ID_INVALID: { status: 401, error: 'invalid_token', description: 'the access token key id is missing or not valid' },
  KEY_NOT_FOUND: { status: 401, error: 'invalid_token', description: 'the access token was signed with an unknown key' },
  KEY_TOO_SMALL: { status: 401, error: 'invalid_token', description: 'the access token was signed with a key smaller than 2048 bits' },
  JWKS_UNAVAILABLE: { status: 503, error: 'temporarily_unavailable', description: 'the signing keys cannot be fetched right now, retry shortly' },
  INSUFFICIENT_SCOPE: { status: 403, error: 'insufficient_scope', description: 'the access token lacks a required scope' },
  INSUFFICIENT_ROLE: { status: 403, error: 'insufficient_scope', description: 'the access token lacks a required role' },
} as const satisfies Record<string, { status: number; error: string; description: string }>;

export type TokenErrorCode = keyof typeof TOKEN_ERRORS;

/** Seconds a client should wait before retrying when the issuer's keys are unreachable. */
const JWKS_RETRY_AFTER_SECONDS = '5';

/**
 * The error for `code`. `scope` (space-separated) names what an insufficient_scope answer needs;
 * it ends up in the challenge, never in the description.
 */
export function tokenError(code: TokenErrorCode, options: { cause?: unknown; scope?: string } = {}): AppError {
  const { status, error, description } = TOKEN_ERRORS[code];
  const details = options.scope === undefined ? undefined : { requiredScope: options.scope };
  return new AppError(code, status, description, { error, cause: options.cause, details });
}

export function isTokenErrorCode(code: string): code is TokenErrorCode {
  return Object.hasOwn(TOKEN_ERRORS, code);
}

/**
 * The response headers RFC 6750 §3 asks for: a missing token gets a bare challenge (no error
 * code, the client may not know authentication is needed), every other refusal names its error;
 * 503 gets Retry-After instead of a challenge because the client did nothing wrong.
 */
export function challengeHeaders(err: AppError, realm: string): Record<string, string> {
  if (!isTokenErrorCode(err.code)) return err.headers;
  if (err.code === 'JWKS_UNAVAILABLE') return { 'Retry-After': JWKS_RETRY_AFTER_SECONDS };
  return { 'WWW-Authenticate': challenge(err, realm) };
}

/** The WWW-Authenticate value alone, for Passport's `fail(challenge, status)`. */
export function challenge(err: AppError, realm: string): string {
  if (err.code === 'TOKEN_MISSING') return `Bearer realm="${realm}"`;
  const scope = typeof err.details.requiredScope === 'string' ? `, scope="${err.details.requiredScope}"` : '';
  return `Bearer realm="${realm}", error="${err.error}", error_description="${err.message}"${scope}`;
}

/**
 * The same error with its challenge headers for `realm`, ready for lib/http's error handler. The
 * JSON body stays `{error, error_description}` (RFC 6750 §3), so the internal scope detail is dropped.
 */
export function withChallenge(err: AppError, realm: string): AppError {
  if (!isTokenErrorCode(err.code)) return err;
  return new AppError(err.code, err.status, err.message, { error: err.error, cause: err.cause, headers: challengeHeaders(err, realm) });
}
