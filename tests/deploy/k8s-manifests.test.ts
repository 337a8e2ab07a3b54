import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Deployment as DeploymentModel } from 'kubernetes-models/apps/v1/Deployment';
import { hasCommand } from './commands.js';
import { validateObject } from './k8s-models.js';
import { K8S_DIR, manifestDocuments, manifestFiles, ofKind, readYaml, type K8sObject } from './manifests.js';
import type { ConfigMap, Deployment, NetworkPolicy, NetworkPolicyPeer } from './k8s-types.js';

const TEMPLATE = /\.template\.yaml$/;
const docs = manifestDocuments();
const deployments = ofKind<Deployment>(docs, 'Deployment');
const byName = (name: string) => deployments.find((d) => d.metadata.name === name);

describe('k8s manifests against the Kubernetes schemas', () => {
  it.each(docs.map((d) => [`${d.file}: ${d.object.kind}/${d.object.metadata?.name}`, d.object] as const))('%s is valid', (_label, object) => {
    expect(() => validateObject(object)).not.toThrow();
  });

  it('when an invalid manifest is validated, then the schema check rejects it (the check has teeth)', () => {
    const broken = structuredClone(byName('gateway')) as unknown as K8sObject & Deployment;
    broken.spec.template.spec.containers[0]!.ports = [{ containerPort: 'http' as unknown as number }];
    expect(() => new DeploymentModel(broken as never).validate()).toThrow(/containerPort/);
  });
});

describe('kustomization', () => {
  const kustomization = readYaml<{ resources: string[]; namespace?: string }>('k8s/base/kustomization.yaml');

  it('when kubectl apply -k runs, then every manifest file is applied and nothing else', () => {
    const applied = manifestFiles().filter((file) => !TEMPLATE.test(file));
    expect([...kustomization.resources].sort()).toEqual(applied);
    expect(kustomization.namespace).toBe('authgate');
  });

  it('when applied, then the Secret template is never among the resources', () => {
    expect(kustomization.resources.filter((file) => TEMPLATE.test(file))).toEqual([]);
  });

  it.runIf(hasCommand('kubectl'))('when kubectl renders the kustomization, then it builds without error', () => {
    const rendered = execFileSync('kubectl', ['kustomize', K8S_DIR], { encoding: 'utf8' });
    expect(rendered).toContain('kind: Deployment');
  });

  it('when kubectl apply -k k8s/ runs, then the top-level kustomization applies the base and nothing else', () => {
    expect(readYaml<{ resources: string[] }>('k8s/kustomization.yaml').resources).toEqual(['base']);
  });
});

describe('Deployments', () => {
  it.each(['auth', 'gateway', 'notes', 'reports'])('%s exists, runs its own process and probes /healthz and /readyz', (name) => {
    const deployment = byName(name);
    expect(deployment).toBeDefined();
    const container = deployment!.spec.template.spec.containers[0]!;
    const main = name === 'gateway' ? 'dist/gateway/main.js' : `dist/services/${name}/main.js`;
    expect(container.command).toEqual(['node', main]);
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
  });

  it.each(deployments.map((d) => [d.metadata.name, d] as const))('%s sets requests, limits and a locked-down security context', (_name, deployment) => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    for (const container of pod.containers) {
      expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it.each(deployments.map((d) => [d.metadata.name, d] as const))('%s writes only to emptyDir volumes; secrets and config are read-only', (_name, deployment) => {
    const volumes = new Map((deployment.spec.template.spec.volumes ?? []).map((v) => [v.name, v]));
    for (const mount of deployment.spec.template.spec.containers.flatMap((c) => c.volumeMounts ?? [])) {
      const volume = volumes.get(mount.name);
      expect(volume, `volume ${mount.name}`).toBeDefined();
      if (!volume!.emptyDir) expect(mount.readOnly, `${mount.mountPath} must be read-only`).toBe(true);
    }
    expect(deployment.spec.template.spec.containers[0]!.volumeMounts?.some((m) => m.mountPath === '/tmp')).toBe(true);
  });

  it.each(['auth', 'gateway'])('%s runs at least two replicas', (name) => {
    expect(byName(name)!.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it('when auth replicas start, then they all load one signing key set from a read-only Secret mount', () => {
    const pod = byName('auth')!.spec.template.spec;
    const settings = ofKind<ConfigMap>(docs, 'ConfigMap').find((c) => c.metadata.name === 'auth-config')!.data;
    const keyFile = settings.AUTH_SIGNING_KEY_FILE!;
    const mount = pod.containers[0]!.volumeMounts!.find((m) => keyFile.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    expect(pod.volumes!.find((v) => v.name === mount!.name)?.secret?.secretName).toBe('authgate-secrets');
  });
});

describe('gateway ops port', () => {
  it('when the gateway runs, then it names port 8081 `ops`, probes and is scraped there', () => {
    const deployment = byName('gateway')!;
    const container = deployment.spec.template.spec.containers[0]!;
    expect(container.ports).toContainEqual({ name: 'ops', containerPort: 8081 });
    for (const probe of [container.livenessProbe, container.readinessProbe]) expect(probe?.httpGet?.port).toBe('ops');
    expect((deployment.spec.template.metadata as { annotations?: Record<string, string> }).annotations?.['prometheus.io/port']).toBe('8081');
    const settings = ofKind<ConfigMap>(docs, 'ConfigMap').find((c) => c.metadata.name === 'gateway-config')!.data;
    expect(settings.GATEWAY_OPS_PORT).toBe('8081');
  });

  it('when traffic reaches the gateway, then 8080 is open to all but 8081 only to the monitoring namespace', () => {
    const policy = ofKind<NetworkPolicy>(docs, 'NetworkPolicy').find((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'gateway')!;
    const rules = (policy.spec.ingress ?? []) as Array<{ from?: Array<{ namespaceSelector?: { matchLabels?: Record<string, string> } }>; ports?: Array<{ port?: number | string }> }>;
    const ops = rules.filter((rule) => rule.ports?.some((port) => port.port === 8081));
    expect(ops).toHaveLength(1);
    expect(ops[0]!.from?.map((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'])).toEqual(['monitoring']);
    expect(rules.filter((rule) => rule.from === undefined).flatMap((rule) => rule.ports?.map((port) => port.port))).toEqual([8080]);
  });
});

describe('gateway availability', () => {
  const selectsGateway = (selector: { matchLabels?: Record<string, string> }) =>
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => byName('gateway')!.spec.template.metadata.labels[k] === v);

  it('when nodes are drained, then a PodDisruptionBudget keeps a gateway up', () => {
    const budgets = ofKind<{ spec: { selector: { matchLabels?: Record<string, string> }; minAvailable?: number } }>(docs, 'PodDisruptionBudget');
    expect(budgets.filter((b) => selectsGateway(b.spec.selector)).map((b) => b.spec.minAvailable)).toEqual([1]);
  });

  it('when load grows, then an autoscaling/v2 HPA scales the gateway Deployment from two replicas', () => {
    const hpas = docs.filter((d) => d.object.kind === 'HorizontalPodAutoscaler').map((d) => d.object);
    expect(hpas).toHaveLength(1);
    expect(hpas[0]).toMatchObject({ apiVersion: 'autoscaling/v2', spec: { scaleTargetRef: { kind: 'Deployment', name: 'gateway' }, minReplicas: 2 } });
  });
});

describe('Secret template', () => {
  const secrets = docs.filter((d) => d.object.kind === 'Secret');

  it('when committed, then it holds placeholders only and lives in a .template.yaml file', () => {
    expect(secrets.length).toBeGreaterThan(0);
    for (const { file, object } of secrets) {
      expect(file).toMatch(TEMPLATE);
      expect(object.data, 'use stringData placeholders, not base64 data').toBeUndefined();
      for (const value of Object.values(object.stringData as Record<string, string>)) expect(value).toMatch(/REPLACE/);
    }
  });

  it('when pods reference secret keys, then the template defines each of them', () => {
    const template = secrets[0]!.object.stringData as Record<string, string>;
    const referenced = deployments.flatMap((d) =>
      d.spec.template.spec.containers.flatMap((c) => (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.key] : []))),
    );
    for (const key of referenced) expect(Object.keys(template)).toContain(key);
  });
});

describe('auth replicas', () => {
  it('when several auth pods share clients in MongoDB, then every one hashes client secrets with the one key from the Secret', () => {
    const auth = deployments.find((d) => d.metadata.name === 'auth')!;
    expect(auth.spec.replicas).toBeGreaterThan(1);
    const env = auth.spec.template.spec.containers.flatMap((c) => c.env ?? []);
    expect(env.find((e) => e.name === 'AUTH_CLIENT_SECRET_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'authgate-secrets', key: 'AUTH_CLIENT_SECRET_KEY' });
    expect(env.find((e) => e.name === 'AUTH_MFA_ENCRYPTION_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'authgate-secrets', key: 'AUTH_MFA_ENCRYPTION_KEY' });
  });
});

describe('auth mail', () => {
  it('when auth sends mail, then SMTP_URL comes from the Secret and its egress allows the SMTP ports', () => {
    const auth = deployments.find((d) => d.metadata.name === 'auth')!;
    const env = auth.spec.template.spec.containers.flatMap((c) => c.env ?? []);
    expect(env.find((e) => e.name === 'SMTP_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'authgate-secrets', key: 'SMTP_URL' });
    const policy = ofKind<NetworkPolicy>(docs, 'NetworkPolicy').find((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'auth')!;
    const ports = (policy.spec.egress ?? []).flatMap((rule) => (rule.ports ?? []).map((port) => port.port));
    expect(ports).toEqual(expect.arrayContaining([587, 465, 25]));
  });
});

describe('NetworkPolicies', () => {
  const policies = ofKind<NetworkPolicy>(docs, 'NetworkPolicy');
  const appOf = (peer: NetworkPolicyPeer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'];
  const policyFor = (app: string) => policies.find((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === app);
  const allowedFrom = (app: string) => (policyFor(app)?.spec.ingress ?? []).flatMap((rule) => (rule.from ?? [{}]).map((peer) => appOf(peer) ?? 'ANY'));

  it('when nothing else allows it, then traffic is denied by default', () => {
    expect(policies.some((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.ingress === undefined && p.spec.policyTypes?.includes('Ingress'))).toBe(true);
  });

  it.each([
    ['notes', ['gateway']],
    ['reports', ['gateway']],
    ['auth', ['gateway', 'notes', 'reports']],
  ])('when %s is called, then only %j may reach it', (app, callers) => {
    expect(allowedFrom(app).sort()).toEqual(callers);
  });

  it('when any pod resolves a name, then DNS egress is allowed', () => {
    const dns = policies.filter((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.egress?.some((rule) => rule.ports?.some((port) => port.port === 53)));
    expect(dns).toHaveLength(1);
  });
});
