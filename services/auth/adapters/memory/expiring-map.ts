/**
 * A Map whose entries vanish once their deadline passes, checked lazily on access so no timer
 * keeps the process alive. Expired entries that are never read again are swept in passing every
 * `sweepEvery` writes, which bounds memory without a background job.
 */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
  private writesSinceSweep = 0;

  constructor(
    private readonly now: () => number,
    private readonly sweepEvery = 512,
  ) {}

  /** The live value, or undefined when absent or past its deadline (which also removes it). */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Epoch ms at which the live entry expires, or undefined when there is none. */
  expiresAt(key: K): number | undefined {
    return this.get(key) === undefined ? undefined : this.entries.get(key)?.expiresAt;
  }

  /** Stores `value` until `expiresAt` (epoch ms); a deadline already past stores nothing. */
  set(key: K, value: V, expiresAt: number): void {
    if (++this.writesSinceSweep >= this.sweepEvery) this.sweep();
    if (expiresAt <= this.now()) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, { value, expiresAt });
  }

  /** Entries held, expired ones not yet swept included: what the map costs in memory. */
  get size(): number {
    return this.entries.size;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
