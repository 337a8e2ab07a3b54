import type { RequestListener } from 'node:http';
import { createBaseApp, finishApp } from '../lib/http/base-app.js';
import type { ReadinessCheck } from '../lib/http/health.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics/index.js';
import { DEMO_PAGE_PATHS, demoPageRoutes } from './demo-page.js';

/** Paths the gateway answers itself on its public port (through `createPublicOpsApp`), never proxied. */
export function publicOpsPaths(demoPage: boolean): ReadonlySet<string> {
  return new Set(['/healthz', '/readyz', ...(demoPage ? DEMO_PAGE_PATHS : [])]);
}

/**
 * The small express app the public port hands /healthz, /readyz and (with GATEWAY_DEMO_PAGE) the
 * demo page to. No /metrics here: node version, per-route traffic and verification outcomes are
 * for the operators, on the ops port.
 */
export function createPublicOpsApp(logger: Logger, readiness: ReadinessCheck[], demoPage: boolean): RequestListener {
  const app = createBaseApp({ logger, readiness });
  if (demoPage) app.use(demoPageRoutes());
  return finishApp(app, { realm: 'gateway' });
}

/** The ops port's app (GATEWAY_OPS_PORT): /metrics (when metrics are on), /healthz, /readyz; 404 for anything else. */
export function createOpsApp(logger: Logger, readiness: ReadinessCheck[], metrics?: Metrics): RequestListener {
  return finishApp(createBaseApp({ logger, readiness, ...(metrics ? { metrics } : {}) }), { realm: 'gateway' });
}
