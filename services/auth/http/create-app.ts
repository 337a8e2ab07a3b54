import type { RequestListener } from 'node:http';
import type { Logger } from '../../../lib/logger.js';
import { createBaseApp, finishApp } from '../../../lib/http/base-app.js';
import type { ReadinessCheck } from '../../../lib/http/health.js';
import type { Metrics } from '../../../lib/metrics/registry.js';
import type { ProxyTrust } from '../../../lib/http/client-address.js';
import { createClientAdmin } from '../domain/admin/client-admin.js';
import { createUserAdmin } from '../domain/admin/user-admin.js';
import { createSessionEnder } from '../domain/sessions/session-ender.js';
import { createAuthUseCases, type AuthDomainDeps } from '../domain/auth-use-cases.js';
import { ignoreAuthEvents } from '../domain/auth-events.js';
import { createOAuthUseCases, SUPPORTED_AUTH_METHODS, SUPPORTED_GRANT_TYPES } from '../domain/oauth/oauth-use-cases.js';
import { CLIENT_ASSERTION_ALGORITHMS } from '../domain/clients/client-assertion.js';
import type { ClientSecretHasher } from '../domain/clients/client-secret-hasher.js';
import type { ClientStore } from '../domain/clients/client-store.js';
import type { RevocationFeed } from '../domain/sessions/revocation-feed.js';
import { createReadRevocationFeed } from '../domain/sessions/read-revocation-feed.js';
import type { KeyRotation, SigningKeySet } from '../domain/tokens/signing-key-set.js';
import type { AssertionSignatureVerifier } from '../domain/tokens/token-signing.js';
import { adminRoutes } from './admin/admin-routes.js';
import { browserSessionRoutes, type BrowserSessionOptions } from './sessions/browser-session.js';
import { bearerAuth } from './bearer-auth.js';
import { oauthEndpoints } from './tokens/oauth-endpoints.js';
import { plainRoutes } from '../../../lib/http/plain-route.js';
import type { ForwardedTrust } from '../../../lib/verifier/dpop-binding.js';
import { authorizeRoutes } from './app-flow/authorize.js';
import { createAppFlow } from '../domain/app-flow/app-flow.js';
import { createIdTokenHintReader } from '../domain/app-flow/id-token-hint.js';
import { createRpLogout } from '../domain/app-flow/rp-logout.js';
import { logoutRoutes } from './app-flow/logout-routes.js';
import { OIDC_SCOPES } from '../domain/app-flow/authorization-request.js';
import type { AppSessionStore } from '../domain/app-flow/app-sessions.js';
import { registrationRoutes } from './users/register.js';
import { revocationFeedRoutes } from './sessions/revocation-feed.js';
import { userApiRoutes } from './users/user-api.js';
import { wellKnownRoutes } from './tokens/well-known.js';

export interface AuthAppDeps extends AuthDomainDeps {
  logger: Logger;
  /** Registered OAuth clients (token, introspection, revocation endpoints and the admin API). */
  clients: ClientStore;
  /** Hashes and checks client secrets (token, introspection and revocation endpoints, admin API). */
  clientSecrets: ClientSecretHasher;
  /** The signing key set: its public keys are the JWKS, and /readyz needs a current key. */
  keys: SigningKeySet;
  assertionSignatures: AssertionSignatureVerifier;
  /** The admin API; absent (AUTH_ADMIN_TOKEN unset) means every /admin path is 404. */
  admin?: { token: string; keyRotation: KeyRotation; publishDelaySeconds: number };
  /** Cookie attributes and allowed origins of the browser-session endpoints (/auth/session). */
  browserSession: BrowserSessionOptions;
  /** The revocation feed for verifiers without Redis; absent (REVOCATION_FEED_TOKEN unset, or Redis) means 404. */
  revocationFeed?: { feed: RevocationFeed; token: string };
  /** Checked by /readyz besides the signing key (stores, for instance). */
  readiness?: ReadinessCheck[];
  /** Serves GET /metrics and records every request (pair it with `events` for domain counters). */
  metrics?: Metrics;
  /** Codes, login sessions and consents of the app flow (memory or Redis: the caller's choice, see stores.ts). */
  appSessions: AppSessionStore;
  /** Proxies in front of the gateway (TRUSTED_PROXIES), for the client address of the per-IP login limit. */
  trustedProxies?: ProxyTrust;
}

const AUTH_REALM = 'auth';

/**
 * The auth service's request listener, built only from its arguments (no globals, no I/O here):
 * the OAuth endpoints on plain node:http (services/auth/http/tokens/oauth-endpoints.ts), everything else express.
 */
export function createApp(deps: AuthAppDeps): RequestListener {
  const events = deps.events ?? ignoreAuthEvents;
  const auth = createAuthUseCases(deps);
  const userScopes = deps.settings.defaultUserScope.split(' ').filter(Boolean);
  const endTokenSession = createSessionEnder({ tokens: deps.tokens, accessTokenTtlSeconds: deps.settings.accessTokenTtlSeconds, now: deps.now ?? Date.now });
  const appFlow = createAppFlow({
    issuer: deps.settings.issuer,
    sessions: deps.appSessions,
    users: deps.users,
    tokens: deps.tokens,
    pairs: auth.pairs,
    signer: deps.signer,
    accessTokens: deps.accessTokens,
    checkPassword: auth.checkPassword,
    // Every user's first-party token carries DEFAULT_USER_SCOPES (createAuthUseCases' user grant).
    userScopes: () => userScopes,
    endTokenSession,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const rpLogout = createRpLogout({
    sessions: deps.appSessions,
    clients: deps.clients,
    readHint: createIdTokenHintReader({ issuer: deps.settings.issuer, signatures: deps.assertionSignatures, publicJwks: () => deps.keys.publicJwks() }),
    endTokenSession,
    events,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const oauth = createOAuthUseCases({
    ...deps,
    rotateRefreshToken: auth.refresh,
    authorizationCode: (client, params, jkt) => appFlow.redeemCode(client, params, jkt),
    proofKey: auth.proofKey,
  });
  const signingKeyLoaded: ReadinessCheck = { name: 'signing-key', check: () => void deps.keys.currentSigningKey() };
  const app = createBaseApp({
    logger: deps.logger,
    readiness: [...(deps.readiness ?? []), signingKeyLoaded],
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.trustedProxies ? { trustedProxies: deps.trustedProxies } : {}),
  });
  app.use(
    wellKnownRoutes(deps.keys, {
      issuer: deps.settings.issuer,
      scopes: [...new Set([...OIDC_SCOPES, ...deps.settings.defaultUserScope.split(' ')])],
      grantTypes: [...SUPPORTED_GRANT_TYPES],
      tokenEndpointAuthMethods: [...SUPPORTED_AUTH_METHODS],
      tokenEndpointAuthSigningAlgorithms: [...CLIENT_ASSERTION_ALGORITHMS],
      registration: deps.admin !== undefined,
    }),
  );
  app.use(userApiRoutes(auth));
  app.use(browserSessionRoutes(auth, deps.browserSession));
  const clientAdmin = createClientAdmin({
    clients: deps.clients,
    hashSecret: (secret) => deps.clientSecrets.hash(secret),
    users: deps.users,
    firstPartyClientId: deps.settings.firstPartyClientId,
    events,
  });
  app.use(registrationRoutes({ adminToken: deps.admin?.token, clients: clientAdmin, events }));
  // Pages and JSON of the app flow.
  app.use(authorizeRoutes({ flow: appFlow, issuer: deps.settings.issuer, clients: deps.clients, secure: deps.browserSession.secure, authenticated: bearerAuth(auth.verifyAccessToken, auth.verifyDpopProof) }));
  app.use(logoutRoutes({ logout: rpLogout, secure: deps.browserSession.secure }));
  if (deps.revocationFeed) app.use(revocationFeedRoutes(createReadRevocationFeed(deps.revocationFeed.feed), deps.revocationFeed.token));
  if (deps.admin) {
    app.use(
      adminRoutes({
        adminToken: deps.admin.token,
        clients: clientAdmin,
        users: createUserAdmin({
          users: deps.users,
          sessions: { findSessions: (subject) => deps.tokens.findSessions(subject), endSession: createSessionEnder({ tokens: deps.tokens, accessTokenTtlSeconds: deps.settings.accessTokenTtlSeconds, now: deps.now ?? Date.now }) },
          events,
        }),
        keys: deps.admin.keyRotation,
        publishDelaySeconds: deps.admin.publishDelaySeconds,
        events,
      }),
    );
  }
  finishApp(app, { realm: AUTH_REALM });
  const endpoints = oauthEndpoints(oauth, {
    serve: plainRoutes({ logger: deps.logger, metrics: deps.metrics, realm: AUTH_REALM }),
    // The trust express resolved for `trust proxy`, so a DPoP `htu` is read as express reads URLs.
    trust: app.get('trust proxy fn') as ForwardedTrust,
  });
  return (req, res) => {
    if (!endpoints(req, res)) app(req, res);
  };
}
