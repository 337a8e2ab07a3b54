import type { RevocationFeedPage } from '../../../../lib/revocation/revocation-entry.js';

export type { RevocationFeedPage };

/**
 * Every unexpired revocation in the order it was made, for verifiers that have no Redis (the
 * embedded default). Implemented by the embedded denylist, which also persists it under
 * AUTH_DATA_DIR, so a restarted auth service still serves every revocation that matters.
 *
 * Cursors are opaque strings this feed issued. A cursor from an earlier run of the service is
 * answered from the beginning with `reset: true`; entries past their `until` are never returned.
 */
export interface RevocationFeed {
  /**
   * Up to `limit` live entries made after `after` (from the beginning when undefined), the
   * cursor to present next, and whether more are waiting. Null when `after` is not a cursor of
   * this feed's format (the caller's error).
   */
  readAfter(after: string | undefined, limit: number): RevocationFeedPage | null;
  /**
   * Resolves as soon as an entry is made after `cursor`, after `ms`, when `signal` aborts, or when
   * the feed stops waiting (shutdown); never rejects.
   */
  waitAfter(cursor: string, ms: number, signal: AbortSignal): Promise<void>;
  /** Ends every wait now, and every later one at once: held requests must not delay a shutdown. */
  stopWaiting(): void;
  /** True once stopWaiting was called: the service is shutting down. */
  readonly stopped: boolean;
}
