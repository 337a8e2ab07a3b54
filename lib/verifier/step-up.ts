import { tokenError } from './errors.js';
import type { VerifiedToken } from './claims.js';

/** The authentication context classes the issuer puts in `acr` (API.md, Second factors). */
export const ACR_PASSWORD = 'urn:authgate:acr:pwd';
export const ACR_MFA = 'urn:authgate:acr:mfa';

/** What a resource asks of the user's sign-in (RFC 9470 §3), as routes.yaml and requireAuth spell it. */
export interface UserAuthenticationRequirements {
  /** `mfa`: the token's `acr` must be urn:authgate:acr:mfa (a second factor was used at sign-in). */
  acr?: 'mfa' | undefined;
  /** The sign-in (`auth_time`) must be at most this many seconds old. */
  maxAge?: number | undefined;
}

type StepUpSubject = Pick<VerifiedToken, 'sub' | 'clientId' | 'acr' | 'authTime'>;

/**
 * RFC 9470: refuses a token whose sign-in falls short of `acr` / `maxAge` with 401
 * insufficient_user_authentication, the challenge naming everything the resource asks (both
 * parameters when both are set), so one step-up satisfies it. A token without a user (client
 * credentials: `sub` is the client, RFC 6749 §4.4) cannot step up: 403, no step-up parameters.
 * Hot path (a step-up route's every request): nothing is allocated unless it refuses.
 */
export function assertUserAuthentication(identity: StepUpSubject, requirements: UserAuthenticationRequirements, nowSeconds?: number): void {
  if (identity.sub === identity.clientId) throw tokenError('USER_AUTHENTICATION_ABSENT');
  // Any acr asked for is read as mfa (the one level above a password), so a misspelt one never lets a token through.
  if (requirements.acr !== undefined && identity.acr !== ACR_MFA) throw stepUpError('USER_AUTHENTICATION_INSUFFICIENT', requirements);
  const maxAge = requirements.maxAge;
  if (maxAge === undefined) return;
  const authTime = identity.authTime;
  // No auth_time: the token cannot show how old the sign-in is, so it is as good as too old.
  if (authTime === undefined || (nowSeconds ?? Date.now() / 1000) - authTime > maxAge) throw stepUpError('USER_AUTHENTICATION_TOO_OLD', requirements);
}

function stepUpError(code: 'USER_AUTHENTICATION_INSUFFICIENT' | 'USER_AUTHENTICATION_TOO_OLD', { acr, maxAge }: UserAuthenticationRequirements) {
  return tokenError(code, { ...(acr !== undefined ? { acrValues: ACR_MFA } : {}), ...(maxAge !== undefined ? { maxAge } : {}) });
}

/**
 * For code that takes requirements from a caller (requireAuth, the Passport strategy): a wrong
 * `acr` or `maxAge` is a programming error, thrown when the middleware is built, naming the option.
 */
export function checkUserAuthenticationRequirements({ acr, maxAge }: UserAuthenticationRequirements): void {
  if (acr !== undefined && acr !== 'mfa') throw new TypeError(`acr must be 'mfa' (got ${JSON.stringify(acr)})`);
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) throw new TypeError(`maxAge must be a whole number of seconds, 0 or more (got ${JSON.stringify(maxAge)})`);
}
