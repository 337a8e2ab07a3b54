import type { Express } from 'express';
import { createBaseApp, finishApp } from '../../../lib/http/base-app.js';
import type { ReadinessCheck } from '../../../lib/http/health.js';
import type { Logger } from '../../../lib/logger.js';
import type { Metrics } from '../../../lib/metrics/index.js';
import { createRequireAuth } from '../../../lib/express/index.js';
import type { Verifier } from '../../../lib/verifier/index.js';
import type { Requester, Summary } from '../domain/summary.js';
import { reportsRoutes } from './reports-routes.js';

export interface ReportsAppDeps {
  logger: Logger;
  verifier: Verifier;
  summary: (requester: Requester) => Promise<Summary>;
  /** When given, GET /metrics is served and every request is recorded. */
  metrics?: Metrics;
  /** Checked by /readyz besides the JWKS (the revocation feed). */
  readiness?: ReadinessCheck[];
}

/** The reports API; like notes it verifies every token itself, behind the gateway too. */
export function createApp({ logger, verifier, summary, metrics, readiness = [] }: ReportsAppDeps): Express {
  const app = createBaseApp({
    logger,
    ...(metrics ? { metrics } : {}),
    readiness: [{ name: 'jwks', check: () => (verifier.keysLoaded() ? undefined : verifier.loadKeys()) }, ...readiness],
  });
  app.use(reportsRoutes(summary, createRequireAuth(verifier, { realm: 'reports' })));
  return finishApp(app, { realm: 'reports' });
}
