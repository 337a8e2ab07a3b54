import { tokenError } from './errors.js';

/** RFC 9068 access-token claims as the auth service issues them; unknown claims pass through. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  roles?: string[];
  username?: string;
  nbf?: number;
  [claim: string]: unknown;
}

/** What a verified token tells a service. Frozen: it is shared between requests through the cache. */
export interface VerifiedToken {
  sub: string;
  clientId: string;
  scopes: readonly string[];
  roles: readonly string[];
  jti: string;
  /** `exp`, in seconds since the epoch. */
  expiresAt: number;
  claims: Readonly<AccessTokenClaims>;
  /** The raw token, for calling further services on the user's behalf. Never log it. */
  token: string;
}

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Checks the claims RFC 9068 §2.2 makes mandatory (jsonwebtoken has already checked iss, aud and
 * the time window but treats exp as optional) and shapes the result.
 */
export function toVerifiedToken(payload: unknown, token: string): VerifiedToken {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw tokenError('TOKEN_MALFORMED');
  const claims = payload as Record<string, unknown>;
  const { sub, client_id: clientId, jti, exp, iat, scope, roles } = claims;
  if (!nonEmptyString(sub) || !nonEmptyString(clientId) || !nonEmptyString(jti) || !isNumber(exp) || !isNumber(iat)) {
    throw tokenError('TOKEN_CLAIMS_INVALID');
  }
  if (scope !== undefined && typeof scope !== 'string') throw tokenError('TOKEN_CLAIMS_INVALID');
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
    throw tokenError('TOKEN_CLAIMS_INVALID');
  }
  return Object.freeze({
    sub,
    clientId,
    jti,
    expiresAt: exp,
    scopes: Object.freeze(scope ? scope.split(' ').filter(Boolean) : []),
    roles: Object.freeze(roles ? [...(roles as string[])] : []),
    claims: Object.freeze(claims as AccessTokenClaims),
    token,
  });
}
