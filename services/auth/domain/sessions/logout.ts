import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';
import { ignoreAuthEvents, type AuthEvents } from '../auth-events.js';
import type { AccessTokenDenylist, RefreshTokenStore } from '../tokens/token-store.js';
import { deniedUntil } from '../tokens/denial.js';
import type { SessionEnder } from './session-ender.js';
import { hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token.js';

export interface LogoutDeps {
  tokens: RefreshTokenStore & AccessTokenDenylist;
  endSession: SessionEnder;
  now: () => number;
  /** Where the logout is reported (audit trail); ignored when absent. */
  events?: AuthEvents;
}

/**
 * Ends a session: the caller's login session (`sid`: its refresh family, and every access token
 * carrying that sid, on every verifier), the family of the refresh token given (when it belongs to
 * the caller), and the presented access token, which stays denied until it would have expired. The refresh token
 * may be active or already spent (a stale copy, or one an attacker rotated first): either way its
 * family ends. One that is unknown, expired or someone else's is ignored without saying so (as
 * RFC 7009 does): a caller never ends another user's session.
 */
export function createLogout({ tokens, endSession, now, events = ignoreAuthEvents }: LogoutDeps) {
  return async function logout(caller: AccessTokenClaims, refreshToken?: string): Promise<void> {
    let familyEnded = false;
    if (refreshToken !== undefined && isRefreshTokenShaped(refreshToken)) {
      const family = await tokens.findRefreshFamily(hashRefreshToken(refreshToken), now());
      if (family && family.subject === caller.sub && family.familyId !== caller.sid) {
        await endSession(family.familyId);
        familyEnded = true;
      }
    }
    if (caller.sid !== undefined) {
      await endSession(caller.sid);
      familyEnded = true;
    }
    await tokens.denyAccessToken(caller.jti, deniedUntil(caller.exp));
    events.loggedOut({ userId: caller.sub, clientId: caller.client_id, familyEnded });
  };
}
