import type { VerifiedToken } from '../../../../lib/verifier/index.js';
import type { AccessTokenDenylist } from './token-store.js';

/**
 * Whether one of our access tokens (already read, signature checked) is still usable: not expired
 * (the issuer is the clock that set exp, so no tolerance), its jti not denied and its session not
 * ended. Introspection and token exchange ask exactly this.
 */
export async function isLiveAccessToken(token: VerifiedToken, denylist: AccessTokenDenylist, nowSeconds: number): Promise<boolean> {
  if (token.expiresAt <= nowSeconds) return false;
  if (await denylist.isAccessTokenDenied(token.jti)) return false;
  return token.sid === undefined || !(await denylist.isSessionDenied(token.sid));
}
