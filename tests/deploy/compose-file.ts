import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './manifests.js';
import type { ProcessName } from './config-schemas.js';

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: (string | { target: number; published?: string | number })[];
  secrets?: (string | { source: string; target?: string })[];
  volumes?: (string | { type: string; source?: string; target: string })[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string; environment?: string }>;
  volumes?: Record<string, unknown>;
}

export const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

/** The compose file with `<<:` merge keys applied, as compose reads it. */
export function readCompose(): ComposeFile {
  return parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeFile;
}

/** Resolves `${VAR}`, `${VAR:-default}` and `${VAR-default}` the way compose does, from `env`. */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (_m, name: string, colon: string, op: string | undefined, arg: string) => {
    const set = env[name];
    const missing = colon === ':' ? set === undefined || set === '' : set === undefined;
    if (op === '-' && missing) return arg;
    if (op === '?' && missing) throw new Error(`compose requires ${name}: ${arg}`);
    return set ?? '';
  });
}

/** A service's environment as the process would see it, after interpolation from `hostEnv`. */
export function serviceEnv(service: ComposeService, hostEnv: Record<string, string | undefined>): Record<string, string> {
  const raw = service.environment ?? {};
  const pairs: [string, string][] = Array.isArray(raw)
    ? raw.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, hostEnv[entry] ?? ''] : [entry.slice(0, at), entry.slice(at + 1)];
      })
    : Object.entries(raw).map(([k, v]) => [k, v === null ? (hostEnv[k] ?? '') : String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v, hostEnv)]));
}

/** Which of our processes a service runs, from its `node dist/.../main.js` command. */
export function processOf(service: ComposeService): ProcessName | undefined {
  const main = service.command?.join(' ').match(/^node dist\/(?:services\/)?(auth|gateway|notes|reports)\/main\.js$/);
  return main?.[1] as ProcessName | undefined;
}

/** The healthcheck command as one string, whichever form (CMD list or shell string) it is in. */
export function healthcheckCommand(service: ComposeService): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}
