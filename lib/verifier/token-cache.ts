/**
 * A bounded, nearly least-recently-used map from a token string to its verification result. An
 * entry is dropped at its expiry instant, so a cached answer can never outlive the token's `exp`.
 * Revocation is not this cache's job: the verifier asks the revocation list on every hit.
 *
 * Recency is refreshed lazily: a hit re-inserts its entry (moving it to the young end of the Map's
 * insertion order) only once more than half the capacity has been inserted since the entry was,
 * so the usual hit is one Map lookup instead of a delete and a set on a ~1 KB key. Eviction takes
 * the oldest insertion, which is never an entry used within the last half-capacity of inserts.
 */
export class TokenCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number; insertedAt: number }>();
  private inserts = 0;

  constructor(private readonly maxEntries: number) {}

  get(token: string, nowMs: number): V | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    if (this.inserts - entry.insertedAt > this.maxEntries / 2) {
      this.entries.delete(token);
      entry.insertedAt = ++this.inserts;
      this.entries.set(token, entry);
    }
    return entry.value;
  }

  set(token: string, value: V, expiresAtMs: number, nowMs: number): void {
    if (this.maxEntries <= 0 || expiresAtMs <= nowMs) return;
    this.entries.delete(token);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, expiresAtMs, insertedAt: ++this.inserts });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
