import { z } from 'zod';
import type { UserRecord } from './user-store.js';

/** The role that administers authgate; it grants the scope `admin` without any roles file. */
export const ADMIN_ROLE = 'admin';
export const ADMIN_SCOPE = 'admin';

/** Role names as they appear in tokens (`roles`) and in `roles:` routes of the gateway. */
export const roleNameSchema = z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'must be 1-64 of a-z, 0-9, _ . : - starting with a letter');
/** A user's whole list of roles, as an operator sets it (admin API, console). */
export const roleListSchema = z.array(roleNameSchema).max(50, 'must list at most 50 roles');
/** An RFC 6749 §3.3 scope-token. */
const scopeTokenSchema = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'must be a scope token (printable ASCII without space, " or \\)');

/** The scopes each role grants, from AUTH_ROLES_FILE; the admin role's `admin` scope is always there. */
export type RoleScopes = ReadonlyMap<string, readonly string[]>;

const rolesDocumentSchema = z.strictObject({
  roles: z.record(roleNameSchema, z.strictObject({ scopes: z.array(scopeTokenSchema).max(100) })),
});

/** One problem of a roles document: where, and what is wrong (never a value from it). */
export interface RolesProblem {
  path: string;
  message: string;
}

/** The role-to-scopes map a roles document describes, or every problem in it. */
export function roleScopesFromDocument(data: unknown): { roleScopes: RoleScopes } | { problems: RolesProblem[] } {
  const parsed = rolesDocumentSchema.safeParse(data);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || 'document', message: issue.message })) };
  }
  return { roleScopes: withAdmin(new Map(Object.entries(parsed.data.roles).map(([role, { scopes }]) => [role, [...new Set(scopes)]]))) };
}

/** No roles file: only the admin role grants anything (its `admin` scope). */
export const DEFAULT_ROLE_SCOPES: RoleScopes = withAdmin(new Map());

function withAdmin(map: Map<string, string[]>): RoleScopes {
  map.set(ADMIN_ROLE, [...new Set([ADMIN_SCOPE, ...(map.get(ADMIN_ROLE) ?? [])])]);
  return map;
}

/**
 * The scopes a user's first-party tokens carry: DEFAULT_USER_SCOPES plus the scopes of each of
 * the user's roles. Read at every login and refresh, so a role given or taken shows in the next
 * token; the ceiling of what an app may get on the user's behalf too.
 */
export function createUserScopes(defaultScope: string, roleScopes: RoleScopes): (user: Pick<UserRecord, 'roles'>) => string[] {
  const base = defaultScope.split(' ').filter(Boolean);
  return (user) => [...new Set([...base, ...user.roles.flatMap((role) => roleScopes.get(role) ?? [])])];
}
