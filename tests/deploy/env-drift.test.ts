import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { processOf, readCompose, serviceEnv, type ComposeService } from './compose-file.js';
import { CONFIG_SCHEMAS, PORT_VARIABLE, RUNTIME_VARIABLES, envNames, type ProcessName } from './config-schemas.js';
import type { ConfigMap, Deployment } from './k8s-types.js';
import { ROOT, manifestDocuments, ofKind, referencedEnv } from './manifests.js';

/**
 * No drift between what deployments set and what the code reads: every variable compose or
 * Kubernetes gives a process is in that process's config schema, or is pulled in by a file the
 * process reads (`${VAR}` in routes.yaml or clients.yaml), and the whole set passes the schema.
 */

// What deploy/init-secrets.sh writes into compose.env.
const HOST_ENV = { AUTH_ADMIN_TOKEN: 'a'.repeat(64), REPORTS_CLIENT_SECRET: 'b'.repeat(64), AUTH_CLIENT_SECRET_KEY: 'c'.repeat(64) };

interface Deployed {
  process: ProcessName;
  env: Record<string, string>;
  /** Text of the files the process is pointed at by a path in its environment. */
  files: string[];
}

function checkAgainstSchema({ process, env, files }: Deployed): void {
  const schema = CONFIG_SCHEMAS[process];
  const read = new Set([...envNames(schema), ...RUNTIME_VARIABLES, ...files.flatMap(referencedEnv)]);
  expect(Object.keys(env).filter((name) => !read.has(name)), `set for ${process} but read by nothing`).toEqual([]);
  // Empty means unset, as loadConfig treats it.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = schema.safeParse(cleaned);
  expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
}

describe('compose environment vs config schemas', () => {
  const compose = readCompose();

  /** The host file behind a container path: a bind mount, or a file baked into the image at /app. */
  function hostFile(service: ComposeService, containerPath: string): string | undefined {
    for (const volume of (service.volumes ?? []).map(String)) {
      const [source, target] = volume.split(':');
      if (target === containerPath && source?.startsWith('.')) return path.join(ROOT, source);
    }
    return containerPath.startsWith('/app/') ? path.join(ROOT, containerPath.slice('/app/'.length)) : undefined;
  }

  const deployed = Object.entries(compose.services).flatMap(([name, service]) => {
    const process = processOf(service);
    if (!process) return [];
    const env = serviceEnv(service, HOST_ENV);
    const files = Object.values(env).flatMap((value) => {
      const file = value.startsWith('/') ? hostFile(service, value) : undefined;
      return file ? [readFileSync(file, 'utf8')] : [];
    });
    return [[name, { process, env, files }] as const];
  });

  it.each(deployed)('%s is given only variables its process reads, and valid ones', (_name, entry) => {
    checkAgainstSchema(entry);
  });
});

describe('Kubernetes environment vs config schemas', () => {
  const docs = manifestDocuments();
  const configMaps = new Map(ofKind<ConfigMap>(docs, 'ConfigMap').map((c) => [c.metadata.name, c.data]));
  const secretTemplate = docs.find((d) => d.object.kind === 'Secret')!.object.stringData as Record<string, string>;

  const deployed = ofKind<Deployment>(docs, 'Deployment').map((deployment) => {
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) Object.assign(env, configMaps.get(source.configMapRef?.name ?? '') ?? {});
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
      const fromSecret = variable.valueFrom?.secretKeyRef ? secretTemplate[ref!.key] : undefined;
      env[variable.name] = variable.value ?? fromSecret ?? configMaps.get(ref?.name ?? '')?.[ref?.key ?? ''] ?? '';
    }
    // Files a path in the environment points at, when the path is inside a mounted ConfigMap.
    const files = Object.values(env).flatMap((value) => {
      const mount = container.volumeMounts?.find((m) => value.startsWith(`${m.mountPath}/`));
      const configMap = pod.volumes?.find((v) => v.name === mount?.name)?.configMap;
      const data = configMap ? configMaps.get(configMap.name)?.[value.slice(mount!.mountPath.length + 1)] : undefined;
      return data === undefined ? [] : [data];
    });
    const process = deployment.metadata.name as ProcessName;
    return [deployment.metadata.name, { process, env, files }, container] as const;
  });

  it.each(deployed)('%s is given only variables its process reads, and valid ones', (_name, entry) => {
    checkAgainstSchema(entry);
  });

  it.each(deployed)('%s listens on the port its container, probes and Service use', (_name, { process, env }, container) => {
    const { name, port } = PORT_VARIABLE[process];
    expect(container.ports?.[0]).toMatchObject({ name: 'http', containerPort: Number(env[name] ?? port) });
  });

  it('when tokens are issued and verified, then every process agrees on issuer and audience', () => {
    for (const variable of ['AUTH_ISSUER', 'AUTH_AUDIENCE']) {
      expect(new Set(deployed.map(([, { env }]) => env[variable])).size, variable).toBe(1);
    }
  });

  it('when the gateway routes in the cluster, then it uses the same routes as gateway/routes.yaml', () => {
    const inCluster = parse(configMaps.get('gateway-routes')!['routes.yaml']!) as unknown;
    expect(inCluster).toEqual(parse(readFileSync(path.join(ROOT, 'gateway/routes.yaml'), 'utf8')));
  });
});
