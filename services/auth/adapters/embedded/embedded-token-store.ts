import type { RevocationFeed, RevocationFeedPage } from '../../domain/ports/revocation-feed.js';
import { MemoryTokenStore } from '../memory/memory-token-store.js';
import { openEmbeddedDenylist, type EmbeddedDenylist } from './embedded-denylist.js';

/**
 * The token store without Redis: refresh families, counters and the replay cache in memory (as
 * before), the access-token denylist in `AUTH_DATA_DIR`, and the revocation feed served from it.
 * Refresh state may die with the process (users log in again); a revocation must not, or a
 * logged-out token would pass every verifier again after an auth restart.
 */
export class EmbeddedTokenStore extends MemoryTokenStore implements RevocationFeed {
  constructor(readonly denylist: EmbeddedDenylist) {
    super();
  }

  override denyAccessToken(jti: string, expiresAtSeconds: number): Promise<void> {
    return this.denylist.denyAccessToken(jti, expiresAtSeconds);
  }

  override isAccessTokenDenied(jti: string): Promise<boolean> {
    return this.denylist.isAccessTokenDenied(jti);
  }

  readAfter(after: string | undefined, limit: number): RevocationFeedPage | null {
    return this.denylist.readAfter(after, limit);
  }

  waitAfter(cursor: string, ms: number, signal: AbortSignal): Promise<void> {
    return this.denylist.waitAfter(cursor, ms, signal);
  }

  stopWaiting(): void {
    this.denylist.stopWaiting();
  }

  get stopped(): boolean {
    return this.denylist.stopped;
  }

  override ping(): Promise<void> {
    return this.denylist.ping();
  }

  override close(): Promise<void> {
    return this.denylist.close();
  }
}

export async function openEmbeddedTokenStore(dataDir: string): Promise<EmbeddedTokenStore> {
  return new EmbeddedTokenStore(await openEmbeddedDenylist(dataDir));
}

/** Whether `store` can serve the revocation feed (the embedded one can; Redis has its own channel). */
export function isRevocationFeed(store: object): store is RevocationFeed {
  return typeof (store as Partial<RevocationFeed>).readAfter === 'function';
}
