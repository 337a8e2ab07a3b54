import type { RevocationFeed } from '../../domain/sessions/revocation-feed.js';
import type { TokenStore } from '../../domain/tokens/token-store.js';
import { MemoryTokenStore } from '../memory/memory-token-store.js';
import { openEmbeddedDenylist, type EmbeddedDenylist } from './embedded-denylist.js';

/**
 * The token store without Redis: refresh families, counters and the replay cache in memory (as
 * before), the denylist (access tokens by jti, ended sessions by sid) in `AUTH_DATA_DIR`, and the
 * revocation feed served from it.
 * Refresh state may die with the process (users log in again); a revocation must not, or a
 * logged-out token would pass every verifier again after an auth restart.
 */
export class EmbeddedTokenStore extends MemoryTokenStore {
  /** Also the revocation feed. */
  constructor(readonly denylist: EmbeddedDenylist) {
    super();
  }

  override denyAccessToken(jti: string, expiresAtSeconds: number): Promise<void> {
    return this.denylist.denyAccessToken(jti, expiresAtSeconds);
  }

  override isAccessTokenDenied(jti: string): Promise<boolean> {
    return this.denylist.isAccessTokenDenied(jti);
  }

  /** An ended session goes on the feed as kind `sid` (verifiers look sessions up there) and survives a restart. */
  override denySession(sid: string, expiresAtSeconds: number): Promise<void> {
    return this.denylist.denySession(sid, expiresAtSeconds);
  }

  override isSessionDenied(sid: string): Promise<boolean> {
    return this.denylist.isSessionDenied(sid);
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

/** The revocation feed `store` can serve: the embedded one's denylist; none with Redis (it has its own channel). */
export function revocationFeedOf(store: TokenStore): RevocationFeed | undefined {
  return store instanceof EmbeddedTokenStore ? store.denylist : undefined;
}
