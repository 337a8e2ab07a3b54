import type { Express } from 'express';
import { createBaseApp, finishApp } from '../../../lib/http/base-app.js';
import type { Logger } from '../../../lib/logger.js';
import { createRequireAuth, type Verifier } from '../../../lib/verifier/index.js';
import type { Requester, Summary } from '../domain/summary.js';
import { reportsRoutes } from './reports-routes.js';

export interface ReportsAppDeps {
  logger: Logger;
  verifier: Verifier;
  summary: (requester: Requester) => Promise<Summary>;
}

/** The reports API; like notes it verifies every token itself, behind the gateway too. */
export function createApp({ logger, verifier, summary }: ReportsAppDeps): Express {
  const app = createBaseApp({
    logger,
    readiness: [{ name: 'jwks', check: () => (verifier.keysLoaded() ? undefined : verifier.loadKeys()) }],
  });
  app.use(reportsRoutes(summary, createRequireAuth(verifier, { realm: 'reports' })));
  return finishApp(app);
}
