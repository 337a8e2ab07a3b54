/**
 * A sorted set of strings with binary-search insert, remove and range reads: the ordered index
 * behind keyset pages in stores without one of their own (memory, and NeDB, whose indexes can
 * answer a range but only as an unsorted candidate list it would sort whole per query). Insert and
 * remove move the array tail (memmove, well under a millisecond at 100,000 keys); a page is one
 * binary search plus `limit` steps.
 */
export class SortedKeys {
  private readonly keys: string[] = [];

  /** Builds from keys in any order (one sort instead of n inserts). */
  static of(keys: Iterable<string>): SortedKeys {
    const sorted = new SortedKeys();
    sorted.keys.push(...[...new Set(keys)].sort(compare));
    return sorted;
  }

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  remove(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** Up to `limit` keys that start with `prefix` and sort strictly after `after` (when given), ascending. */
  range(prefix: string, after: string | undefined, limit: number): string[] {
    let at = this.lowerBound(after !== undefined && after > prefix ? after : prefix);
    if (after !== undefined && this.keys[at] === after) at += 1;
    const found: string[] = [];
    for (; at < this.keys.length && found.length < limit; at++) {
      const key = this.keys[at]!;
      if (!key.startsWith(prefix)) break;
      found.push(key);
    }
    return found;
  }

  /** The first position whose key is >= `key`. */
  private lowerBound(key: string): number {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.keys[mid]! < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Code-unit order, the same as `<` (localeCompare would disagree with the binary search). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
