import type { DpopReplayCache } from './dpop.js';

export interface MemoryReplayCacheOptions {
  /**
   * Proofs remembered at most. Entries live about a minute (the iat window), so this bounds the
   * proof rate one process can guard (default 1 000 000, roughly 16 000 proofs/s); past it the
   * oldest entries go first. Replicas share nothing: use lib/redis/dpop-replay-cache.ts to guard them together.
   */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The replay cache of one process (no Redis configured). A Map keeps insertion order, which is
 * close to expiry order (every entry lives iat + window), so pruning from the front is cheap.
 */
export function createMemoryReplayCache({ maxEntries = 1_000_000, now = Date.now }: MemoryReplayCacheOptions = {}): DpopReplayCache {
  const seen = new Map<string, number>();
  return {
    claimOnce(key, expiresAtSeconds) {
      const nowSeconds = now() / 1000;
      for (const [oldKey, expiry] of seen) {
        if (expiry > nowSeconds && seen.size < maxEntries) break;
        seen.delete(oldKey);
      }
      const known = seen.get(key);
      if (known !== undefined && known > nowSeconds) return false;
      seen.set(key, expiresAtSeconds);
      return true;
    },
  };
}
