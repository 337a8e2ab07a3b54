import type { AuthConfig } from './config.js';
import type { AuthSettings } from './domain/settings.js';

/** Maps environment names to what the domain calls things. */
export function settingsFromConfig(config: AuthConfig): AuthSettings {
  return {
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL,
    refreshReuseGraceSeconds: config.REFRESH_REUSE_GRACE_SECONDS,
    loginMaxFailures: config.LOGIN_MAX_FAILURES,
    loginMaxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
    loginFailureWindowSeconds: config.LOGIN_FAILURE_WINDOW,
    registrationMaxPerIp: config.REGISTRATION_MAX_PER_IP,
    defaultUserScope: config.DEFAULT_USER_SCOPES,
    firstPartyClientId: config.FIRST_PARTY_CLIENT_ID,
    publicUrl: config.AUTH_PUBLIC_URL,
    passwordResetTtlSeconds: config.PASSWORD_RESET_TTL,
    invitationTtlSeconds: config.INVITATION_TTL,
    emailVerificationTtlSeconds: config.EMAIL_VERIFICATION_TTL,
    emailVerificationRequired: config.EMAIL_VERIFICATION_REQUIRED,
    accountMailMaxPerAccount: config.PASSWORD_RESET_MAX_PER_ACCOUNT,
    accountMailMaxPerIp: config.PASSWORD_RESET_MAX_PER_IP,
    relyingParty: { id: config.webauthn.rpId, name: 'authgate', origins: config.webauthn.origins },
  };
}
