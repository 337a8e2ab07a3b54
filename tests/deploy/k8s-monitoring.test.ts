import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateObject } from './k8s-models.js';
import { renderKustomization } from './kustomize-lite.js';
import { manifestDocuments, ofKind, readYaml } from './manifests.js';
import type { Deployment, NetworkPolicy } from './k8s-types.js';
import { MONITORING_DIR, alertRuleGroups, dashboard, exportedMetricNames, metricNames } from './monitoring.js';

/**
 * k8s/monitoring/: a PodMonitor per process on the port that serves /metrics, alert rules and a
 * Grafana dashboard written against the metric names the code exports, and the NetworkPolicy that
 * lets Prometheus in. The rules themselves are run through promtool in alert-rules.test.ts.
 */
interface PodMonitor {
  metadata: { name: string };
  spec: { jobLabel?: string; selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string; path: string }> };
}

const objects = renderKustomization(MONITORING_DIR);
const podMonitors = ofKind<PodMonitor>(objects.map((object) => ({ file: '', object })), 'PodMonitor');
const deployments = ofKind<Deployment>(manifestDocuments(), 'Deployment');

/**
 * Where each process serves /metrics (API.md): the gateway only on its ops port
 * (GATEWAY_OPS_PORT, 8081), the others on their one `http` port.
 */
const METRICS_PORT: Record<string, { name: string; containerPort?: number }> = {
  gateway: { name: 'ops', containerPort: 8081 },
  auth: { name: 'http' },
  notes: { name: 'http' },
  reports: { name: 'http' },
};

/** Gauges the rules and dashboard use that no process exports yet (none left). */
const NOT_YET_EXPORTED = new Set<string>();
/** Written by Prometheus itself for every target. */
const PROMETHEUS_SERIES = new Set(['up']);

describe('k8s/monitoring', () => {
  it('when kubectl apply -k k8s/monitoring runs, then every file in the directory is used', () => {
    const kustomization = readYaml<{ resources: string[]; configMapGenerator: Array<{ files: string[] }> }>('k8s/monitoring/kustomization.yaml');
    const used = [...kustomization.resources, ...kustomization.configMapGenerator.flatMap((g) => g.files.map((f) => f.split('=').at(-1)!))];
    expect(used.sort()).toEqual(readdirSync(MONITORING_DIR).filter((f) => f !== 'kustomization.yaml').sort());
  });

  it.each(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))('%s is valid against its schema', (_label, object) => {
    expect(() => validateObject(object)).not.toThrow();
  });

  it.each(Object.entries(METRICS_PORT))('when Prometheus scrapes %s, then one PodMonitor selects its pods on the port serving /metrics', (name, port) => {
    const deployment = deployments.find((d) => d.metadata.name === name)!;
    const podLabels = deployment.spec.template.metadata.labels;
    const selecting = podMonitors.filter((m) => Object.entries(m.spec.selector.matchLabels).every(([k, v]) => podLabels[k] === v));
    expect(selecting.map((m) => m.metadata.name)).toEqual([name]);
    expect(selecting[0]!.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: port.name, path: '/metrics' })]);
    // Every series gets job="authgate", which the alert rules select on.
    expect(podLabels[selecting[0]!.spec.jobLabel!]).toBe('authgate');

    const declared = deployment.spec.template.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === port.name);
    expect(declared, `${name} declares port ${port.name}`).toBeDefined();
    // The gateway's ops port is the contract's GATEWAY_OPS_PORT default, 8081.
    if (port.containerPort) expect(declared!.containerPort).toBe(port.containerPort);
  });

  it('when the base denies ingress by default, then the monitoring namespace may reach exactly the scraped ports', () => {
    const [policy] = ofKind<NetworkPolicy & { spec: { podSelector: { matchExpressions?: Array<{ values: string[] }> } } }>(
      objects.map((object) => ({ file: '', object })),
      'NetworkPolicy',
    );
    expect(policy!.spec.podSelector.matchExpressions![0]!.values.sort()).toEqual(Object.keys(METRICS_PORT).sort());
    const [rule] = policy!.spec.ingress!;
    expect(rule!.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(rule!.ports!.map((p) => p.port).sort()).toEqual([...new Set(Object.values(METRICS_PORT).map((p) => p.name))].sort());
  });

  it('when the alerts are read, then each one the operations issue asks for is there with a severity and a summary', () => {
    const rules = alertRuleGroups().groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'AuthLoginRateLimitStorm',
      'AuthRefreshTokenReuseDetected',
      'AuthgateHigh5xxRatio',
      'AuthgateTargetDown',
      'AuthgateUpstreamErrors',
      'GatewayJwksFetchFailing',
      'GatewayTokenVerificationFailureSpike',
      'RevocationFeedDown',
    ]);
    for (const rule of rules) {
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
    }
  });

  it('when rules and dashboard query metrics, then each name is one the processes export today', async () => {
    const exported = await exportedMetricNames();
    const queries = [...alertRuleGroups().groups.flatMap((g) => g.rules.map((r) => r.expr)), ...dashboard().panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))];
    const used = new Set(queries.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(5);
    const unknown = [...used].filter((name) => !exported.has(name) && !NOT_YET_EXPORTED.has(name) && !PROMETHEUS_SERIES.has(name));
    expect(unknown).toEqual([]);
    // The check has teeth: a misspelt name is caught.
    expect(exported.has('gateway_token_verification_total')).toBe(false);
  });

  it('when Grafana imports the dashboard, then it has a stable uid, unique panel ids, a data source variable and gateway and auth panels', () => {
    const board = dashboard();
    expect(board.uid).toBe('authgate-overview');
    const ids = board.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(board.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace']);
    const graphs = board.panels.filter((p) => p.type !== 'row');
    for (const panel of graphs) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
    const services = new Set(graphs.flatMap((p) => p.targets!.flatMap((t) => [...t.expr.matchAll(/service="(\w+)"/g)].map((m) => m[1]))));
    expect(services).toEqual(new Set(['gateway', 'auth']));
    const metricsShown = new Set(graphs.flatMap((p) => p.targets!.flatMap((t) => metricNames(t.expr))));
    for (const name of ['gateway_token_verifications_total', 'gateway_upstream_errors_total', 'gateway_jwks_fetches_total', 'auth_logins_total', 'auth_tokens_issued_total', 'auth_refresh_reuse_detected_total']) {
      expect(metricsShown, name).toContain(name);
    }
  });
});
