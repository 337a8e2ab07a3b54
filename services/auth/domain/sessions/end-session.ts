import { isAppError } from '../../../../lib/errors.js';
import type { AuthEvents } from '../auth-events.js';
import type { RefreshTokenStore } from '../tokens/token-store.js';
import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';
import { hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token.js';
import type { SessionEnder } from './session-ender.js';

export interface EndSessionInput {
  /** The access token the browser still holds, if any (it may have expired: logout must still work). */
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
}

export interface EndSessionDeps {
  tokens: RefreshTokenStore;
  verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  /** The API's logout: denies the access token's jti and revokes the caller's refresh family. */
  logout: (caller: AccessTokenClaims, refreshToken?: string) => Promise<void>;
  /** Ends a login session: its family, and its `sid` at every verifier (the logout's own ender). */
  endTokenSession: SessionEnder;
  now: () => number;
  events: AuthEvents;
}

/**
 * Browser logout. With a valid access token it is the API's logout (same family check, same
 * denylist). Without one (expired, already revoked) the refresh token alone still ends its
 * session (family and sid), spent or active: whoever holds an active token may use the family, and whoever holds a
 * spent one can already end it by presenting it for refresh (reuse detection), so ending it here
 * grants nothing new. Nothing presented, or nothing valid, is not an error: the cookies are
 * cleared either way.
 */
export function createEndSession({ tokens, verifyAccessToken, logout, endTokenSession, now, events }: EndSessionDeps) {
  return async function endSession({ accessToken, refreshToken }: EndSessionInput): Promise<void> {
    const caller = accessToken ? await verifyAccessToken(accessToken).catch(unlessRefused) : null;
    if (caller) return logout(caller, refreshToken);
    if (refreshToken === undefined || !isRefreshTokenShaped(refreshToken)) return;
    const family = await tokens.findRefreshFamily(hashRefreshToken(refreshToken), now());
    if (!family) return;
    // The whole session, as the API's logout ends it: the family and every access token of its sid.
    await endTokenSession(family.familyId);
    // The API's logout reports itself; this is the browser's logout by refresh token alone.
    events.loggedOut({ userId: family.subject, clientId: family.clientId, familyEnded: true });
  };
}

/** A refused token (401) just means "no caller"; a store that is down is still a failure. */
function unlessRefused(err: unknown): null {
  if (isAppError(err) && err.status === 401) return null;
  throw err;
}
