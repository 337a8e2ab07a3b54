import { tokenError } from './errors.js';
import type { VerifiedToken } from './claims.js';

export interface AccessRequirements {
  /** Every one of these scopes must be granted. */
  scopes?: readonly string[];
  /** At least one of these roles must be held (roles name who you are; any listed one suffices). */
  roles?: readonly string[];
}

/** Throws INSUFFICIENT_SCOPE (naming the scopes needed) or INSUFFICIENT_ROLE. */
export function assertAuthorized(identity: Pick<VerifiedToken, 'scopes' | 'roles'>, { scopes, roles }: AccessRequirements): void {
  if (scopes !== undefined && scopes.length > 0) {
    for (const scope of scopes) {
      if (!identity.scopes.includes(scope)) throw tokenError('INSUFFICIENT_SCOPE', { scope: scopes.join(' ') });
    }
  }
  if (roles !== undefined && roles.length > 0 && !roles.some((role) => identity.roles.includes(role))) {
    throw tokenError('INSUFFICIENT_ROLE');
  }
}
