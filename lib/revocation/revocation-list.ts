/**
 * The gateway's local view of revoked access tokens. It is asked on every request, so it answers
 * from memory; implementations keep that memory current in the background (Redis pub/sub plus a
 * snapshot on connect), so a revocation reaches the gateway within a second without a network
 * round trip per request.
 */
export interface RevocationList {
  /** True when `jti` was revoked and its token has not yet expired. */
  isRevoked(jti: string): boolean;
  /** Resolves once the first snapshot is loaded (rejects if the backing store is unreachable). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** For setups without Redis: the gateway has no shared feed, so nothing is known revoked. */
export const noRevocations: RevocationList = {
  isRevoked: () => false,
  ready: async () => {},
  close: async () => {},
};
