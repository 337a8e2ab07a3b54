import type { Express } from 'express';
import type { Logger } from '../../../lib/logger.js';
import { createBaseApp, finishApp } from '../../../lib/http/base-app.js';
import type { ReadinessCheck } from '../../../lib/http/health.js';
import type { Metrics } from '../../../lib/metrics/registry.js';
import type { ProxyTrust } from '../../../lib/http/client-address.js';
import { createClientAdmin } from '../domain/admin/client-admin.js';
import { createUserAdmin } from '../domain/admin/user-admin.js';
import { createAuthUseCases, type AuthDomainDeps } from '../domain/auth-use-cases.js';
import { createOAuthUseCases, SUPPORTED_AUTH_METHODS, SUPPORTED_GRANT_TYPES } from '../domain/oauth/oauth-use-cases.js';
import { CLIENT_ASSERTION_ALGORITHMS } from '../domain/oauth/client-assertion.js';
import type { ClientStore } from '../domain/ports/client-store.js';
import type { KeyRotation } from '../domain/ports/key-store.js';
import { adminRoutes } from './admin.js';
import { browserSessionRoutes, type BrowserSessionOptions } from './browser-session.js';
import { oauthRoutes } from './oauth.js';
import { userApiRoutes } from './user-api.js';
import { wellKnownRoutes } from './well-known.js';

export interface AuthAppDeps extends AuthDomainDeps {
  logger: Logger;
  /** Registered OAuth clients (token, introspection, revocation endpoints and the admin API). */
  clients: ClientStore;
  /** The admin API; absent (AUTH_ADMIN_TOKEN unset) means every /admin path is 404. */
  admin?: { token: string; keyRotation: KeyRotation; publishDelaySeconds: number };
  /** Cookie attributes and allowed origins of the browser-session endpoints (/auth/session). */
  browserSession: BrowserSessionOptions;
  /** Checked by /readyz besides the signing key (stores, for instance). */
  readiness?: ReadinessCheck[];
  /** Serves GET /metrics and records every request (pair it with `events` for domain counters). */
  metrics?: Metrics;
  /** Proxies in front of the gateway (TRUSTED_PROXIES), for the client address of the per-IP login limit. */
  trustedProxies?: ProxyTrust;
}

/** The auth service's express app, built only from its arguments (no globals, no I/O here). */
export function createApp(deps: AuthAppDeps): Express {
  const auth = createAuthUseCases(deps);
  const oauth = createOAuthUseCases({ ...deps, rotateRefreshToken: auth.refresh });
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
      scopes: deps.settings.defaultUserScope.split(' '),
      grantTypes: [...SUPPORTED_GRANT_TYPES],
      tokenEndpointAuthMethods: [...SUPPORTED_AUTH_METHODS],
      tokenEndpointAuthSigningAlgorithms: [...CLIENT_ASSERTION_ALGORITHMS],
    }),
  );
  app.use(userApiRoutes(auth));
  app.use(browserSessionRoutes(auth, deps.browserSession));
  app.use(oauthRoutes(oauth));
  if (deps.admin) {
    app.use(
      adminRoutes({
        adminToken: deps.admin.token,
        clients: createClientAdmin({
          clients: deps.clients,
          hashSecret: (secret) => deps.passwords.hash(secret),
          users: deps.users,
          firstPartyClientId: deps.settings.firstPartyClientId,
        }),
        users: createUserAdmin({ users: deps.users }),
        keys: deps.admin.keyRotation,
        publishDelaySeconds: deps.admin.publishDelaySeconds,
      }),
    );
  }
  return finishApp(app);
}
