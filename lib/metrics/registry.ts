import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';

/** Handles `GET /metrics`; works as an express handler and as a plain node request listener. */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** One process's metrics: its own registry, the HTTP metrics and a way to add domain counters. */
export interface Metrics {
  /** The process name, also exported on every series as the `service` label. */
  readonly service: string;
  readonly registry: Registry;
  /** `http_request_duration_seconds{method,route,status}` and `http_requests_total{method,route,status}`. */
  readonly requests: RequestMetrics;
  /**
   * Returns the counter `name` in this registry, creating it on first use, so two callers asking
   * for the same counter share it instead of failing with "already registered".
   */
  counter<L extends string = never>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  readonly metricsHandler: MetricsHandler;
}

export interface CreateMetricsOptions {
  /** Process name: `auth`, `gateway`, `notes`, `reports`. */
  service: string;
  /** Process metrics (CPU, memory, event loop, GC); on unless a test wants a lean registry. */
  defaultMetrics?: boolean;
}

// Gateway routes may wait up to their timeout (tens of seconds), so the top buckets go past 10 s.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Builds a registry of its own per process (not prom-client's global one), so several processes
 * started in one node process (tests, `npm start` variants) never mix or collide.
 */
export function createMetrics({ service, defaultMetrics = true }: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (defaultMetrics) collectDefaultMetrics({ register: registry });

  const requests = new RequestMetrics(registry, DURATION_BUCKETS, {
    duration: { name: 'http_request_duration_seconds', help: 'Time from request arrival to the end of the response, by route pattern and status.' },
    total: { name: 'http_requests_total', help: 'Requests answered, by route pattern and status.' },
  });

  const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> => {
    const existing = registry.getSingleMetric(name);
    if (existing instanceof Counter) return existing as Counter<L>;
    if (existing) throw new Error(`metric ${name} is already registered with another type`);
    return new Counter<L>({ name, help, labelNames: [...labelNames], registers: [registry] });
  };

  const metricsHandler: MetricsHandler = (_req, res) => {
    registry.metrics().then(
      (body) => {
        res.statusCode = 200;
        res.setHeader('Content-Type', registry.contentType);
        res.setHeader('Cache-Control', 'no-store');
        res.end(body);
      },
      () => {
        // A failing collector must not take the process down; the scraper sees the error.
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('metrics collection failed\n');
      },
    );
  };

  return { service, registry, requests, counter, metricsHandler };
}
