import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/** Repository root, so tests read the files a user would deploy. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The base every overlay builds on (k8s/base/; k8s/kustomization.yaml only points at it). */
export const K8S_DIR = path.join(ROOT, 'k8s/base');

/** A Kubernetes object as parsed from YAML; fields are checked by the schema tests, not typed here. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface K8sDocument {
  file: string;
  object: K8sObject;
}

/** Every YAML file of the base other than the kustomization itself. */
export function manifestFiles(): string[] {
  return readdirSync(K8S_DIR)
    .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
    .sort();
}

/** Every document of every manifest file (templates included), failing loudly on a YAML error. */
export function manifestDocuments(files: string[] = manifestFiles()): K8sDocument[] {
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(K8S_DIR, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      return { file, object: doc.toJS() as K8sObject };
    }),
  );
}

export function readYaml<T>(relativePath: string): T {
  return parse(readFileSync(path.join(ROOT, relativePath), 'utf8')) as T;
}

export function ofKind<T = K8sObject>(docs: K8sDocument[], kind: string): T[] {
  return docs.filter((d) => d.object.kind === kind).map((d) => d.object as unknown as T);
}

/** Names of `${VAR}` / `${VAR:-default}` references in a text: variables a file pulls from the environment. */
export function referencedEnv(text: string): string[] {
  return [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(?::?-[^}]*)?\}/g)].map((m) => m[1]!);
}
