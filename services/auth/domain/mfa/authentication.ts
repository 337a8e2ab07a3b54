/**
 * How a user signed in, and what it says in tokens: the one place that maps an authentication to
 * `auth_time`, `amr` (RFC 8176) and `acr`. Every login (password, second factor, passkey) ends in
 * an Authentication; the refresh family and the hosted login session keep it, so a refresh never
 * changes what the first sign-in proved.
 */
import { ACR_MFA, ACR_PASSWORD as ACR_PWD } from '../../../../lib/verifier/index.js';

/** RFC 8176 §2 values this server asserts. */
export const AUTH_METHODS = ['pwd', 'otp', 'hwk', 'user', 'mfa'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** `acr` values (OIDC Core §2): one password, or more than one factor; defined beside the verifier's step-up check, which reads them. */
export { ACR_MFA, ACR_PWD };
export const ACR_VALUES = [ACR_PWD, ACR_MFA] as const;
export type Acr = (typeof ACR_VALUES)[number];

export interface Authentication {
  /** When the user last proved who they are (the last step of the sign-in), epoch ms. */
  time: number;
  /** The methods used, in the order used; `mfa` when more than one factor took part. */
  amr: readonly AuthMethod[];
}

/** A password, and nothing else yet. */
export function passwordAuthentication(time: number): Authentication {
  return { time, amr: ['pwd'] };
}

/**
 * `first` completed by a second factor (`otp` for TOTP and recovery codes, `hwk` for a passkey):
 * the methods of both, plus `mfa` (RFC 8176 §2), timed at the second step.
 */
export function withSecondFactor(first: Authentication, methods: readonly AuthMethod[], time: number): Authentication {
  const amr = [...new Set([...first.amr, ...methods].filter((m) => m !== 'mfa'))];
  return { time, amr: [...amr, 'mfa'] };
}

/** `acr` of an authentication: mfa exactly when more than one factor took part. */
export function acrOf(authentication: Authentication): Acr {
  return authentication.amr.includes('mfa') ? ACR_MFA : ACR_PWD;
}

/** The claims an access token, an ID token, introspection and userinfo carry for it (epoch seconds). */
export function authenticationClaims(authentication: Authentication): { auth_time: number; amr: AuthMethod[]; acr: Acr } {
  return { auth_time: Math.floor(authentication.time / 1000), amr: [...authentication.amr], acr: acrOf(authentication) };
}

/** Whether `value` is one of the `acr` values this server issues. */
export const isAcr = (value: string): value is Acr => (ACR_VALUES as readonly string[]).includes(value);

const isAuthMethod = (value: string): value is AuthMethod => (AUTH_METHODS as readonly string[]).includes(value);

/**
 * The compact form stores keep (`<epoch ms> <amr...>`, e.g. `1733540000000 pwd otp mfa`): one
 * string field in any adapter. Null for anything else (a record written before this existed).
 */
export function encodeAuthentication(authentication: Authentication): string {
  return [String(authentication.time), ...authentication.amr].join(' ');
}

export function decodeAuthentication(value: string | null | undefined): Authentication | null {
  if (!value) return null;
  const [time, ...amr] = value.split(' ');
  const ms = Number(time);
  if (!Number.isSafeInteger(ms) || amr.length === 0 || !amr.every(isAuthMethod)) return null;
  return { time: ms, amr: amr as AuthMethod[] };
}

/** The authentication a verified token states (`auth_time`, `amr`), for a token derived from it (token exchange); null when it states none. */
export function authenticationOfToken(token: { authTime?: number; amr: readonly string[] }): Authentication | null {
  if (token.authTime === undefined || token.amr.length === 0) return null;
  return decodeAuthentication([String(token.authTime * 1000), ...token.amr].join(' '));
}
