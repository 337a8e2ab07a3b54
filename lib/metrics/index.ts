/**
 * Prometheus metrics for every process: `createMetrics` per process, handed to `createBaseApp`
 * (which serves GET /metrics and records each request), plus typed domain counters.
 */
export { createMetrics, type Metrics, type MetricsHandler, type CreateMetricsOptions } from './registry.js';
export { httpMetrics, observeRequest, recordRequest, setMetricsRoute, UNMATCHED_ROUTE } from './http-metrics.js';
export { type LabelledCounter, type PlainCounter } from './labelled-counter.js';
export { createAuthMetrics, type AuthMetrics, type LoginOutcome, type TokenGrant } from './auth-metrics.js';
export {
  createGatewayMetrics,
  upstreamErrorKind,
  verificationOutcomeLabel,
  type GatewayMetrics,
  type JwksFetchResult,
  type UpstreamErrorKind,
  type VerificationOutcome,
} from './gateway-metrics.js';
