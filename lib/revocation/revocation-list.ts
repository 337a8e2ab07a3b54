/**
 * The id under which a revoked session sits in the revocation feed (denylist, snapshot, channel),
 * beside revoked jtis. The prefix cannot collide with a jti: the issuer's jtis are UUIDs.
 */
export function sessionRevocationId(sid: string): string {
  return `sid:${sid}`;
}

/**
 * The gateway's local view of revoked access tokens. It is asked on every request, so it answers
 * from memory; implementations keep that memory current in the background (Redis pub/sub plus a
 * snapshot on connect), so a revocation reaches the gateway within a second without a network
 * round trip per request.
 */
export interface RevocationList {
  /** True when `jti` was revoked and its token has not yet expired. */
  isRevoked(jti: string): boolean;
  /**
   * True when the login session `sid` was revoked (logout) and a token of it may still be live.
   * Sessions travel on the same feed as jtis, under `sessionRevocationId(sid)`.
   */
  isSessionRevoked(sid: string): boolean;
  /** Resolves once the first snapshot is loaded (rejects if the backing store is unreachable). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** For setups without Redis: the gateway has no shared feed, so nothing is known revoked. */
export const noRevocations: RevocationList = {
  isRevoked: () => false,
  isSessionRevoked: () => false,
  ready: async () => {},
  close: async () => {},
};
