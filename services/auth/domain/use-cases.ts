import { createAccountUseCases, type AccountUseCases } from './accounts/account-use-cases.js';
import type { MailQueue } from './accounts/account-flow-deps.js';
import type { AccountTokenStore } from './accounts/account-token-store.js';
import { createClientAdmin } from './admin/client-admin.js';
import { createUserAdmin } from './admin/user-admin.js';
import { createAppFlow, LOGIN_SESSION_TTL_SECONDS } from './app-flow/app-flow.js';
import type { AppSessionStore } from './app-flow/app-sessions.js';
import { parseAuthorizationRequest, type RawParams } from './app-flow/authorization-request.js';
import { createIdTokenHintReader } from './app-flow/id-token-hint.js';
import { createRpLogout } from './app-flow/rp-logout.js';
import { ignoreAuthEvents } from './auth-events.js';
import { createBackchannelLogout, type BackchannelLogoutDeps } from './backchannel-logout/backchannel-logout.js';
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
import { createFederation, type ConfiguredProvider } from './federation/federation.js';
import type { FederationStateStore } from './federation/federation-state.js';
import type { LinkedIdentityStore } from './federation/linked-identities.js';
import { linksFollowUsers } from './federation/links-follow-users.js';
import { createReturnToCheck } from './federation/return-to.js';
import { hashRefreshToken } from './tokens/refresh-token.js';
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
  /** Sign-in with upstream providers (AUTH_IDENTITY_PROVIDERS_FILE); absent: off. */
  federation?: {
    providers: readonly ConfiguredProvider[];
    state: FederationStateStore;
    links: LinkedIdentityStore;
    /** ALLOWED_ORIGINS: pages there are `return_to` targets too. */
    allowedOrigins: ReadonlySet<string>;
  };
  /** The users' passkeys (WebAuthn credentials). */
  passkeys: PasskeyStore;
  /** TOTP secrets (sealed) and recovery codes (hashed). */
  totpStore: TotpStore;
  /** Back-channel logout's stores: who got an ID token in which session, and the durable delivery queue. Off when absent. */
  backchannelLogout?: Pick<BackchannelLogoutDeps, 'sessions' | 'outbox'>;
}

export type UseCases = ReturnType<typeof createUseCases>;

/**
 * Every use case of the auth service, built once from the ports: the first-party user API, the
 * app flow, the OAuth endpoints with their grant registry, the admin API and the revocation feed.
 * One session ender serves them all, so "this session is over" means the same thing whichever
 * door ended it. The HTTP layer receives the finished use cases and wires none of its own.
 */
export function createUseCases(input: UseCaseDeps) {
  // With federation, deleting a user (account deletion, admin) removes its linked identities too.
  const deps = input.federation ? { ...input, users: linksFollowUsers(input.users, input.federation.links) } : input;
  const { settings, users, tokens, clients, appSessions, keys, assertionSignatures } = deps;
  const now = deps.now ?? Date.now;
  const events = deps.events ?? ignoreAuthEvents;
  const backchannel = deps.backchannelLogout ? createBackchannelLogout({ ...deps.backchannelLogout, clients, now }) : undefined;
  const endTokenSession = createSessionEnder({
    tokens,
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
    now,
    ...(backchannel ? { sessionEnded: backchannel.sessionEnded } : {}),
  });
  // A session lives as long as its refresh tokens (or the login session, if longer); the record need not outlive it.
  const idTokenSessionMs = Math.max(settings.refreshTokenTtlSeconds, LOGIN_SESSION_TTL_SECONDS) * 1000;
  // Registration sends the verification mail of the account flows, which share login's throttle: bound late.
  let accounts: AccountUseCases | undefined;
  // DEFAULT_USER_SCOPES plus the scopes of the user's roles: the first-party tokens' scope and the ceiling of an app's.
  const scopesOf = createUserScopes(settings.defaultUserScope, deps.roleScopes ?? DEFAULT_ROLE_SCOPES);
  // The second factors a login may ask for, in the order mfa_required lists them: a new factor
  // (passkeys) is one more entry here. Filled just below (TOTP needs login's throttle), before any request.
  const factors: SecondFactor[] = [];
  const secondFactors = new SecondFactors(factors);
  const auth = createAuthUseCases({
    ...deps,
    now,
    events,
    endTokenSession,
    scopesOf,
    secondFactors,
    onRegistered: (user) => accounts!.verification.registered(user),
    ...(backchannel ? { onSessionRefreshed: backchannel.sessionRefreshed } : {}),
  });
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
    ...(backchannel ? { idTokenIssued: (sid: string, clientId: string, sub: string) => backchannel.idTokenIssued(sid, clientId, sub, now() + idTokenSessionMs) } : {}),
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
    sendPasswordReset: (userId) => accounts!.reset.sendFor(userId),
    sendInvitation: (user) => accounts!.invitation.send(user),
    passwords: deps.passwords,
    secondFactors,
    events,
    now,
  });
  const federation = deps.federation
    ? createFederation({
        providers: deps.federation.providers,
        state: deps.federation.state,
        links: deps.federation.links,
        users,
        sessions: appSessions,
        endTokenSession,
        publicUrl: settings.publicUrl,
        checkReturnTo: createReturnToCheck({ publicUrl: settings.publicUrl, allowedOrigins: deps.federation.allowedOrigins, clients }),
        startBrowserSession: async (user, session, device) => {
          const pair = await auth.pairs.startFamily(user, { clientId: settings.firstPartyClientId, scope: scopesOf(user).join(' ') }, { bindRefreshToken: true, device });
          await appSessions.addSessionFamily(session.sid, hashRefreshToken(pair.refresh_token).familyId, session.expiresAt);
          return pair;
        },
        events,
        now,
      })
    : undefined;
  return {
    auth,
    accounts,
    /** Sign-in with upstream providers; undefined when AUTH_IDENTITY_PROVIDERS_FILE is unset. */
    federation,
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
