import type { Express } from 'express';
import type { Logger } from '../../../lib/logger.js';
import { createBaseApp, finishApp } from '../../../lib/http/base-app.js';
import type { ReadinessCheck } from '../../../lib/http/health.js';
import type { Metrics } from '../../../lib/metrics/registry.js';
import { createAuthUseCases, type AuthDomainDeps } from '../domain/auth-use-cases.js';
import { userApiRoutes } from './user-api.js';
import { wellKnownRoutes } from './well-known.js';

export interface AuthAppDeps extends AuthDomainDeps {
  logger: Logger;
  /** Checked by /readyz besides the signing key (stores, for instance). */
  readiness?: ReadinessCheck[];
  /** Serves GET /metrics and records every request (pair it with `events` for domain counters). */
  metrics?: Metrics;
}

/** The auth service's express app, built only from its arguments (no globals, no I/O here). */
export function createApp(deps: AuthAppDeps): Express {
  const auth = createAuthUseCases(deps);
  const signingKeyLoaded: ReadinessCheck = { name: 'signing-key', check: () => void deps.keys.currentSigningKey() };
  const app = createBaseApp({
    logger: deps.logger,
    readiness: [...(deps.readiness ?? []), signingKeyLoaded],
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  app.use(
    wellKnownRoutes(deps.keys, {
      issuer: deps.settings.issuer,
      scopes: deps.settings.defaultUserScope.split(' '),
      // The OAuth token endpoint (client_credentials, refresh_token) is not mounted yet.
      grantTypes: [],
      tokenEndpointAuthMethods: [],
    }),
  );
  app.use(userApiRoutes(auth));
  return finishApp(app);
}
