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
  DPOP_PROOF_INVALID: { status: 401, error: 'invalid_dpop_proof', description: 'the DPoP proof is missing or invalid' },
  DPOP_PROOF_REPLAYED: { status: 401, error: 'invalid_dpop_proof', description: 'the DPoP proof was already used' },
  DPOP_KEY_MISMATCH: { status: 401, error: 'invalid_token', description: 'the DPoP proof key is not the one the access token is bound to' },
  DPOP_BOUND_TOKEN_AS_BEARER: { status: 401, error: 'invalid_token', description: 'a DPoP-bound access token must be sent as Authorization: DPoP with a DPoP proof' },
  DPOP_TOKEN_NOT_BOUND: { status: 401, error: 'invalid_token', description: 'the DPoP scheme needs a DPoP-bound access token' },
  DPOP_REQUIRED: { status: 401, error: 'invalid_token', description: 'this resource needs a DPoP-bound access token sent as Authorization: DPoP' },
  DELEGATION_REQUIRED: { status: 403, error: 'insufficient_scope', description: 'this route needs a token obtained on a user\'s behalf (token exchange)' },
  DELEGATION_REFUSED: { status: 403, error: 'insufficient_scope', description: 'this route refuses delegated (exchanged) tokens' },
  USER_AUTHENTICATION_INSUFFICIENT: { status: 401, error: 'insufficient_user_authentication', description: 'this resource needs a sign-in with a second factor' },
  USER_AUTHENTICATION_TOO_OLD: { status: 401, error: 'insufficient_user_authentication', description: 'this resource needs a more recent sign-in' },
  USER_AUTHENTICATION_ABSENT: { status: 403, error: 'insufficient_scope', description: 'this resource needs a token from a user sign-in, not a client credentials token' },
  TOKEN_SUBJECT_GONE: { status: 401, error: 'invalid_token', description: 'the account behind the access token no longer exists' },
  ADMIN_TOKEN_MISSING: { status: 401, error: 'unauthorized', description: 'the admin API needs Authorization: Bearer <admin token>' },
  ADMIN_TOKEN_INVALID: { status: 401, error: 'invalid_token', description: 'the admin token is not valid' },
} as const satisfies Record<string, { status: number; error: string; description: string }>;

export type TokenErrorCode = keyof typeof TOKEN_ERRORS;

/**
 * The error for `code`. `scope` (space-separated) names what an insufficient_scope answer needs;
 * it ends up in the challenge, never in the description. `realm` names the protection space
 * when the raising layer knows it (else the app's default applies). `acrValues` and `maxAge` are
 * what an insufficient_user_authentication answer asks for (RFC 9470 §3).
 */
export function tokenError(code: TokenErrorCode, options: { cause?: unknown; scope?: string; realm?: string; scheme?: 'Bearer' | 'DPoP'; acrValues?: string; maxAge?: number } = {}): AppError {
  const { status, error, description } = TOKEN_ERRORS[code];
  const scheme = options.scheme ?? (DPOP_CODES.has(code) ? 'DPoP' : undefined);
  const challenge = {
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    ...(options.acrValues === undefined ? {} : { acrValues: options.acrValues }),
    ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge }),
    ...(options.realm === undefined ? {} : { realm: options.realm }),
    ...(scheme === undefined ? {} : { scheme }),
  };
  return new AppError(code, status, description, { error, cause: options.cause, challenge });
}

/** Refusals about sender constraint: always challenged with the DPoP scheme (RFC 9449 §7.1). */
const DPOP_CODES: ReadonlySet<TokenErrorCode> = new Set<TokenErrorCode>([
  'DPOP_PROOF_INVALID',
  'DPOP_PROOF_REPLAYED',
  'DPOP_KEY_MISMATCH',
  'DPOP_BOUND_TOKEN_AS_BEARER',
  'DPOP_TOKEN_NOT_BOUND',
  'DPOP_REQUIRED',
]);

export function isTokenErrorCode(code: string): code is TokenErrorCode {
  return Object.hasOwn(TOKEN_ERRORS, code);
}

/** Codes answered with a bare challenge (RFC 6750 §3.1: no error code when no credential was sent). */
export const BARE_CHALLENGE_CODES: ReadonlySet<string> = new Set<TokenErrorCode>(['TOKEN_MISSING', 'ADMIN_TOKEN_MISSING']);
