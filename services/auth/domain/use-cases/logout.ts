import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';
import { ignoreAuthEvents, type AuthEvents } from '../ports/auth-events.js';
import type { AccessTokenDenylist, RefreshTokenStore } from '../ports/token-store.js';
import { deniedUntil } from '../tokens/denial.js';
import { hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token.js';

export interface LogoutDeps {
  tokens: RefreshTokenStore & AccessTokenDenylist;
  now: () => number;
  /** Where the logout is reported (audit trail); ignored when absent. */
  events?: AuthEvents;
}

/**
 * Ends a session: the refresh family (when its token is given and belongs to the caller) and the
 * presented access token, which stays denied until it would have expired anyway. The refresh token
 * may be active or already spent (a stale copy, or one an attacker rotated first): either way its
 * family ends. One that is unknown, expired or someone else's is ignored without saying so (as
 * RFC 7009 does): a caller never ends another user's session.
 */
export function createLogout({ tokens, now, events = ignoreAuthEvents }: LogoutDeps) {
  return async function logout(caller: AccessTokenClaims, refreshToken?: string): Promise<void> {
    let familyEnded = false;
    if (refreshToken !== undefined && isRefreshTokenShaped(refreshToken)) {
      const family = await tokens.findRefreshFamily(hashRefreshToken(refreshToken), now());
      if (family && family.subject === caller.sub) {
        await tokens.revokeRefreshFamily(family.familyId);
        familyEnded = true;
      }
    }
    await tokens.denyAccessToken(caller.jti, deniedUntil(caller.exp));
    events.loggedOut({ userId: caller.sub, clientId: caller.client_id, familyEnded });
  };
}
