import { tokenError } from './errors.js';
import type { VerifiedToken } from './claims.js';
import { assertUserAuthentication, type UserAuthenticationRequirements } from './step-up.js';

export interface AccessRequirements extends UserAuthenticationRequirements {
  /** Every one of these scopes must be granted. */
  scopes?: readonly string[];
  /** At least one of these roles must be held (roles name who you are; any listed one suffices). */
  roles?: readonly string[];
  /**
   * `required`: only a delegated token (one with `act`, from token exchange) may pass; `refused`:
   * only a token used by the party it was issued to. Absent: either.
   */
  delegation?: 'required' | 'refused';
}

/**
 * Throws INSUFFICIENT_SCOPE (naming the scopes needed), INSUFFICIENT_ROLE, DELEGATION_REQUIRED or
 * DELEGATION_REFUSED; then, for `acr` / `maxAge`, the step-up refusals of step-up.ts (RFC 9470),
 * last because a token that may never pass should not send the user through a second factor first.
 */
export function assertAuthorized(identity: VerifiedToken, requirements: AccessRequirements): void {
  const { scopes, roles, delegation } = requirements;
  if (scopes !== undefined && scopes.length > 0) {
    for (const scope of scopes) {
      if (!identity.scopes.includes(scope)) throw tokenError('INSUFFICIENT_SCOPE', { scope: scopes.join(' ') });
    }
  }
  if (roles !== undefined && roles.length > 0 && !roles.some((role) => identity.roles.includes(role))) {
    throw tokenError('INSUFFICIENT_ROLE');
  }
  const delegated = (identity.actor?.length ?? 0) > 0;
  if (delegation === 'required' && !delegated) throw tokenError('DELEGATION_REQUIRED');
  if (delegation === 'refused' && delegated) throw tokenError('DELEGATION_REFUSED');
  if (requirements.acr !== undefined || requirements.maxAge !== undefined) assertUserAuthentication(identity, requirements);
}
