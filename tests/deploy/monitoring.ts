import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createMetrics } from '../../lib/metrics/index.js';
import { createAuthMetrics } from '../../services/auth/adapters/metrics/auth-metrics.js';
import { createGatewayMetrics } from '../../gateway/gateway-metrics.js';
import { ROOT } from './manifests.js';
import { registerRevocationFeedGauge } from '../../lib/revocation/feed-observability.js';
import { noRevocations } from '../../lib/revocation/revocation-list.js';

/** What k8s/monitoring/ ships, read the way the tests need it. */
export const MONITORING_DIR = path.join(ROOT, 'k8s/monitoring');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The `spec` of the PrometheusRule: a Prometheus rule file (`groups:`), as promtool reads it. */
export function alertRuleGroups(): { groups: Array<{ name: string; rules: AlertRule[] }> } {
  const rule = parse(readFileSync(path.join(MONITORING_DIR, 'prometheus-rules.yaml'), 'utf8')) as { spec: { groups: Array<{ name: string; rules: AlertRule[] }> } };
  return rule.spec;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
}

export function dashboard(): { uid: string; title: string; panels: DashboardPanel[]; templating: { list: Array<{ name: string }> } } {
  return JSON.parse(readFileSync(path.join(MONITORING_DIR, 'grafana-dashboard.json'), 'utf8')) as ReturnType<typeof dashboard>;
}

/** A dashboard query with Grafana's variables replaced, so promtool can parse it as PromQL. */
export function asPromQL(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', 'authgate');
}

/** Metric names a PromQL expression selects (`name{...}` or `name[...]`). */
export function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1]!);
}

/**
 * Every metric name the processes export today, from the same constructors the processes call,
 * with a histogram's `_bucket` / `_sum` / `_count` series.
 */
export async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = createMetrics({ service: 'names' });
  createGatewayMetrics(metrics);
  createAuthMetrics(metrics);
  registerRevocationFeedGauge(metrics, noRevocations);
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}
