import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, type Env } from '../config.js';
import type { RateLimitSettings } from './rate-limit-policy.js';

/** A route's `cors:` block, validated: the gateway answers CORS for the route (gateway/cors.ts). */
export interface CorsSettings {
  /** Exact origins (`https://app.example`); no wildcards. */
  origins: string[];
  /** Whether browsers may send cookies / read responses of credentialed requests. Default false. */
  credentials: boolean;
  /** How long a browser may cache a preflight answer. */
  maxAgeSeconds: number;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const SCOPE = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token (RFC 6749 §3.3)');

/** zod's own words ("expected string, received undefined") replaced by what the field needs. */
const missingOr = (expected: string) => ({ error: (issue: { input: unknown }) => (issue.input === undefined ? `is missing: expected ${expected}` : `must be ${expected}`) });

const ORIGIN = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}, 'must be an exact origin like https://app.example (scheme, host and port only, no path, no *)');

const corsSchema = z
  .object(
    {
      origins: z.array(ORIGIN, missingOr('a list of exact origins')).min(1, 'must list at least one origin'),
      credentials: z.boolean(missingOr('true or false')).default(false),
      maxAgeSeconds: z.number(missingOr('a number of seconds')).int('must be a whole number of seconds').min(0).max(86_400, 'must be at most 86400').default(600),
    },
    missingOr('a mapping with origins, credentials, maxAgeSeconds'),
  )
  .strict();

const rateLimitSchema = z
  .object(
    {
      requests: z.number(missingOr('a number of requests')).int('must be a whole number of requests').positive('must be more than 0').max(1_000_000_000, 'must be at most 1000000000'),
      per_seconds: z.number(missingOr('a number of seconds')).int('must be a whole number of seconds').positive('must be more than 0').max(86_400, 'must be at most 86400'),
      key: z.enum(['client', 'subject', 'address'], missingOr('client, subject or address')),
    },
    missingOr('a mapping with requests, per_seconds, key'),
  )
  .strict();

const routeSchema = z
  .object({
    prefix: z.string(missingOr('a path such as /api/notes')).regex(/^\/(?:[^\s?#;%\\]*[^\s?#;%\\/])?$/, 'must start with /, must not end with / (except the root /) and must not hold spaces, ?, #, ;, % or \\'),
    upstream: z.string(missingOr('an http(s) URL such as http://notes:4001')).min(1, 'is empty: expected an http(s) URL'),
    auth: z.enum(['required', 'optional', 'none'], missingOr('required, optional or none')),
    scopes: z.partialRecord(z.enum([...METHODS, '*'], { error: `keys must be HTTP methods (${METHODS.join(', ')}) or *` }), z.array(SCOPE)).optional(),
    roles: z.array(z.string().min(1)).optional(),
    cookies: z.boolean(missingOr('true or false')).default(false),
    stripPrefix: z.union([z.boolean(), z.string()], missingOr('true, false or a leading part of prefix')).default(false),
    timeoutMs: z.number(missingOr('a number of milliseconds')).int('must be a whole number of milliseconds').positive('must be more than 0').max(300_000, 'must be at most 300000').default(30_000),
    websocket: z.boolean(missingOr('true or false')).default(false),
    cors: corsSchema.optional(),
    dpop: z.enum(['required', 'allowed'], missingOr('required or allowed')).default('allowed'),
    delegation: z.enum(['required', 'refused'], missingOr('required or refused')).optional(),
    rate_limit: rateLimitSchema.optional(),
    acr: z.enum(['mfa'], missingOr('mfa')).optional(),
    max_age: z.number(missingOr('a number of seconds')).int('must be a whole number of seconds').min(0, 'must be 0 or more').max(31_536_000, 'must be at most 31536000').optional(),
  })
  .strict();

const routesFileSchema = z.object({ routes: z.array(z.unknown()).min(1, 'must list at least one route') }).strict();

export type HttpMethod = (typeof METHODS)[number];

/** One validated route, with its upstream resolved and its strip prefix made explicit. */
export interface RouteDefinition {
  prefix: string;
  upstream: URL;
  auth: 'required' | 'optional' | 'none';
  scopes: Partial<Record<HttpMethod | '*', string[]>>;
  roles: string[];
  cookies: boolean;
  /** Leading path removed before proxying ('' for none). */
  stripPrefix: string;
  timeoutMs: number;
  /** Upgrade requests are verified, then tunnelled (WebSocket). */
  websocket: boolean;
  /** Answered by the gateway (preflights never need a token); undefined: no CORS headers. */
  cors?: CorsSettings | undefined;
  /**
   * RFC 9449: `allowed` takes Bearer tokens and DPoP-bound ones (always checked as such, with
   * their proof); `required` takes only DPoP-bound tokens sent as `Authorization: DPoP` with a proof.
   */
  dpop: 'required' | 'allowed';
  /**
   * Token exchange (RFC 8693): `required` takes only delegated tokens (with `act`), `refused` only
   * direct ones; undefined: either. Checked by the verifier's assertAuthorized, as in requireAuth.
   */
  delegation?: 'required' | 'refused' | undefined;
  /** `rate_limit:` requests per window per verified client, subject or client address (docs/edge.md); undefined: none. */
  rateLimit?: RateLimitSettings | undefined;
  /** RFC 9470 step-up: `mfa` takes only tokens whose sign-in used a second factor (`acr`). */
  acr?: 'mfa' | undefined;
  /** RFC 9470 step-up (`max_age` in routes.yaml): the sign-in (`auth_time`) at most this many seconds old. */
  maxAge?: number | undefined;
}

/** Reads GATEWAY_ROUTES; any problem is a ConfigError naming the route by index and prefix. */
export async function loadRoutesFile(file: string, env: Env): Promise<RouteDefinition[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError('GATEWAY_ROUTES', `invalid configuration: GATEWAY_ROUTES: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseRoutesYaml(text, file, env);
}

/** Validates the text of a routes file (`file` names it in errors); for GATEWAY_ROUTES and authgateProxy's routes mode. */
export function parseRoutesYaml(text: string, file: string, env: Env): RouteDefinition[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw routesError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseRoutes(document, env);
}

/** Validates a parsed routes document (`{ routes: [...] }`); exported for tests and embedders. */
export function parseRoutes(document: unknown, env: Env): RouteDefinition[] {
  const file = routesFileSchema.safeParse(document);
  if (!file.success) throw routesError(describeIssue(file.error, 'routes'));
  const seen = new Set<string>();
  return file.data.routes.map((raw, index) => {
    const name = `route ${index}${prefixOf(raw)}`;
    const parsed = routeSchema.safeParse(raw);
    if (!parsed.success) throw routesError(`${name}: ${describeIssue(parsed.error)}`);
    const route = parsed.data;
    // Prefixes match case-insensitively, so /API and /api are one prefix.
    const key = route.prefix.toLowerCase();
    if (seen.has(key)) throw routesError(`${name}: prefix is listed twice (prefixes match regardless of letter case)`);
    seen.add(key);
    if (route.auth !== 'required' && ((route.roles?.length ?? 0) > 0 || Object.keys(route.scopes ?? {}).length > 0)) {
      throw routesError(`${name}: scopes and roles need auth: required`);
    }
    if (route.auth !== 'required' && route.delegation !== undefined) throw routesError(`${name}: delegation: ${route.delegation} needs auth: required`);
    if (route.auth !== 'required' && (route.acr !== undefined || route.max_age !== undefined)) throw routesError(`${name}: acr and max_age need auth: required`);
    if (route.auth === 'none' && route.dpop === 'required') throw routesError(`${name}: dpop: required needs auth: required or optional`);
    // A budget per client or subject needs a verified token on every request, else tokenless ones would go unlimited.
    if (route.rate_limit !== undefined && route.rate_limit.key !== 'address' && route.auth !== 'required') {
      throw routesError(`${name}: rate_limit.key: ${route.rate_limit.key} needs auth: required (use key: address on a route without tokens)`);
    }
    return {
      prefix: route.prefix,
      upstream: resolveUpstream(route.upstream, env, name),
      auth: route.auth,
      scopes: route.scopes ?? {},
      roles: route.roles ?? [],
      cookies: route.cookies,
      stripPrefix: resolveStripPrefix(route.prefix, route.stripPrefix, name),
      timeoutMs: route.timeoutMs,
      websocket: route.websocket,
      ...(route.cors ? { cors: route.cors } : {}),
      dpop: route.dpop,
      ...(route.delegation !== undefined ? { delegation: route.delegation } : {}),
      ...(route.rate_limit !== undefined ? { rateLimit: { requests: route.rate_limit.requests, perSeconds: route.rate_limit.per_seconds, key: route.rate_limit.key } } : {}),
      ...(route.acr !== undefined ? { acr: route.acr } : {}),
      ...(route.max_age !== undefined ? { maxAge: route.max_age } : {}),
    };
  });
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function resolveUpstream(template: string, env: Env, name: string): URL {
  const value = template.replace(VARIABLE, (_match, variable: string, fallback: string | undefined) => {
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (fallback !== undefined) return fallback;
    throw routesError(`${name}: upstream uses \${${variable}} but ${variable} is not set`);
  });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw routesError(`${name}: upstream must be an http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw routesError(`${name}: upstream must be an http(s) URL`);
  if (url.search || url.hash || url.username || url.password) throw routesError(`${name}: upstream must not carry a query, fragment or credentials`);
  return url;
}

function resolveStripPrefix(prefix: string, strip: boolean | string, name: string): string {
  if (strip === false) return '';
  if (strip === true) return prefix === '/' ? '' : prefix;
  if (strip === '' || strip === '/') return '';
  if (!(prefix === strip || prefix.startsWith(`${strip}/`))) throw routesError(`${name}: stripPrefix must be a leading part of prefix ending at a /`);
  return strip;
}

function prefixOf(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && typeof (raw as { prefix?: unknown }).prefix === 'string') {
    return ` (${(raw as { prefix: string }).prefix})`;
  }
  return '';
}

function describeIssue(error: z.ZodError, topKeys?: string): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const path = issue.path.map(String).join('.');
  // Unknown keys: name them and say what is allowed, rather than zod's "Unrecognized key".
  if (issue.code === 'unrecognized_keys') {
    const where = path ? `${path}: ` : '';
    return `${where}unknown key ${issue.keys.map((key) => `"${key}"`).join(', ')} (allowed: ${topKeys !== undefined && path === '' ? topKeys : allowedKeys(path)})`;
  }
  return path ? `${path}: ${issue.message}` : issue.message;
}

function allowedKeys(path: string): string {
  if (path === 'cors') return Object.keys(corsSchema.shape).join(', ');
  if (path === 'rate_limit') return Object.keys(rateLimitSchema.shape).join(', ');
  if (path === '') return Object.keys(routeSchema.shape).join(', ');
  return 'see gateway/routes.yaml';
}

function routesError(message: string): ConfigError {
  return new ConfigError('GATEWAY_ROUTES', `invalid configuration: GATEWAY_ROUTES: ${message}`);
}
