import { createAccountUseCases, type AccountUseCases } from './accounts/account-use-cases.js';
import type { MailQueue } from './accounts/account-flow-deps.js';
import type { AccountTokenStore } from './accounts/account-token-store.js';
import { createClientAdmin } from './admin/client-admin.js';
import { createUserAdmin } from './admin/user-admin.js';
import { createAppFlow } from './app-flow/app-flow.js';
import type { AppSessionStore } from './app-flow/app-sessions.js';
import { parseAuthorizationRequest, type RawParams } from './app-flow/authorization-request.js';
import { createIdTokenHintReader } from './app-flow/id-token-hint.js';
import { createRpLogout } from './app-flow/rp-logout.js';
import { ignoreAuthEvents } from './auth-events.js';
import type { ClientSecretHasher } from './clients/client-secret-hasher.js';
import type { ClientStore } from './clients/client-store.js';
import { createAuthUseCases, type AuthDomainDeps } from './first-party-use-cases.js';
import { tokenEndpointGrants } from './grants/token-endpoint-grants.js';
import { createPasskeyUseCases } from './passkeys/passkey-use-cases.js';
import type { PasskeyStore } from './passkeys/passkey-store.js';
import { createOAuthUseCases } from './oauth/oauth-use-cases.js';
import { createReadRevocationFeed } from './sessions/read-revocation-feed.js';
import type { RevocationFeed } from './sessions/revocation-feed.js';
import { createSessionEnder } from './sessions/session-ender.js';
import type { SigningKeySet } from './tokens/signing-key-set.js';
import type { AssertionSignatureVerifier } from './tokens/token-signing.js';
import { createUserScopes, DEFAULT_ROLE_SCOPES, type RoleScopes } from './users/roles.js';
import { SecondFactors, type SecondFactor } from './mfa/second-factor.js';
import { createTotp } from './mfa/totp.js';
import type { TotpStore } from './mfa/totp-store.js';
import { SecretBox } from './mfa/secret-box.js';
import { createConfirmPassword } from './accounts/confirm-password.js';

/** The ports and settings every use case of the auth service is built from. */
export interface UseCaseDeps extends AuthDomainDeps {
  clients: ClientStore;
  clientSecrets: ClientSecretHasher;
  /** Codes, login sessions and consents of the app flow. */
  appSessions: AppSessionStore;
  /** The signing key set: ID token hints are checked against its public keys. */
  keys: SigningKeySet;
  assertionSignatures: AssertionSignatureVerifier;
  /** The revocation feed for verifiers without Redis; absent when auth does not serve one. */
  revocationFeed?: RevocationFeed | undefined;
  /** Verification and reset tokens (as hashes). */
  accountTokens: AccountTokenStore;
  /** The mail outbox the account flows enqueue into. */
  mail: MailQueue;
  /** A failure of work done off the request path (a reset request's lookup and mail); logged by the caller. */
  onBackgroundError?: (err: unknown) => void;
  /** The scopes each role grants (AUTH_ROLES_FILE); only `admin` -> `admin` without one. */
  roleScopes?: RoleScopes;
  /** The users' passkeys (WebAuthn credentials). */
  passkeys: PasskeyStore;
  /** TOTP secrets (sealed) and recovery codes (hashed). */
  totpStore: TotpStore;
}

export type UseCases = ReturnType<typeof createUseCases>;

/**
 * Every use case of the auth service, built once from the ports: the first-party user API, the
 * app flow, the OAuth endpoints with their grant registry, the admin API and the revocation feed.
 * One session ender serves them all, so "this session is over" means the same thing whichever
 * door ended it. The HTTP layer receives the finished use cases and wires none of its own.
 */
export function createUseCases(deps: UseCaseDeps) {
  const { settings, users, tokens, clients, appSessions, keys, assertionSignatures } = deps;
  const now = deps.now ?? Date.now;
  const events = deps.events ?? ignoreAuthEvents;
  const endTokenSession = createSessionEnder({ tokens, accessTokenTtlSeconds: settings.accessTokenTtlSeconds, now });
  // Registration sends the verification mail of the account flows, which share login's throttle: bound late.
  let accounts: AccountUseCases | undefined;
  // DEFAULT_USER_SCOPES plus the scopes of the user's roles: the first-party tokens' scope and the ceiling of an app's.
  const scopesOf = createUserScopes(settings.defaultUserScope, deps.roleScopes ?? DEFAULT_ROLE_SCOPES);
  // The second factors a login may ask for, in the order mfa_required lists them: a new factor
  // (passkeys) is one more entry here. Filled just below (TOTP needs login's throttle), before any request.
  const factors: SecondFactor[] = [];
  const secondFactors = new SecondFactors(factors);
  const auth = createAuthUseCases({ ...deps, now, events, endTokenSession, scopesOf, secondFactors, onRegistered: (user) => accounts!.verification.registered(user) });
  const totp = createTotp({
    store: deps.totpStore,
    users,
    box: new SecretBox(deps.mfaKeys, 'totp secret'),
    confirmPassword: createConfirmPassword({ users, passwords: deps.passwords, loginThrottle: auth.loginThrottle }),
    events,
    now,
  });
  factors.push(...totp.factors);
  const passkeys = createPasskeyUseCases({
    rp: settings.relyingParty,
    users,
    passkeys: deps.passkeys,
    challengeStore: deps.accountTokens,
    pairs: auth.pairs,
    firstPartyClientId: settings.firstPartyClientId,
    scopesOf,
    emailVerificationRequired: settings.emailVerificationRequired,
    events,
    now,
  });
  // Built after auth (it signs in with auth's token pairs), listed after TOTP and recovery codes.
  factors.push(passkeys.secondFactor);
  accounts = createAccountUseCases({
    settings,
    users,
    tokens,
    accountTokenStore: deps.accountTokens,
    mail: deps.mail,
    passwords: deps.passwords,
    endTokenSession,
    loginThrottle: auth.loginThrottle,
    events,
    now,
    onBackgroundError: deps.onBackgroundError ?? (() => {}),
    factors: secondFactors,
  });
  const appFlow = createAppFlow({
    issuer: settings.issuer,
    sessions: appSessions,
    users,
    tokens,
    pairs: auth.pairs,
    signer: deps.signer,
    accessTokens: deps.accessTokens,
    checkPassword: auth.checkPassword,
    secondStep: auth.secondStep,
    passkeySignIn: passkeys.signIn,
    userScopes: scopesOf,
    endTokenSession,
    now,
  });
  const rpLogout = createRpLogout({
    sessions: appSessions,
    clients,
    readHint: createIdTokenHintReader({ issuer: settings.issuer, signatures: assertionSignatures, publicJwks: () => keys.publicJwks() }),
    endTokenSession,
    events,
    now,
  });
  const grants = tokenEndpointGrants({
    settings,
    signer: deps.signer,
    accessTokens: deps.accessTokens,
    tokens,
    rotateRefreshToken: auth.refresh,
    redeemCode: (client, params, jkt) => appFlow.redeemCode(client, params, jkt),
    events,
    now,
  });
  const oauth = createOAuthUseCases({ ...deps, grants, endTokenSession, now, proofKey: auth.proofKey });
  const clientAdmin = createClientAdmin({
    clients,
    hashSecret: (secret) => deps.clientSecrets.hash(secret),
    users,
    firstPartyClientId: settings.firstPartyClientId,
    events,
  });
  const userAdmin = createUserAdmin({
    users,
    sessions: { findSessions: (subject) => tokens.findSessions(subject), listSessions: (subject, at) => tokens.listSessions(subject, at), endSession: endTokenSession },
    factors: secondFactors,
    sendPasswordReset: (userId) => accounts!.reset.sendFor(userId),
    events,
    now,
  });
  return {
    auth,
    accounts,
    passkeys,
    /** TOTP enrolment and removal (/auth/mfa/totp). */
    totp,
    appFlow,
    /** GET /oauth/authorize's request, checked against the registered clients. */
    parseAuthorizationRequest: (params: RawParams) => parseAuthorizationRequest(params, clients),
    rpLogout,
    grants,
    oauth,
    clientAdmin,
    userAdmin,
    events,
    readRevocationFeed: deps.revocationFeed ? createReadRevocationFeed(deps.revocationFeed) : undefined,
  };
}
