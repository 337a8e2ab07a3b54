import type { OwnAccessTokens } from '../tokens/token-signing.js';
import type { AccessTokenDenylist, RefreshTokenStore } from '../tokens/token-store.js';
import { deniedUntil } from '../tokens/denial.js';
import type { SessionEnder } from '../sessions/session-ender.js';
import { hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token.js';
import type { TokenTypeHint } from './introspection.js';

export interface RevocationDeps {
  accessTokens: OwnAccessTokens;
  tokens: RefreshTokenStore & AccessTokenDenylist;
  /** A revoked refresh token ends its session: its access tokens too (RFC 7009 §2.1 SHOULD). */
  endSession: SessionEnder;
  now: () => number;
}

/** What revocation did; the endpoint answers 200 for each but `not_owner` (RFC 7009 §2.1, §2.2). */
export type RevocationOutcome = 'refresh_family_revoked' | 'access_token_denied' | 'not_found' | 'not_owner';

/**
 * RFC 7009. A refresh token, active or already spent (a stale copy still names its session): its
 * whole family is revoked (every rotation descendant) and so is every access token of its session (`sid`). An access token: its `jti` is denied until it would have expired (the denylist
 * also tells the gateway). A client may revoke only tokens issued to it (§2.1): another client's
 * token changes nothing and is reported as `not_owner` (the endpoint refuses it, as §2.1 asks);
 * anything unknown changes nothing either and is not an error (§2.2).
 */
export function createRevocation({ accessTokens, tokens, endSession, now }: RevocationDeps) {
  async function asRefreshToken(token: string, clientId: string): Promise<RevocationOutcome | null> {
    if (!isRefreshTokenShaped(token)) return null;
    const family = await tokens.findRefreshFamily(hashRefreshToken(token), now());
    if (!family) return null;
    if (family.clientId !== clientId) return 'not_owner';
    await endSession(family.familyId);
    return 'refresh_family_revoked';
  }

  async function asAccessToken(token: string, clientId: string): Promise<RevocationOutcome | null> {
    const own = await accessTokens.read(token);
    if (own === null) return null;
    if (own.clientId !== clientId) return 'not_owner';
    // Already expired tokens need no entry; deny anything still usable (revoked twice is harmless).
    if (own.expiresAt > Math.floor(now() / 1000)) await tokens.denyAccessToken(own.jti, deniedUntil(own.expiresAt));
    return 'access_token_denied';
  }

  return async function revoke(token: string, clientId: string, hint?: TokenTypeHint): Promise<RevocationOutcome> {
    const order = hint === 'refresh_token' ? [asRefreshToken, asAccessToken] : [asAccessToken, asRefreshToken];
    for (const attempt of order) {
      const outcome = await attempt(token, clientId);
      if (outcome) return outcome;
    }
    return 'not_found';
  };
}
