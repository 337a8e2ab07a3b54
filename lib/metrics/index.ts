/**
 * Prometheus metrics for every process: `createMetrics` per process, handed to `createBaseApp`
 * (which serves GET /metrics and records each request, lib/http/http-metrics.ts). Each service
 * keeps its own typed counters (services/auth/adapters/metrics, gateway/gateway-metrics.ts).
 */
export { createMetrics, type Metrics, type MetricsHandler, type CreateMetricsOptions } from './registry.js';
export { type LabelledCounter, type PlainCounter } from './labelled-counter.js';
