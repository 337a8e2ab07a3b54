import type { RequestListener } from 'node:http';
import { createBaseApp, finishApp } from '../lib/http/base-app.js';
import type { ReadinessCheck } from '../lib/http/health.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics/index.js';
import { DEMO_PAGE_PATHS, demoPageRoutes } from './demo-page.js';

/** Paths the gateway answers itself (through the ops app), never proxied. */
export function opsPaths(withMetrics: boolean): ReadonlySet<string> {
  return new Set(['/healthz', '/readyz', ...(withMetrics ? ['/metrics'] : []), ...DEMO_PAGE_PATHS]);
}

/**
 * The small express app behind /healthz, /readyz, /metrics and the browser-session demo page;
 * proxied traffic never goes through it.
 */
export function createOpsApp(logger: Logger, readiness: ReadinessCheck[], metrics?: Metrics): RequestListener {
  const app = createBaseApp({ logger, readiness, ...(metrics ? { metrics } : {}) });
  app.use(demoPageRoutes());
  return finishApp(app, { realm: 'gateway' });
}
