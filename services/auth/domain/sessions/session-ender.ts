import type { AccessTokenDenylist, RefreshTokenStore } from '../tokens/token-store.js';
import { deniedUntil } from '../tokens/denial.js';

export interface SessionEnderDeps {
  tokens: RefreshTokenStore & AccessTokenDenylist;
  /** ACCESS_TOKEN_TTL: no access token of the session can expire later than now plus this. */
  accessTokenTtlSeconds: number;
  now: () => number;
  /**
   * Told of every session that ended, before the ender resolves (back-channel logout queues its
   * deliveries here, durably). A failure fails the call: the session is over, the news must not be lost silently.
   */
  sessionEnded?: (sid: string) => Promise<void>;
}

/**
 * Ends a login session. The session is the refresh family: its id is the `sid` of every access
 * token refreshed (or exchanged) from one login. The family is revoked, so no new token comes from
 * it, and the sid is denied for as long as a token already issued from it could live, so every
 * verifier fed by the revocation feed refuses those too.
 */
export function createSessionEnder({ tokens, accessTokenTtlSeconds, now, sessionEnded }: SessionEnderDeps) {
  return async function endSession(sid: string): Promise<void> {
    await tokens.revokeRefreshFamily(sid);
    await tokens.denySession(sid, deniedUntil(Math.floor(now() / 1000) + accessTokenTtlSeconds));
    await sessionEnded?.(sid);
  };
}

export type SessionEnder = ReturnType<typeof createSessionEnder>;
