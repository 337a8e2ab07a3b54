import type { AccessRequirements } from '../verifier/index.js';
import type { HttpMethod, RouteDefinition } from './route-config.js';

/** Per-method requirements resolved once at start: HEAD falls back to GET, then `*` applies; roles and delegation apply to all. */
export function compileRequirements(definition: RouteDefinition): (method: string | undefined) => AccessRequirements {
  const roles = definition.roles;
  // The same delegation rule for every method: it is about who holds the token, not what it does.
  const delegation = definition.delegation !== undefined ? { delegation: definition.delegation } : {};
  const byMethod = new Map<string, AccessRequirements>();
  const fallback: AccessRequirements = { scopes: definition.scopes['*'] ?? [], roles, ...delegation };
  for (const [method, scopes] of Object.entries(definition.scopes)) {
    if (method !== '*') byMethod.set(method, { scopes: scopes ?? [], roles, ...delegation });
  }
  const get = byMethod.get('GET');
  if (get !== undefined && !byMethod.has('HEAD')) byMethod.set('HEAD' satisfies HttpMethod, get);
  return (method) => (method === undefined ? fallback : (byMethod.get(method) ?? fallback));
}
