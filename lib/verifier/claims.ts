import { tokenError } from './errors.js';

/** The contract allows at most 30 s of clock skew between an issuer and its verifiers. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 30;

/**
 * RFC 9068 access-token claims as the auth service issues them; unknown claims pass through.
 * The one claims type of the code base: the issuer builds it, every verifier returns it.
 */
export interface AccessTokenClaims {
  iss: string;
  /** User id, or the client id for client-only grants. */
  sub: string;
  aud: string | string[];
  /** Epoch seconds. */
  exp: number;
  iat: number;
  nbf?: number;
  jti: string;
  client_id: string;
  /** Space-separated; always present on tokens this issuer signs. */
  scope?: string;
  roles?: string[];
  username?: string;
  /** The login session (user tokens): shared by every token refreshed from one login; logout revokes it. */
  sid?: string;
  /** Present on tokens obtained by token exchange: who acts on `sub`'s behalf. */
  act?: ActorClaim;
  /** RFC 9449 §6.1 confirmation: the token is bound to the DPoP key with this RFC 7638 thumbprint. */
  cnf?: { jkt: string };
  /** User tokens: when the user signed in (epoch seconds; OIDC Core §2), unchanged by refreshes. */
  auth_time?: number;
  /** User tokens: how (RFC 8176 values, e.g. `["pwd","otp","mfa"]`). */
  amr?: string[];
  /** User tokens: the strength of the sign-in (`urn:authgate:acr:pwd` or `urn:authgate:acr:mfa`). */
  acr?: string;
  [claim: string]: unknown;
}

/** RFC 8693 §4.1 `act`: the party acting for the subject, and (nested) who it acted for in turn. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
  [claim: string]: unknown;
}

/** What a verified token tells a service. Frozen: it is shared between requests through the cache. */
export interface VerifiedToken {
  sub: string;
  clientId: string;
  scopes: readonly string[];
  roles: readonly string[];
  jti: string;
  /** The login session of a user token (`sid`); absent on client-credentials tokens. */
  sid?: string;
  /**
   * For a delegated (exchanged) token, the `act.sub` chain: the party calling now first, then whom
   * it acted for in turn. Empty for a token used by the party it was issued to.
   */
  actor: readonly string[];
  /** `exp`, in seconds since the epoch. */
  expiresAt: number;
  /** When the user signed in (`auth_time`, epoch seconds); absent on client-only tokens. */
  authTime?: number;
  /** How the user signed in (`amr`, RFC 8176); empty when the token does not say. */
  amr: readonly string[];
  /** The strength of the sign-in (`acr`); absent when the token does not say. */
  acr?: string;
  claims: Readonly<AccessTokenClaims>;
  /** The raw token, for calling further services on the user's behalf. Never log it. */
  token: string;
}

/** What a caller of the core accepts: the options that make the gateway, a service and the issuer differ. */
export interface ClaimsPolicy {
  /** Exact `iss` expected. */
  issuer: string;
  /** `aud` that must be among the token's audiences; null accepts any (the issuer inspecting its own tokens). */
  audience: string | null;
  /** Accepted skew on exp/nbf, 0-30 s. */
  clockToleranceSeconds: number;
  /** False lets an expired token through (introspection and revocation must still recognise it). */
  enforceExpiry: boolean;
}

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * The one claims check (RFC 9068 §2.2 and §4), run after the signature checked out. Order: time
 * window, audience, issuer, then the claims every access token must carry. `nowSeconds` is epoch
 * seconds.
 */
export function checkAccessTokenClaims(payload: unknown, token: string, policy: ClaimsPolicy, nowSeconds: number): VerifiedToken {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw tokenError('TOKEN_MALFORMED');
  const claims = payload as Record<string, unknown>;
  const { iss, aud, exp, iat, nbf, sub, client_id: clientId, jti, scope, roles, sid, act, cnf, auth_time: authTime, amr, acr } = claims;
  const tolerance = policy.clockToleranceSeconds;

  if (!isNumber(exp) || !isNumber(iat) || (nbf !== undefined && !isNumber(nbf))) throw tokenError('TOKEN_CLAIMS_INVALID');
  if (nbf !== undefined && nbf > nowSeconds + tolerance) throw tokenError('TOKEN_NOT_YET_VALID');
  if (policy.enforceExpiry && nowSeconds >= exp + tolerance) throw tokenError('TOKEN_EXPIRED');

  const audiences = typeof aud === 'string' ? [aud] : isStringArray(aud) ? aud : undefined;
  if (audiences === undefined || audiences.length === 0) throw tokenError('TOKEN_AUDIENCE_INVALID');
  if (policy.audience !== null && !audiences.includes(policy.audience)) throw tokenError('TOKEN_AUDIENCE_INVALID');
  if (iss !== policy.issuer) throw tokenError('TOKEN_ISSUER_INVALID');

  if (!nonEmptyString(sub) || !nonEmptyString(clientId) || !nonEmptyString(jti)) throw tokenError('TOKEN_CLAIMS_INVALID');
  if (scope !== undefined && typeof scope !== 'string') throw tokenError('TOKEN_CLAIMS_INVALID');
  if (roles !== undefined && !isStringArray(roles)) throw tokenError('TOKEN_CLAIMS_INVALID');
  if (sid !== undefined && !nonEmptyString(sid)) throw tokenError('TOKEN_CLAIMS_INVALID');
  // Unreadable authentication claims must not pass as "no claim": a step-up check reads them.
  if ((authTime !== undefined && !isNumber(authTime)) || (amr !== undefined && !isStringArray(amr)) || (acr !== undefined && !nonEmptyString(acr))) {
    throw tokenError('TOKEN_CLAIMS_INVALID');
  }
  // A confirmation we cannot read must not turn a bound token into a bearer one.
  if (cnf !== undefined && !(typeof cnf === 'object' && cnf !== null && nonEmptyString((cnf as Record<string, unknown>).jkt))) throw tokenError('TOKEN_CLAIMS_INVALID');
  const actor = act === undefined ? [] : actorChain(act);
  if (actor === null) throw tokenError('TOKEN_CLAIMS_INVALID');
  return Object.freeze({
    sub,
    clientId,
    jti,
    ...(sid !== undefined ? { sid } : {}),
    actor: Object.freeze(actor),
    expiresAt: exp,
    ...(authTime !== undefined ? { authTime } : {}),
    amr: Object.freeze(amr ? [...amr] : []),
    ...(acr !== undefined ? { acr } : {}),
    scopes: Object.freeze(scope ? scope.split(' ').filter(Boolean) : []),
    roles: Object.freeze(roles ? [...roles] : []),
    claims: Object.freeze(claims as AccessTokenClaims),
    token,
  });
}

/** Deepest `act` nesting accepted: a chain longer than this is a loop or an attack, not delegation. */
const MAX_ACTOR_DEPTH = 8;

/** The `act.sub` chain, outermost first; null when `act` is not a well-formed RFC 8693 §4.1 claim. */
function actorChain(act: unknown): string[] | null {
  const chain: string[] = [];
  let current: unknown = act;
  while (current !== undefined) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || chain.length === MAX_ACTOR_DEPTH) return null;
    const { sub, act: inner } = current as Record<string, unknown>;
    if (!nonEmptyString(sub)) return null;
    chain.push(sub);
    current = inner;
  }
  return chain;
}
