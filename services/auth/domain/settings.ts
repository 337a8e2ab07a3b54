import type { RelyingParty } from './passkeys/relying-party.js';

/** What the auth use cases need to know about this deployment; built from the config at start. */
export interface AuthSettings {
  /** `iss` of every token, without a trailing slash. */
  issuer: string;
  /** `aud` of user access tokens. */
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** A retried refresh within this many seconds of the rotation gets the same successor. */
  refreshReuseGraceSeconds: number;
  /** Failed logins per account within the window before 429. */
  loginMaxFailures: number;
  /** Failed logins per client IP within the window before 429. */
  loginMaxFailuresPerIp: number;
  loginFailureWindowSeconds: number;
  /** Registration attempts per client IP within the login failure window before 429. */
  registrationMaxPerIp: number;
  /** Space-separated scopes a user's tokens carry. */
  defaultUserScope: string;
  /** `client_id` of tokens issued through the first-party user API. */
  firstPartyClientId: string;
  /** AUTH_PUBLIC_URL without a trailing slash: the base of every link in a mail. */
  publicUrl: string;
  passwordResetTtlSeconds: number;
  /** How long an invitation's set-password link works (INVITATION_TTL). */
  invitationTtlSeconds: number;
  emailVerificationTtlSeconds: number;
  /** Login refused (403 email_not_verified) until the account's address is verified. */
  emailVerificationRequired: boolean;
  /** Reset requests (and verification resends) per account per login failure window. */
  accountMailMaxPerAccount: number;
  /** Reset requests per client IP per login failure window. */
  accountMailMaxPerIp: number;
  /** WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS: what passkeys are bound to and where their ceremonies may run. */
  relyingParty: RelyingParty;
}
