/**
 * A bounded least-recently-used map from a token string to its verification result. An entry
 * is dropped at its expiry instant, so a cached answer can never outlive the token's `exp`.
 * Revocation is not this cache's job: the verifier asks the revocation list on every hit.
 */
export class TokenCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();

  constructor(private readonly maxEntries: number) {}

  get(token: string, nowMs: number): V | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    this.entries.delete(token);
    if (entry.expiresAtMs <= nowMs) return undefined;
    // Re-inserting moves the entry to the young end of the Map's insertion order.
    this.entries.set(token, entry);
    return entry.value;
  }

  set(token: string, value: V, expiresAtMs: number, nowMs: number): void {
    if (this.maxEntries <= 0 || expiresAtMs <= nowMs) return;
    this.entries.delete(token);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, expiresAtMs });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
