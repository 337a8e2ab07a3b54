import { LoginThrottle } from './users/login-throttle.js';
import { ignoreAuthEvents, type AuthEvents } from './auth-events.js';
import type { OwnAccessTokens, TokenSigner } from './tokens/token-signing.js';
import type { PasswordHasher } from './users/password-hasher.js';
import type { TokenStore } from './tokens/token-store.js';
import type { UserRecord, UserStore } from './users/user-store.js';
import type { AuthSettings } from './settings.js';
import { createAccessTokenIssuer } from './tokens/access-token-issuer.js';
import { TokenPairIssuer } from './tokens/token-pair.js';
import { createProofKey, type TokenRequestProof } from './tokens/proof-key.js';
import { createDpopProofVerifier } from '../../../lib/verifier/dpop.js';
import { createEndSession } from './sessions/end-session.js';
import { createLogin } from './grants/password.js';
import { createPasswordCheck } from './users/password-check.js';
import { createLogout } from './sessions/logout.js';
import type { SessionEnder } from './sessions/session-ender.js';
import { createMe } from './users/me.js';
import { createRefresh } from './tokens/refresh-rotation.js';
import { createRegister } from './users/register.js';
import { SecretBox } from './mfa/secret-box.js';
import { MfaTokens } from './mfa/mfa-token.js';
import { createSecondStep } from './mfa/second-step.js';
import type { SecondFactors } from './mfa/second-factor.js';

export interface AuthDomainDeps {
  settings: AuthSettings;
  users: UserStore;
  tokens: TokenStore;
  signer: TokenSigner;
  /** The issuer's own tokens, verified by the shared core (lib/verifier) with the issuer's options. */
  accessTokens: OwnAccessTokens;
  passwords: PasswordHasher;
  /**
   * AUTH_MFA_ENCRYPTION_KEY: 32-byte keys, the first encrypts (TOTP secrets at rest, mfa_tokens),
   * every one decrypts (rotation).
   */
  mfaKeys: readonly Buffer[];
  /** Epoch milliseconds; tests move time by passing their own clock. */
  now?: () => number;
  /** Where security events are reported (metrics and the audit trail); ignored when absent. */
  events?: AuthEvents;
}

export interface FirstPartyDeps extends AuthDomainDeps {
  /** The one session ender of the service (use-cases.ts builds it once). */
  endTokenSession: SessionEnder;
  /** DEFAULT_USER_SCOPES plus the scopes of the user's roles (users/roles.ts), read at each login and refresh. */
  scopesOf: (user: UserRecord) => string[];
  /** After an account was created (its verification mail); awaited, so a mail that cannot be queued is not silent. */
  onRegistered?: (user: UserRecord) => Promise<void>;
  /** The second factors of the deployment (use-cases.ts lists them): the login asks them. */
  secondFactors: SecondFactors;
  /** An app's session was refreshed (back-channel logout keeps its record as long). */
  onSessionRefreshed?: (sid: string, expiresAt: number) => Promise<void>;
}

export type AuthUseCases = ReturnType<typeof createAuthUseCases>;

/** The first-party user API's use cases (/auth/*), built once by use-cases.ts; the HTTP layer only calls them. */
export function createAuthUseCases({ settings, users, tokens, signer, accessTokens, passwords, mfaKeys, secondFactors, endTokenSession, scopesOf, onRegistered, onSessionRefreshed, now = Date.now, events = ignoreAuthEvents }: FirstPartyDeps) {
  const issueAccessToken = createAccessTokenIssuer({ signer, issuer: settings.issuer, audience: settings.audience, ttlSeconds: settings.accessTokenTtlSeconds, now });
  const pairs = new TokenPairIssuer({ issueAccessToken, refreshTokens: tokens, refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds, now });
  const throttle = new LoginThrottle({
    counter: tokens,
    maxFailuresPerAccount: settings.loginMaxFailures,
    maxFailuresPerIp: settings.loginMaxFailuresPerIp,
    maxRegistrationsPerIp: settings.registrationMaxPerIp,
    windowSeconds: settings.loginFailureWindowSeconds,
  });
  const checkPassword = createPasswordCheck({ users, passwords, throttle, events, emailVerificationRequired: settings.emailVerificationRequired });
  const logout = createLogout({ tokens, endSession: endTokenSession, now, events });
  const verifyAccessToken = async (token: string) => (await accessTokens.verify(token)).claims;
  // One proof verifier for the token endpoints and the service's own resources (/auth/me, userinfo).
  const verifyDpopProof = createDpopProofVerifier({ replay: tokens, now });
  const proofKey = createProofKey(verifyDpopProof);
  const secondStep = createSecondStep({
    factors: secondFactors,
    mfaTokens: new MfaTokens(new SecretBox(mfaKeys, 'mfa_token'), now),
    counter: tokens,
    users,
    maxFailures: settings.loginMaxFailures,
    windowSeconds: settings.loginFailureWindowSeconds,
    events,
    now,
  });
  const { login, completeLogin } = createLogin({ checkPassword, secondStep, tokens: pairs, clientId: settings.firstPartyClientId, scopesOf, events, now });
  const refresh = createRefresh({
    users,
    refreshTokens: tokens,
    tokens: pairs,
    refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds,
    graceSeconds: settings.refreshReuseGraceSeconds,
    now,
    events,
    firstPartyClientId: settings.firstPartyClientId,
    scopesOf,
    ...(onSessionRefreshed ? { sessionRefreshed: onSessionRefreshed } : {}),
  });
  return {
    register: createRegister({ users, passwords, throttle, emailRequired: settings.emailVerificationRequired, ...(onRegistered ? { onRegistered } : {}) }),
    /** The login failure counts, shared with the password change (a wrong current password is a failure). */
    loginThrottle: throttle,
    /** POST /auth/login; with a DPoP proof (RFC 9449) the tokens are bound to its key, its jti spent only after the password. */
    login: (input: Omit<Parameters<typeof login>[0], 'jkt'>, proof?: TokenRequestProof) => proofKey(proof, undefined, (jkt) => login({ ...input, jkt })),
    /** POST /auth/login/mfa: the second step of a login that answered mfa_required; the tokens bound like login's. */
    completeLogin: (input: Omit<Parameters<typeof completeLogin>[0], 'jkt'>, proof?: TokenRequestProof) => proofKey(proof, undefined, (jkt) => completeLogin({ ...input, jkt })),
    /** The second step the hosted login page shares (its own purpose, so tokens of one flow never finish the other). */
    secondStep,
    /** For the hosted login page (apps): the same check as login, and the same token families. */
    checkPassword,
    pairs,
    refresh,
    /** POST /auth/refresh: a bound family needs a proof of its key (RFC 9449 §5). */
    refreshWithProof: (refreshToken: string, proof?: TokenRequestProof) => proofKey(proof, undefined, (jkt) => refresh(refreshToken, { jkt })),
    /** The key a token request proved (shared with /oauth/token, so both endpoints check proofs alike). */
    proofKey,
    logout,
    /** Browser logout: the API's logout when the access token is still valid, else the refresh token's session alone. */
    endSession: createEndSession({ tokens, verifyAccessToken, logout, endTokenSession, now, events }),
    me: createMe({ users }),
    verifyAccessToken,
    verifyDpopProof,
  };
}
