import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestMetrics } from '../../../lib/metrics/request-metrics.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const NAMES = {
  duration: { name: 'http_request_duration_seconds', help: 'Time from request arrival to the end of the response.' },
  total: { name: 'http_requests_total', help: 'Requests answered.' },
};

/** Observations on bucket bounds, between them, below the first and above the last, across series. */
const OBSERVATIONS = [
  ['GET', '/api/notes', '200', 0.003],
  ['GET', '/api/notes', '200', 0.005],
  ['GET', '/api/notes', '200', 0.0051],
  ['GET', '/api/notes', '404', 0.5],
  ['POST', '/oauth/token', '499', 45],
  ['GET', '/api/notes', '200', 2.5],
] as const;

function registry(): Registry {
  const made = new Registry();
  made.setDefaultLabels({ service: 'gateway' });
  return made;
}

describe('RequestMetrics', () => {
  it('when it records what prom-client Histogram and Counter record, then /metrics renders them identically, default labels included', async () => {
    const reference = registry();
    const histogram = new Histogram({ ...NAMES.duration, labelNames: ['method', 'route', 'status'], buckets: BUCKETS, registers: [reference] });
    const counter = new Counter({ ...NAMES.total, labelNames: ['method', 'route', 'status'], registers: [reference] });
    const ours = registry();
    const requests = new RequestMetrics(ours, BUCKETS, NAMES);
    for (const [method, route, status, seconds] of OBSERVATIONS) {
      histogram.observe({ method, route, status }, seconds);
      counter.inc({ method, route, status });
      requests.observe(method, route, status, seconds);
    }
    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",service="gateway",method="GET",route="/api/notes",status="200"} 2');
    expect(text).toContain('http_requests_total{method="POST",route="/oauth/token",status="499",service="gateway"} 1');
  });

  it('when the registry is reset, then every series starts again from nothing', async () => {
    const ours = registry();
    const requests = new RequestMetrics(ours, BUCKETS, NAMES);
    requests.observe('GET', '/x', '200', 0.01);
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain('route="/x"');
  });
});
