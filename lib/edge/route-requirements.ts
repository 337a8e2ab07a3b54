import type { AccessRequirements } from '../verifier/index.js';
import type { HttpMethod, RouteDefinition } from './route-config.js';

/** Per-method requirements resolved once at start: HEAD falls back to GET, then `*` applies; roles, delegation and step-up apply to all. */
export function compileRequirements(definition: RouteDefinition): (method: string | undefined) => AccessRequirements {
  const roles = definition.roles;
  // The same delegation and step-up (RFC 9470) rules for every method: they are about who holds the token, not what it does.
  const holderRules = {
    ...(definition.delegation !== undefined ? { delegation: definition.delegation } : {}),
    ...(definition.acr !== undefined ? { acr: definition.acr } : {}),
    ...(definition.maxAge !== undefined ? { maxAge: definition.maxAge } : {}),
  };
  const byMethod = new Map<string, AccessRequirements>();
  const fallback: AccessRequirements = { scopes: definition.scopes['*'] ?? [], roles, ...holderRules };
  for (const [method, scopes] of Object.entries(definition.scopes)) {
    if (method !== '*') byMethod.set(method, { scopes: scopes ?? [], roles, ...holderRules });
  }
  const get = byMethod.get('GET');
  if (get !== undefined && !byMethod.has('HEAD')) byMethod.set('HEAD' satisfies HttpMethod, get);
  return (method) => (method === undefined ? fallback : (byMethod.get(method) ?? fallback));
}
