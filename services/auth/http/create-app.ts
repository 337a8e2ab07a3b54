import type { RequestListener } from 'node:http';
import type { Logger } from '../../../lib/logger.js';
import { createBaseApp, finishApp } from '../../../lib/http/base-app.js';
import type { ReadinessCheck } from '../../../lib/http/health.js';
import type { Metrics } from '../../../lib/metrics/registry.js';
import type { ProxyTrust } from '../../../lib/http/client-address.js';
import { plainRoutes } from '../../../lib/http/plain-route.js';
import type { ForwardedTrust } from '../../../lib/verifier/dpop-binding.js';
import type { UseCases } from '../domain/use-cases.js';
import { SUPPORTED_AUTH_METHODS } from '../domain/oauth/oauth-use-cases.js';
import { CLIENT_ASSERTION_ALGORITHMS } from '../domain/clients/client-assertion.js';
import type { KeyRotation, SigningKeySet } from '../domain/tokens/signing-key-set.js';
import { OIDC_SCOPES } from '../domain/app-flow/authorization-request.js';
import type { AuthSettings } from '../domain/settings.js';
import { adminRoutes } from './admin/admin-routes.js';
import { authorizeRoutes } from './app-flow/authorize.js';
import { logoutRoutes } from './app-flow/logout-routes.js';
import { bearerAuth } from './bearer-auth.js';
import { browserSessionRoutes, type BrowserSessionOptions } from './sessions/browser-session.js';
import { revocationFeedRoutes } from './sessions/revocation-feed.js';
import { oauthEndpoints } from './tokens/oauth-endpoints.js';
import { wellKnownRoutes } from './tokens/well-known.js';
import { registrationRoutes } from './users/register.js';
import { userApiRoutes } from './users/user-api.js';
import { accountRoutes } from './accounts/account-routes.js';
import { federationRoutes } from './federation/federation-routes.js';
import { identitiesRoutes } from './federation/identities-routes.js';
import { accountIdentitiesPage } from './federation/account-identities-page.js';
import { totpRoutes } from './mfa/totp-routes.js';
import { accountPageRoutes } from './account-pages/account-page-routes.js';
import { sessionsRoutes } from './accounts/sessions-routes.js';
import { consoleRoutes } from './console/console-routes.js';
import { noRecentAuditEvents, type RecentAuditEvents } from '../domain/admin/recent-audit-events.js';
import { passkeyRoutes } from './passkeys/passkey-routes.js';
import { passkeyAssetRoutes } from './passkeys/passkey-assets.js';
import { accountPasskeysPage } from './passkeys/account-passkeys-page.js';
import { accountTwoStepPage } from './mfa/account-two-step-page.js';
import { accountSessionAssetRoutes } from './account-pages/account-session-assets.js';

export interface AuthAppDeps {
  logger: Logger;
  /** Every use case, built once (domain/use-cases.ts). */
  useCases: UseCases;
  settings: AuthSettings;
  /** The signing key set: its public keys are the JWKS, and /readyz needs a current key. */
  keys: SigningKeySet;
  /** The admin API; absent (AUTH_ADMIN_TOKEN unset) means every /admin path is 404. */
  admin?: { token: string; keyRotation: KeyRotation; publishDelaySeconds: number };
  /** Cookie attributes and allowed origins of the browser-session endpoints (/auth/session). */
  browserSession: BrowserSessionOptions;
  /** The bearer of the revocation feed; absent (REVOCATION_FEED_TOKEN unset, or Redis) means 404. */
  revocationFeedToken?: string;
  /** Checked by /readyz besides the signing key (stores, for instance). */
  readiness?: ReadinessCheck[];
  /** Serves GET /metrics and records every request (pair it with the use cases' events for domain counters). */
  metrics?: Metrics;
  /** Proxies in front of the gateway (TRUSTED_PROXIES), for the client address of the per-IP login limit. */
  trustedProxies?: ProxyTrust;
  /** The newest audit lines (GET /admin/audit-events, the console); none kept when absent. */
  recentAuditEvents?: RecentAuditEvents;
  /** The admin console at /console/ (signed in by users with role admin); absent: 404. */
  console?: { keys: SigningKeySet & KeyRotation; publishDelaySeconds: number };
}

const AUTH_REALM = 'auth';

/**
 * The auth service's request listener, built only from its arguments (no globals, no I/O here):
 * the OAuth endpoints on plain node:http (services/auth/http/tokens/oauth-endpoints.ts), everything else express.
 */
export function createApp(deps: AuthAppDeps): RequestListener {
  const { useCases, settings } = deps;
  const { auth, events } = useCases;
  const signingKeyLoaded: ReadinessCheck = { name: 'signing-key', check: () => void deps.keys.currentSigningKey() };
  const app = createBaseApp({
    logger: deps.logger,
    readiness: [...(deps.readiness ?? []), signingKeyLoaded],
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.trustedProxies ? { trustedProxies: deps.trustedProxies } : {}),
  });
  app.use(
    wellKnownRoutes(deps.keys, {
      issuer: settings.issuer,
      scopes: [...new Set([...OIDC_SCOPES, ...settings.defaultUserScope.split(' ')])],
      grantTypes: useCases.grants.types,
      tokenEndpointAuthMethods: [...SUPPORTED_AUTH_METHODS],
      tokenEndpointAuthSigningAlgorithms: [...CLIENT_ASSERTION_ALGORITHMS],
      registration: deps.admin !== undefined,
    }),
  );
  const authenticated = bearerAuth(auth.verifyAccessToken, auth.verifyDpopProof);
  if (useCases.federation) {
    // Before the user API, whose /auth body parser takes JSON only: the upstream posts a form.
    app.use(federationRoutes({ federation: useCases.federation, cookies: deps.browserSession }));
    app.use(identitiesRoutes({ federation: useCases.federation, auth, allowedOrigins: deps.browserSession.allowedOrigins, secure: deps.browserSession.secure }));
    app.use(accountIdentitiesPage(useCases.federation.providers()));
  }
  app.use(userApiRoutes(auth));
  app.use(accountRoutes({ auth, accounts: useCases.accounts, allowedOrigins: deps.browserSession.allowedOrigins }));
  app.use(totpRoutes({ auth, totp: useCases.totp, allowedOrigins: deps.browserSession.allowedOrigins }));
  app.use(sessionsRoutes({ auth, accounts: useCases.accounts }));
  app.use(passkeyAssetRoutes());
  app.use(passkeyRoutes({ auth, passkeys: useCases.passkeys, allowedOrigins: deps.browserSession.allowedOrigins }));
  app.use(accountPasskeysPage());
  app.use(accountTwoStepPage());
  app.use(accountSessionAssetRoutes());
  app.use(browserSessionRoutes(auth, deps.browserSession));
  app.use(registrationRoutes({ adminToken: deps.admin?.token, userAuth: authenticated, clients: useCases.clientAdmin, events }));
  // Pages and JSON of the app flow.
  app.use(authorizeRoutes({ flow: useCases.appFlow, issuer: settings.issuer, parseRequest: useCases.parseAuthorizationRequest, secure: deps.browserSession.secure, authenticated, ...(useCases.federation ? { identityProviders: useCases.federation.providers() } : {}) }));
  app.use(logoutRoutes({ logout: useCases.rpLogout, secure: deps.browserSession.secure }));
  app.use(accountPageRoutes({ accounts: useCases.accounts, secure: deps.browserSession.secure }));
  const recentAuditEvents = deps.recentAuditEvents ?? noRecentAuditEvents;
  if (deps.console) {
    app.use(
      consoleRoutes({
        oauth: useCases.oauth,
        verifyAccessToken: auth.verifyAccessToken,
        endSession: auth.endSession,
        issuer: settings.issuer,
        publicUrl: settings.publicUrl,
        secure: deps.browserSession.secure,
        users: useCases.userAdmin,
        clients: useCases.clientAdmin,
        keys: deps.console.keys,
        publishDelaySeconds: deps.console.publishDelaySeconds,
        recentAuditEvents,
      }),
    );
  }
  if (useCases.readRevocationFeed && deps.revocationFeedToken) app.use(revocationFeedRoutes(useCases.readRevocationFeed, deps.revocationFeedToken));
  if (deps.admin) {
    app.use(
      adminRoutes({
        adminToken: deps.admin.token,
        userAuth: authenticated,
        clients: useCases.clientAdmin,
        users: useCases.userAdmin,
        ...(useCases.federation ? { identities: useCases.federation.identities } : {}),
        keys: deps.admin.keyRotation,
        publishDelaySeconds: deps.admin.publishDelaySeconds,
        events,
        recentAuditEvents,
      }),
    );
  }
  finishApp(app, { realm: AUTH_REALM });
  const endpoints = oauthEndpoints(useCases.oauth, {
    serve: plainRoutes({ logger: deps.logger, metrics: deps.metrics, realm: AUTH_REALM }),
    // The trust express resolved for `trust proxy`, so a DPoP `htu` is read as express reads URLs.
    trust: app.get('trust proxy fn') as ForwardedTrust,
  });
  return (req, res) => {
    if (!endpoints(req, res)) app(req, res);
  };
}
