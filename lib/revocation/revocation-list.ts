/**
 * The gateway's local view of revoked access tokens. It is asked on every request, so it answers
 * from memory; implementations keep that memory current in the background (Redis pub/sub plus a
 * snapshot on connect, or the auth service's HTTP feed), so a revocation reaches every verifier
 * within a second without a network round trip per request.
 */
export interface RevocationList {
  /** True when `jti` was revoked and its token has not yet expired. */
  isRevoked(jti: string): boolean;
  /**
   * True when the login session `sid` was revoked (logout, lock, refresh token revocation) and a
   * token of it may still be live. Sessions travel on the same feed as jtis, as their own kind.
   */
  isSessionRevoked(sid: string): boolean;
  /** Resolves once the first snapshot is loaded (rejects if the backing store is unreachable). */
  ready(): Promise<void>;
  /** Whether revocations are being heard right now; for /readyz, the gauge and REVOCATION_FEED_REQUIRED. */
  status(): RevocationFeedStatus;
  close(): Promise<void>;
}

export type RevocationFeedSource = 'redis' | 'auth' | 'none';

export interface RevocationFeedStatus {
  source: RevocationFeedSource;
  /** Connected and current: a revocation made now will be heard within a second. */
  up: boolean;
  /** The full state was read at least once since start (a cold verifier knows nothing before). */
  loaded: boolean;
  /** Epoch ms since which the feed is down; absent while up. */
  downSince?: number;
  /** The last reason it went down (never a secret: messages only, no URLs with credentials). */
  reason?: string;
}

/** For setups without any feed: nothing is known revoked, and /readyz says so. */
export const noRevocations: RevocationList = {
  isRevoked: () => false,
  isSessionRevoked: () => false,
  ready: async () => {},
  status: () => ({ source: 'none', up: false, loaded: true, reason: 'no revocation feed configured' }),
  close: async () => {},
};
