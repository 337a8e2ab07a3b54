import type { AccessTokenDenylist, RefreshTokenStore } from '../tokens/token-store.js';
import { deniedUntil } from '../tokens/denial.js';

export interface SessionEnderDeps {
  tokens: RefreshTokenStore & AccessTokenDenylist;
  /** ACCESS_TOKEN_TTL: no access token of the session can expire later than now plus this. */
  accessTokenTtlSeconds: number;
  now: () => number;
}

/**
 * Ends a login session. The session is the refresh family: its id is the `sid` of every access
 * token refreshed (or exchanged) from one login. The family is revoked, so no new token comes from
 * it, and the sid is denied for as long as a token already issued from it could live, so every
 * verifier fed by the revocation feed refuses those too.
 */
export function createSessionEnder({ tokens, accessTokenTtlSeconds, now }: SessionEnderDeps) {
  return async function endSession(sid: string): Promise<void> {
    await tokens.revokeRefreshFamily(sid);
    await tokens.denySession(sid, deniedUntil(Math.floor(now() / 1000) + accessTokenTtlSeconds));
  };
}

export type SessionEnder = ReturnType<typeof createSessionEnder>;
