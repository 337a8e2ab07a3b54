import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { hasCommand } from './commands.js';
import { validateObject } from './k8s-models.js';
import { renderKustomization } from './kustomize-lite.js';
import { ROOT, readYaml, type K8sObject } from './manifests.js';
import type { Deployment } from './k8s-types.js';

/**
 * k8s/overlays/{dev,prod}: each one file an operator edits (image tag, replicas, resources),
 * rendered with kubectl where it exists and with kustomize-lite otherwise, then held to the
 * same schemas as the base plus the rules each environment must keep.
 */
const HAS_KUBECTL = hasCommand('kubectl');
const overlayDir = (name: string) => path.join(ROOT, 'k8s/overlays', name);

function kubectlRender(dir: string): K8sObject[] {
  return parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map((doc) => doc.toJS() as K8sObject);
}

const render = (dir: string) => (HAS_KUBECTL ? kubectlRender(dir) : renderKustomization(dir));

interface HpaSpec {
  minReplicas: number;
  maxReplicas: number;
}

/** CPU in millicores, memory in bytes: enough of Kubernetes' quantity syntax for these manifests. */
function quantity(value: string): number {
  const match = /^([0-9.]+)(m|Ki|Mi|Gi|k|M|G)?$/.exec(value);
  if (!match) throw new Error(`unreadable quantity ${value}`);
  const scale: Record<string, number> = { '': 1000, m: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };
  const unit = match[2] ?? '';
  // A bare number is cores for cpu (x1000 millicores) and bytes for memory; callers compare like with like.
  return Number(match[1]) * scale[unit]!;
}

/** The fields the overlays change, and that lite and kubectl renderings must agree on. */
function summary(objects: K8sObject[]) {
  return objects
    .map((o) => {
      const spec = o.spec as Record<string, unknown> | undefined;
      const pod = o.kind === 'Deployment' ? (o as unknown as Deployment).spec.template.spec : undefined;
      return {
        id: `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`,
        partOf: (o.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/part-of'],
        ...(o.kind === 'Deployment' ? { replicas: spec!.replicas, containers: pod!.containers.map((c) => ({ image: c.image, resources: c.resources })) } : {}),
        ...(o.kind === 'HorizontalPodAutoscaler' ? { min: spec!.minReplicas, max: spec!.maxReplicas } : {}),
        ...(o.kind === 'PodDisruptionBudget' ? { minAvailable: spec!.minAvailable } : {}),
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe.each([
  { overlay: 'dev', replicas: { auth: 1, gateway: 1 }, monitoring: false },
  { overlay: 'prod', replicas: { auth: 3, gateway: 3 }, monitoring: true },
])('the $overlay overlay', ({ overlay, replicas, monitoring }) => {
  const dir = overlayDir(overlay);
  const objects = render(dir);
  const kustomization = readYaml<{ images: Array<{ name: string; newName?: string; newTag: string }> }>(`k8s/overlays/${overlay}/kustomization.yaml`);
  const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as Deployment[];
  const byName = (name: string) => deployments.find((d) => d.metadata.name === name)!;

  it('when an operator changes the environment, then there is one file to edit: its kustomization.yaml', () => {
    expect(readdirSync(dir)).toEqual(['kustomization.yaml']);
  });

  it.each(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))('renders %s valid against its schema', (_label, object) => {
    expect(() => validateObject(object)).not.toThrow();
  });

  it('when rendered, then all four processes are there, in the authgate namespace', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['auth', 'gateway', 'notes', 'reports']);
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('authgate');
  });

  it('when the image tag is set, then every container runs that one image', () => {
    const [image] = kustomization.images;
    const expected = `${image!.newName ?? image!.name}:${image!.newTag}`;
    for (const container of deployments.flatMap((d) => d.spec.template.spec.containers)) expect(container.image).toBe(expected);
  });

  it('when replica counts are set, then auth and gateway run them, the HPA starts from the gateway count, and notes and reports stay single (in-memory demo store)', () => {
    expect(byName('auth').spec.replicas).toBe(replicas.auth);
    expect(byName('gateway').spec.replicas).toBe(replicas.gateway);
    expect(byName('notes').spec.replicas).toBe(1);
    expect(byName('reports').spec.replicas).toBe(1);
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!.spec as HpaSpec;
    expect(hpa.minReplicas).toBe(replicas.gateway);
    expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
  });

  it('when nodes are drained, then no disruption budget asks for more pods than run', () => {
    for (const budget of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
      const spec = budget.spec as { minAvailable: number };
      expect(spec.minAvailable).toBeLessThan(byName(budget.metadata.name).spec.replicas!);
    }
  });

  it('when resources are set, then every container requests cpu and memory no larger than its limits', () => {
    for (const container of deployments.flatMap((d) => d.spec.template.spec.containers)) {
      const { requests = {}, limits = {} } = container.resources ?? {};
      for (const resource of ['cpu', 'memory']) {
        expect(requests[resource], `${container.name} ${resource} request`).toBeDefined();
        expect(quantity(requests[resource]!), `${container.name} ${resource}`).toBeLessThanOrEqual(quantity(limits[resource]!));
      }
    }
  });

  it(`when applied, then the Prometheus Operator objects are ${monitoring ? 'included' : 'left out'}`, () => {
    const kinds = objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/')).map((o) => o.kind);
    if (monitoring) expect(new Set(kinds)).toEqual(new Set(['PodMonitor', 'PrometheusRule']));
    else expect(kinds).toEqual([]);
  });

  it.runIf(HAS_KUBECTL)('when kubectl is at hand, then kustomize-lite renders what kubectl renders', () => {
    expect(summary(renderKustomization(dir))).toEqual(summary(kubectlRender(dir)));
  });
});

describe('kustomize-lite (the renderer used where kubectl is missing)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'kustomize-lite-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each([
    ['a patch for a Deployment the base lacks', 'resources: [BASE]\npatches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata: {name: nope}\n      spec: {replicas: 2}\n', /matches no Deployment/],
    ['replicas for a Deployment the base lacks', 'resources: [BASE]\nreplicas:\n  - {name: nope, count: 2}\n', /unknown Deployment nope/],
    ['a kustomize feature it does not apply', 'resources: [BASE]\nnamePrefix: x-\n', /does not apply namePrefix/],
  ])('when an overlay has %s, then rendering fails instead of ignoring it', (_label, text, error) => {
    const dir = mkdtempSync(path.join(scratch, 'overlay-'));
    writeFileSync(path.join(dir, 'kustomization.yaml'), text.replace('BASE', path.relative(dir, path.join(ROOT, 'k8s/base'))));
    expect(() => renderKustomization(dir)).toThrow(error);
  });
});
