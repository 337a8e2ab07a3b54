import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { K8sObject } from './manifests.js';

/**
 * Renders a kustomization the way `kubectl kustomize` does, for the subset of kustomize this
 * repository uses (resources, namespace, labels, images, replicas, strategic-merge patches,
 * configMapGenerator without a hash suffix), so overlays are validated on machines without
 * kubectl. Where kubectl exists, tests/deploy/k8s-overlays.test.ts checks both agree. Anything
 * else in a kustomization is refused, so an overlay cannot quietly use what this does not apply.
 */
interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string> }>;
  resources?: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  replicas?: Array<{ name: string; count: number }>;
  patches?: Array<{ patch?: string; path?: string; target?: { kind?: string; name?: string } }>;
  configMapGenerator?: Array<{ name: string; files: string[]; options?: { labels?: Record<string, string> } }>;
  generatorOptions?: { disableNameSuffixHash?: boolean };
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'images', 'replicas', 'patches', 'configMapGenerator', 'generatorOptions']);
const CLUSTER_SCOPED = new Set(['Namespace']);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function renderKustomization(dir: string): K8sObject[] {
  const kustomization = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${dir}: kustomize-lite does not apply ${unsupported.join(', ')}`);
  if (kustomization.configMapGenerator && !kustomization.generatorOptions?.disableNameSuffixHash) {
    throw new Error(`${dir}: kustomize-lite renders generators only with disableNameSuffixHash`);
  }

  const objects: K8sObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const target = path.resolve(dir, resource);
    if (statSync(target).isDirectory()) objects.push(...renderKustomization(target));
    else objects.push(...parseAllDocuments(readFileSync(target, 'utf8')).map((doc) => doc.toJS() as K8sObject));
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    const data = Object.fromEntries(
      generator.files.map((entry) => {
        const [key, file = key] = entry.split('=') as [string, string?];
        return [key, readFileSync(path.resolve(dir, file), 'utf8')];
      }),
    );
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name, ...(generator.options?.labels ? { labels: { ...generator.options.labels } } : {}) }, data });
  }

  for (const object of objects) {
    if (kustomization.namespace && !CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = kustomization.namespace;
    for (const { pairs } of kustomization.labels ?? []) object.metadata.labels = { ...(object.metadata.labels as Record<string, string> | undefined), ...pairs };
  }
  for (const image of kustomization.images ?? []) for (const container of containersOf(objects)) container.image = retag(String(container.image), image);
  for (const { name, count } of kustomization.replicas ?? []) {
    const targets = objects.filter((o) => o.kind === 'Deployment' && o.metadata.name === name);
    if (targets.length === 0) throw new Error(`${dir}: replicas for unknown Deployment ${name}`);
    for (const target of targets) (target.spec as Json).replicas = count;
  }
  for (const entry of kustomization.patches ?? []) {
    const patch = parse(entry.patch ?? readFileSync(path.resolve(dir, entry.path!), 'utf8')) as K8sObject;
    const kind = entry.target?.kind ?? patch.kind;
    const name = entry.target ? entry.target.name : patch.metadata.name;
    const targets = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    if (targets.length === 0) throw new Error(`${dir}: a patch matches no ${kind} ${name ?? ''}`);
    const { metadata: _metadata, apiVersion: _apiVersion, kind: _kind, ...body } = patch;
    for (const target of targets) Object.assign(target, strategicMerge(target, body));
  }
  return objects;
}

function containersOf(objects: K8sObject[]): Json[] {
  return objects
    .filter((o) => o.kind === 'Deployment')
    .flatMap((o) => {
      const pod = ((o.spec as Json).template as Json).spec as Json;
      return [...((pod.initContainers as Json[] | undefined) ?? []), ...((pod.containers as Json[] | undefined) ?? [])];
    });
}

/** `authgate:0.1.0` with {name: authgate, newName, newTag}: kustomize's images transformer. */
function retag(reference: string, { name, newName, newTag }: { name: string; newName?: string; newTag?: string }): string {
  const slash = reference.lastIndexOf('/');
  const colon = reference.indexOf(':', slash + 1);
  const [repository, tag] = colon === -1 ? [reference, undefined] : [reference.slice(0, colon), reference.slice(colon + 1)];
  if (repository !== name) return reference;
  const nextTag = newTag ?? tag;
  return `${newName ?? repository}${nextTag ? `:${nextTag}` : ''}`;
}

/**
 * Strategic merge as kustomize applies it to the fields patched here: maps merge key by key, lists
 * of named items (containers, env, ports, volumes) merge by `name`, other lists are replaced.
 */
function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    const merged: Json = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else merged[key] = key in base ? strategicMerge(base[key], value) : value;
    }
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((item) => isObject(item) && typeof item.name === 'string')) {
    const merged = base.map((item) => {
      const update = patch.find((p: Json) => isObject(item) && p.name === item.name);
      return update ? strategicMerge(item, update) : item;
    });
    for (const item of patch as Json[]) if (!base.some((b) => isObject(b) && b.name === item.name)) merged.push(item);
    return merged;
  }
  return patch;
}
