import type { AuthorizationRequest } from './authorization-request.js';

/** What a live login session says of its sign-in (LoginSession's fields; `amr` absent: a password). */
export interface SessionSignIn {
  /** Epoch ms. */
  authTime: number;
  amr?: readonly string[] | undefined;
}

/**
 * Why a live login session cannot answer an authorization request as it is (OIDC Core §3.1.2.1,
 * RFC 9470 §4): `stale` when it is older than `max_age` (the user signs in again), `one-factor`
 * when `acr_values` asks for urn:authgate:acr:mfa and the sign-in used one factor (the user adds
 * the second); undefined when it will do. Age first: a new sign-in asks for every factor anyway.
 */
export function sessionShortfall(request: Pick<AuthorizationRequest, 'maxAge' | 'acr'>, session: SessionSignIn, nowMs: number): 'stale' | 'one-factor' | undefined {
  if (request.maxAge !== undefined && nowMs - session.authTime > request.maxAge * 1000) return 'stale';
  if (request.acr === 'mfa' && !(session.amr ?? []).includes('mfa')) return 'one-factor';
  return undefined;
}
