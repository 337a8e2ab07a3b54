import type { AccessTokenClaims } from '../tokens/access-token-claims.js';
import type { AccessTokenDenylist, RefreshTokenStore } from '../ports/token-store.js';
import { hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token.js';

export interface LogoutDeps {
  tokens: RefreshTokenStore & AccessTokenDenylist;
  now: () => number;
}

/**
 * Ends a session: the refresh family (when its token is given and belongs to the caller) and the
 * presented access token, which stays denied until it would have expired anyway. A refresh token
 * that is unknown, spent or someone else's is ignored without saying so (as RFC 7009 does).
 */
export function createLogout({ tokens, now }: LogoutDeps) {
  return async function logout(caller: AccessTokenClaims, refreshToken?: string): Promise<void> {
    if (refreshToken !== undefined && isRefreshTokenShaped(refreshToken)) {
      const record = await tokens.findActiveRefreshToken(hashRefreshToken(refreshToken), now());
      if (record && record.subject === caller.sub) await tokens.revokeRefreshFamily(record.familyId);
    }
    await tokens.denyAccessToken(caller.jti, caller.exp);
  };
}
