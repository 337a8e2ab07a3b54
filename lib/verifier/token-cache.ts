/**
 * A bounded, nearly least-recently-used map from a token string to its verification result. An
 * entry is dropped at its expiry instant, so a cached answer can never outlive the token's `exp`.
 * Revocation is not this cache's job: the verifier asks the revocation list on every hit.
 *
 * Recency is refreshed lazily: a hit re-inserts its entry (moving it to the young end of the Map's
 * insertion order) only once more than half the capacity has been inserted since the entry was,
 * so the usual hit is one Map lookup instead of a delete and a set on a ~1 KB key. Eviction takes
 * the oldest insertion, which is never an entry used within the last half-capacity of inserts.
 *
 * The Map is keyed by the token's last KEY_CHARS characters (of a JWT: its signature's), and a hit
 * is confirmed by comparing the whole token: a Map lookup hashes its whole key, and hashing every
 * ~1 KB token was the largest single cost of a cache hit, where comparing two equal strings is a
 * memcmp. Two tokens sharing a tail only share a slot: the later one replaces the earlier, and
 * neither is ever answered with the other's entry.
 */
const KEY_CHARS = 43;

/** The slot of `token`: its tail, or all of it when short (a digest, a test's token). */
function slotOf(token: string): string {
  return token.length <= KEY_CHARS ? token : token.slice(token.length - KEY_CHARS);
}

export class TokenCache<V> {
  private readonly entries = new Map<string, { token: string; value: V; expiresAtMs: number; insertedAt: number }>();
  private inserts = 0;

  constructor(private readonly maxEntries: number) {}

  get(token: string, nowMs: number): V | undefined {
    const slot = slotOf(token);
    const entry = this.entries.get(slot);
    if (entry === undefined || entry.token !== token) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(slot);
      return undefined;
    }
    if (this.inserts - entry.insertedAt > this.maxEntries / 2) {
      this.entries.delete(slot);
      entry.insertedAt = ++this.inserts;
      this.entries.set(slot, entry);
    }
    return entry.value;
  }

  set(token: string, value: V, expiresAtMs: number, nowMs: number): void {
    if (this.maxEntries <= 0 || expiresAtMs <= nowMs) return;
    const slot = slotOf(token);
    this.entries.delete(slot);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(slot, { token, value, expiresAtMs, insertedAt: ++this.inserts });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
