import { isAppError } from '../../../../lib/errors.js';
import type { ClientRecord } from '../clients/client-store.js';
import type { RefreshTokenStore } from '../tokens/token-store.js';
import { hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token.js';
import type { TokenPair } from '../tokens/token-pair.js';
import type { RefreshOptions } from '../tokens/refresh-rotation.js';
import { oauthErrors } from '../oauth/oauth-errors.js';
import { grantedScope } from '../tokens/scope.js';

export interface RefreshTokenGrantDeps {
  refreshTokens: RefreshTokenStore;
  /** The rotation use case behind /auth/refresh: same rules (grace window, reuse revokes the family). */
  rotate: (refreshToken: string, options?: RefreshOptions) => Promise<TokenPair>;
  now: () => number;
}

export interface RefreshTokenRequest {
  client: ClientRecord;
  refreshToken: string | undefined;
  scope?: string | undefined;
  /** The DPoP key proven with the request, if any (RFC 9449). */
  jkt?: string | undefined;
}

/**
 * RFC 6749 §6 at the token endpoint, for public first-party clients (and any client registered
 * for the grant). The token must have been issued to the calling client (§6: "the refresh token
 * was issued to the authenticated client"): another client's token, active or spent, is
 * invalid_grant and is left untouched (a spent one would otherwise trip reuse detection and end
 * its owner's session). Rotation itself is /auth/refresh's, so both endpoints behave the same;
 * its refusals become RFC 6749's 400 invalid_grant here. A `scope` may narrow the new access
 * token to a subset of the original grant (§6); the refresh token keeps the whole grant. A scope
 * token outside the grant is invalid_scope, and the refresh token is not spent.
 */
export function createRefreshTokenGrant({ refreshTokens, rotate, now }: RefreshTokenGrantDeps) {
  return async function refreshTokenGrant({ client, refreshToken, scope, jkt }: RefreshTokenRequest): Promise<TokenPair> {
    if (!client.grantTypes.includes('refresh_token')) throw oauthErrors.unauthorizedClient('refresh_token');
    if (refreshToken === undefined || refreshToken === '') throw oauthErrors.invalidRequest('refresh_token is required', 'OAUTH_REFRESH_TOKEN_MISSING');
    if (!isRefreshTokenShaped(refreshToken)) throw oauthErrors.invalidGrant('REFRESH_TOKEN_INVALID');

    // Checked before rotating, so presenting someone else's token cannot spend it or revoke its family.
    const tokenHash = hashRefreshToken(refreshToken);
    const family = await refreshTokens.findRefreshFamily(tokenHash, now());
    if (family && family.clientId !== client.clientId) throw oauthErrors.invalidGrant('REFRESH_TOKEN_OTHER_CLIENT');
    if (scope !== undefined) {
      // Checked before rotating too, so an over-broad request leaves the token unspent.
      const active = await refreshTokens.findActiveRefreshToken(tokenHash, now());
      if (active) grantedScope(scope, active.scope.split(' ').filter(Boolean));
    }

    try {
      return await rotate(refreshToken, { scope, jkt });
    } catch (err) {
      if (isAppError(err) && err.error === 'invalid_grant') throw oauthErrors.invalidGrant(err.code);
      throw err;
    }
  };
}
