import { randomBytes } from 'node:crypto';
import { revocationKey, type RevocationEntry, type RevocationFeedPage } from '../../../../lib/revocation/revocation-entry.js';

interface LoggedEntry extends RevocationEntry {
  seq: number;
}

/** Superseded or expired entries tolerated before the array is rewritten: compaction stays amortised O(1). */
const MIN_DEAD_BEFORE_COMPACTION = 1_024;

/**
 * The revocations of this process in the order they were made: an array sorted by sequence
 * number (binary search for "after cursor"), and the one live entry per kind and value. A
 * re-revocation with a later deadline appends a new entry and leaves the old one dead; dead and
 * expired entries are dropped once they outnumber the live ones, so memory is at most about twice
 * the number of unexpired revocations, and each of those expires with the token it denies.
 *
 * Cursors are `<run>.<seq>`: `run` is random per process, so a cursor from before a restart is
 * recognised and answered from the beginning rather than trusted.
 */
export class RevocationLog {
  readonly run = randomBytes(6).toString('base64url');
  private entries: LoggedEntry[] = [];
  private readonly live = new Map<string, LoggedEntry>();
  private seq = 0;
  private dead = 0;
  private readonly waiters = new Set<() => void>();
  private waiting = true;

  constructor(private readonly nowSeconds: () => number) {}

  /** Records `entry` unless an entry for the same kind and value already lasts as long; true when recorded. */
  add(entry: RevocationEntry): boolean {
    const now = this.nowSeconds();
    if (entry.until <= now) return false;
    const key = revocationKey(entry.kind, entry.value);
    const current = this.live.get(key);
    if (current && current.until >= entry.until) return false;
    const logged: LoggedEntry = { kind: entry.kind, value: entry.value, until: entry.until, seq: ++this.seq };
    this.entries.push(logged);
    this.live.set(key, logged);
    if (current) this.dead += 1;
    this.compactIfWorthIt(now);
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    return true;
  }

  /** The live deadline for kind and value (epoch seconds), if any. */
  until(kind: string, value: string): number | undefined {
    const key = revocationKey(kind, value);
    const entry = this.live.get(key);
    if (!entry) return undefined;
    if (entry.until > this.nowSeconds()) return entry.until;
    this.live.delete(key);
    this.dead += 1;
    return undefined;
  }

  /** Every live entry, oldest first (for rewriting the file). */
  liveEntries(): RevocationEntry[] {
    const now = this.nowSeconds();
    return this.entries.filter((entry) => this.isLive(entry, now)).map(({ kind, value, until }) => ({ kind, value, until }));
  }

  get size(): number {
    return this.live.size;
  }

  /** Entries held, live or dead: what the memory bound is about. */
  get retained(): number {
    return this.entries.length;
  }

  readAfter(after: string | undefined, limit: number): RevocationFeedPage | null {
    let from = 0;
    let reset = false;
    if (after !== undefined) {
      const match = /^([A-Za-z0-9_-]{8})\.(0|[1-9][0-9]{0,14})$/.exec(after);
      if (!match) return null;
      const seq = Number(match[2]);
      // Another run's numbers mean nothing here; one ahead of ours cannot be ours either.
      if (match[1] !== this.run || seq > this.seq) reset = true;
      else from = seq;
    }
    const now = this.nowSeconds();
    const page: RevocationEntry[] = [];
    let index = this.firstAfter(from);
    let last = from;
    for (; index < this.entries.length && page.length < limit; index += 1) {
      const entry = this.entries[index]!;
      last = entry.seq;
      if (this.isLive(entry, now)) page.push({ kind: entry.kind, value: entry.value, until: entry.until });
    }
    const more = index < this.entries.length;
    return { cursor: `${this.run}.${more ? last : this.seq}`, entries: page, more, reset };
  }

  waitAfter(cursor: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const page = this.readAfter(cursor, 1);
      if (!this.waiting || signal.aborted || !page || page.entries.length > 0 || page.reset) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  get stopped(): boolean {
    return !this.waiting;
  }

  stopWaiting(): void {
    this.waiting = false;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** Drops expired entries from the live map (they count as dead until the next compaction). */
  sweep(): void {
    const now = this.nowSeconds();
    for (const [key, entry] of this.live) {
      if (entry.until <= now) {
        this.live.delete(key);
        this.dead += 1;
      }
    }
    this.compactIfWorthIt(now);
  }

  private isLive(entry: LoggedEntry, now: number): boolean {
    return entry.until > now && this.live.get(revocationKey(entry.kind, entry.value)) === entry;
  }

  private compactIfWorthIt(now: number): void {
    if (this.dead < MIN_DEAD_BEFORE_COMPACTION || this.dead < this.live.size) return;
    this.entries = this.entries.filter((entry) => this.isLive(entry, now));
    this.dead = 0;
  }

  /** Index of the first entry whose seq is greater than `seq`. */
  private firstAfter(seq: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entries[mid]!.seq <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
